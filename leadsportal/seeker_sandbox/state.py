"""The Seeker sandbox's run-time state: knobs, counters, the rate limit, added leads, webhooks.

One module-level object, `state`, shared by the sandbox's views (server threads) and whoever
drives it: tests in the same process (fixture `seeker_sandbox`), benchmarks and browser tests
through /seeker-sandbox/_control... Every access holds one lock.

Knobs start from settings (SEEKER_SANDBOX_*) plus an optional baseline a harness sets once;
`reset()` returns to them, zeroes the counters, forgets added leads, erasures and webhook
subscriptions, and wakes requests held by latency or a stall.

What it counts is what a reviewer of a client would look at: token requests (and those made
while an earlier token of the same client was still valid: AVIV's review checks that a token
is reused for its lifetime), the User-Agent of every request, the windows asked for, how many
requests a client had in flight at once, 429s and faults.
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings

from leadsportal.seeker_sandbox import tokens, webhooks
from leadsportal.seeker_sandbox.data import (
    ADDED_BASE,
    ANCHOR,
    CATEGORIES,
    INTENTIONS,
    PORTALS,
    ClientData,
    LeadRow,
    client_data,
)

FAULT_KINDS: tuple[str, ...] = ("error500", "stall", "malformed", "unavailable503")
# The kinds a random fault (fault_rate) picks from; unavailable503 only when asked for.
RANDOM_FAULT_KINDS: tuple[str, ...] = ("error500", "stall", "malformed")
# The limit's window: the live API allows `rate_limit` (10) requests in any 200 ms.
RATE_WINDOW_SECONDS = 0.2
AUDIT_KEPT = 100
_LEAD_MEMBERS = frozenset(
    {"metadata", "contactRequest", "property", "callDetails", "distributionType"}
)


@dataclass(frozen=True, slots=True)
class Knobs:
    latency_ms: int  # added before answering every request
    fault_rate: float  # share of API requests answered with a fault, 0..1
    token_ttl: int  # lifetime of the tokens issued from now on, seconds
    rate_limit: int  # API requests per client in any 200 ms; over it: 429
    stall_seconds: float = 15.0  # how long a "stall" fault holds the request before answering
    fault_mode: str | None = None  # force this kind for every fault (None: a random kind)
    fault_next: int = 0  # the next N API requests fault for sure (then fault_rate applies)


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in {"latency_ms", "token_ttl", "rate_limit", "fault_next"}:
            minimum = 1 if name in {"rate_limit", "token_ttl"} else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
        elif name in {"fault_rate", "stall_seconds"}:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}.")
            if name == "fault_rate" and value > 1:
                raise ValueError(f"fault_rate must be between 0 and 1, got {value!r}.")
            value = float(value)
        elif name == "fault_mode":
            if value is not None and value not in FAULT_KINDS:
                raise ValueError(
                    f"fault_mode must be one of {', '.join(FAULT_KINDS)} or null, got {value!r}."
                )
        else:
            raise ValueError(f"Unknown sandbox knob {name!r}.")
        clean[name] = value
    return clean


def data_for(client_id: str) -> ClientData:
    """The generated leads of a client, for the current seed and volume settings."""
    return client_data(
        client_id,
        seed=settings.SEEKER_SANDBOX_SEED,
        count=settings.SEEKER_SANDBOX_LEADS_PER_CLIENT,
        anchor=ANCHOR,
    )


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def erased_contact(contact: dict[str, Any] | None) -> dict[str, Any]:
    """The portal's GDPR erasure of a contact request: the e-mail is not on its list."""
    email = (contact or {}).get("email")
    return dict.fromkeys(("firstName", "lastName", "gender", "language", "message", "isOwner")) | {
        "email": email,
        "phoneNumbers": [],
    }


class SeekerSandboxState:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._baseline: dict[str, Any] = {}
        self._knobs: Knobs | None = None
        #: The rate limiter's clock; tests may pin it to make a 429 certain.
        self.clock: Callable[[], float] = time.monotonic
        self._wake = threading.Event()
        self._fault_rng = random.Random()
        self._deliveries: list[threading.Thread] = []
        self._generation = 0
        self._clear()

    # Knobs --------------------------------------------------------------------------------

    def _defaults(self) -> Knobs:
        knobs = Knobs(
            latency_ms=settings.SEEKER_SANDBOX_LATENCY_MS,
            fault_rate=settings.SEEKER_SANDBOX_FAULT_RATE,
            token_ttl=settings.SEEKER_SANDBOX_TOKEN_TTL,
            rate_limit=settings.SEEKER_SANDBOX_RATE_LIMIT,
        )
        return replace(knobs, **self._baseline)

    @property
    def knobs(self) -> Knobs:
        with self._lock:
            if self._knobs is None:
                self._knobs = self._defaults()
            return self._knobs

    def configure(self, **values: Any) -> Knobs:
        """Set several knobs at once; raises ValueError naming a bad knob, changing nothing."""
        clean = _validated(values)
        with self._lock:
            self._knobs = replace(self.knobs, **clean)
            return self._knobs

    def set_baseline(self, **values: Any) -> None:
        """Knob values that reset() returns to instead of the settings' (for a test harness)."""
        clean = _validated(values)
        with self._lock:
            self._baseline = clean
            self._knobs = self._defaults()

    # Reset --------------------------------------------------------------------------------

    def _clear(self) -> None:
        self._generation += 1
        self._token_requests: Counter[str] = Counter()
        self._tokens_issued: Counter[str] = Counter()
        self._premature_tokens: Counter[str] = Counter()
        self._token_valid_until: dict[str, float] = {}
        self._api_requests: dict[str, Counter[str]] = {}
        self._unauthenticated = 0
        self._rate_limited: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._user_agents: Counter[str] = Counter()
        self._without_user_agent = 0
        self._windows: dict[str, list[tuple[int, int]]] = {}
        self._hits: dict[str, deque[float]] = {}
        self._in_flight: Counter[str] = Counter()
        self._peak_in_flight: Counter[str] = Counter()
        self._added_rows: dict[str, list[LeadRow]] = {}
        self._added_json: dict[str, dict[str, dict[str, Any]]] = {}
        self._erased: dict[str, set[str]] = {}
        self._added_count = 0
        self._subscriptions: dict[str, dict[str, dict[str, Any]]] = {}
        self._audit: dict[str, deque[dict[str, Any]]] = {}
        self._last_success: dict[str, int] = {}

    def reset_counters(self) -> None:
        with self._lock:
            for counter in (
                self._token_requests,
                self._tokens_issued,
                self._premature_tokens,
                self._rate_limited,
                self._faults,
                self._user_agents,
                self._peak_in_flight,
            ):
                counter.clear()
            self._token_valid_until.clear()
            self._api_requests.clear()
            self._unauthenticated = 0
            self._without_user_agent = 0
            self._windows.clear()
            self._hits.clear()
            self._generation += 1
            self._in_flight.clear()

    def reset(self) -> None:
        """Back to settings + baseline; counters, added leads, erasures and subscriptions gone."""
        self.join_deliveries(timeout=5)
        with self._lock:
            self._knobs = self._defaults()
            self.clock = time.monotonic
            self._clear()
            self._wake.set()  # requests held by latency or a stall answer now
            self._wake = threading.Event()

    def wait(self, seconds: float) -> None:
        """Sleep that reset() interrupts, so that a stalled request does not outlive its test."""
        if seconds <= 0:
            return
        with self._lock:
            wake = self._wake
        wake.wait(seconds)

    # Counters -----------------------------------------------------------------------------

    def record_user_agent(self, user_agent: str) -> None:
        with self._lock:
            if user_agent:
                self._user_agents[user_agent] += 1
            else:
                self._without_user_agent += 1

    def record_token_request(self, client_id: str) -> None:
        with self._lock:
            self._token_requests[client_id] += 1

    def record_token_issued(self, client_id: str, ttl: int) -> None:
        """Counts a token issued while this client's previous one still lived: the waste
        AVIV's review looks for."""
        now = time.time()
        with self._lock:
            if self._token_valid_until.get(client_id, 0.0) > now:
                self._premature_tokens[client_id] += 1
            self._tokens_issued[client_id] += 1
            self._token_valid_until[client_id] = now + ttl

    def record_api_request(self, client_id: str | None, route: str) -> None:
        with self._lock:
            if client_id is None:
                self._unauthenticated += 1
            else:
                self._api_requests.setdefault(client_id, Counter())[route] += 1

    def record_window(self, client_id: str, min_date: int, max_date: int) -> None:
        with self._lock:
            self._windows.setdefault(client_id, []).append((min_date, max_date))

    def begin_request(self, client_id: str) -> int:
        """Counts a request in flight; returns the counters' generation for `end_request`."""
        with self._lock:
            self._in_flight[client_id] += 1
            self._peak_in_flight[client_id] = max(
                self._peak_in_flight[client_id], self._in_flight[client_id]
            )
            return self._generation

    def end_request(self, client_id: str, generation: int) -> None:
        with self._lock:
            # A request that began before a reset is not in the new counters.
            if generation == self._generation:
                self._in_flight[client_id] -= 1

    def token_requests(self, client_id: str | None = None) -> int:
        with self._lock:
            if client_id is None:
                return sum(self._token_requests.values())
            return self._token_requests[client_id]

    def tokens_issued(self, client_id: str | None = None) -> int:
        with self._lock:
            if client_id is None:
                return sum(self._tokens_issued.values())
            return self._tokens_issued[client_id]

    def premature_tokens(self, client_id: str) -> int:
        with self._lock:
            return self._premature_tokens[client_id]

    def api_requests(self, client_id: str | None = None, route: str | None = None) -> int:
        """Authenticated API requests (429s and faults included), by client and operationId."""
        with self._lock:
            per_client = (
                list(self._api_requests.values())
                if client_id is None
                else [self._api_requests.get(client_id, Counter())]
            )
            if route is None:
                return sum(sum(counter.values()) for counter in per_client)
            return sum(counter[route] for counter in per_client)

    def user_agents(self) -> dict[str, int]:
        with self._lock:
            return dict(self._user_agents)

    def requests_without_user_agent(self) -> int:
        with self._lock:
            return self._without_user_agent

    def windows(self, client_id: str) -> list[tuple[int, int]]:
        """The (minDate, maxDate) of each first page asked for, in arrival order."""
        with self._lock:
            return list(self._windows.get(client_id, ()))

    def peak_in_flight(self, client_id: str) -> int:
        with self._lock:
            return self._peak_in_flight[client_id]

    def rate_limited(self, client_id: str) -> int:
        with self._lock:
            return self._rate_limited[client_id]

    def stats(self) -> dict[str, Any]:
        """Everything counted, JSON-ready (GET /seeker-sandbox/_control/stats)."""
        with self._lock:
            return {
                "knobs": asdict(self.knobs),
                "token_requests": dict(self._token_requests),
                "tokens_issued": dict(self._tokens_issued),
                "premature_token_requests": dict(self._premature_tokens),
                "api_requests": {
                    client: dict(routes) for client, routes in self._api_requests.items()
                },
                "unauthenticated_requests": self._unauthenticated,
                "requests_without_user_agent": self._without_user_agent,
                "user_agents": dict(self._user_agents),
                "rate_limited": dict(self._rate_limited),
                "peak_in_flight": dict(self._peak_in_flight),
                "faults": dict(self._faults),
                "added_leads": {client: len(rows) for client, rows in self._added_rows.items()},
                "subscriptions": {
                    client: len(subs) for client, subs in self._subscriptions.items()
                },
                "anchor": ANCHOR.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "leads_per_client": settings.SEEKER_SANDBOX_LEADS_PER_CLIENT,
                "seed": settings.SEEKER_SANDBOX_SEED,
            }

    # Rate limit and faults ----------------------------------------------------------------

    def check_rate(self, client_id: str) -> bool:
        """True if the request may go on: fewer than `rate_limit` of this client's requests
        arrived in the last 200 ms. Refused requests do not use up the quota."""
        with self._lock:
            now = self.clock()
            hits = self._hits.setdefault(client_id, deque())
            while hits and hits[0] <= now - RATE_WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.knobs.rate_limit:
                self._rate_limited[client_id] += 1
                return False
            hits.append(now)
            return True

    def draw_fault(self) -> str | None:
        with self._lock:
            knobs = self.knobs
            if knobs.fault_next > 0:
                self._knobs = replace(knobs, fault_next=knobs.fault_next - 1)
            elif not (knobs.fault_rate > 0 and self._fault_rng.random() < knobs.fault_rate):
                return None
            kind = knobs.fault_mode or self._fault_rng.choice(RANDOM_FAULT_KINDS)
            self._faults[kind] += 1
            return kind

    # Tokens (test hook) -------------------------------------------------------------------

    def issue_token(
        self, client_id: str, *, scope: str = tokens.SCOPE, ttl: int | None = None
    ) -> str:
        """A token the token endpoint would not issue: any scope (even ""), any ttl (even < 0).

        For the 403 of a token that lacks the scope and for expiry, without waiting. Not
        counted as a token request.
        """
        if client_id not in tokens.configured_clients():
            raise ValueError(f"Unknown sandbox client {client_id!r}.")
        return tokens.issue(
            client_id, scope=scope, ttl=self.knobs.token_ttl if ttl is None else ttl
        )

    # Leads --------------------------------------------------------------------------------

    def add_lead(self, client_id: str, category: str = "CLASSIFIED", **overrides: Any) -> str:
        """Add a brand-new lead, ingested now (or at `ingestion_date`, Unix s), call the
        client's active webhooks, and return its leadId.

        Keyword overrides: `ingestion_date`, `portal`, `classified_id` (a listing of the
        catalogue, or any classifiedId), `seeker_intention`, `erased` (the portal already erased
        the contact), and any Lead member (`contactRequest={...}`, `callDetails={...}`...)
        deep-merged into the generated lead as given.
        """
        if client_id not in tokens.configured_clients():
            raise ValueError(f"Unknown sandbox client {client_id!r}.")
        if category not in CATEGORIES:
            raise ValueError(
                f"leadCategory must be one of {', '.join(CATEGORIES)}, got {category!r}."
            )
        ingestion = overrides.pop("ingestion_date", None)
        portal = overrides.pop("portal", None)
        classified_id = overrides.pop("classified_id", None)
        intention = overrides.pop("seeker_intention", None)
        erased = overrides.pop("erased", False)
        unknown = set(overrides) - _LEAD_MEMBERS
        if unknown:
            raise ValueError(f"Unknown lead override(s): {', '.join(sorted(unknown))}.")
        if portal is not None and portal not in PORTALS:
            raise ValueError(f"Unknown portal {portal!r}.")
        if intention is not None and intention not in INTENTIONS:
            raise ValueError(f"seekerIntention must be one of {', '.join(INTENTIONS)}.")
        if classified_id is not None and not isinstance(classified_id, str):
            raise ValueError("classifiedId must be a string.")
        if not isinstance(erased, bool):
            raise ValueError("erased must be true or false.")
        if ingestion is None:
            ts = int(time.time())
        elif isinstance(ingestion, bool) or not isinstance(ingestion, int) or ingestion < 0:
            raise ValueError("ingestionDate must be Unix seconds (an integer).")
        else:
            ts = ingestion
        data = data_for(client_id)
        with self._lock:
            self._added_count += 1
            number = ADDED_BASE + self._added_count
        row = data.new_row(
            number,
            category=category,
            ts=ts,
            portal=portal,
            classified_id=classified_id,
            intention=intention,
            erased=erased,
        )
        lead = _merge(data.render(row), copy.deepcopy(overrides))
        with self._lock:
            bisect.insort(self._added_rows.setdefault(client_id, []), row)
            self._added_json.setdefault(client_id, {})[row.lead_id] = lead
        self._deliver(client_id, row)
        return row.lead_id

    def erase_contact(self, client_id: str, lead_id: str) -> None:
        """The portal erases a seeker's data (GDPR): from now on the lead, generated or added,
        is served erased."""
        with self._lock:
            known = lead_id in self._added_json.get(client_id, {})
        if not known and lead_id not in data_for(client_id).by_id:
            raise ValueError(f"No lead {lead_id!r} for {client_id!r}.")
        with self._lock:
            self._erased.setdefault(client_id, set()).add(lead_id)

    def added_rows(self, client_id: str) -> list[LeadRow]:
        with self._lock:
            return list(self._added_rows.get(client_id, ()))

    def added_lead(self, client_id: str, lead_id: str) -> dict[str, Any] | None:
        with self._lock:
            lead = self._added_json.get(client_id, {}).get(lead_id)
            return copy.deepcopy(lead) if lead is not None else None

    def is_erased(self, client_id: str, lead_id: str) -> bool:
        with self._lock:
            return lead_id in self._erased.get(client_id, ())

    # Webhook subscriptions ----------------------------------------------------------------

    def subscription_create(self, client_id: str, body: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        subscription = {
            "subscriptionId": str(uuid.uuid4()),
            **body,
            "createdAt": now,
            "updatedAt": now,
        }
        with self._lock:
            self._subscriptions.setdefault(client_id, {})[subscription["subscriptionId"]] = (
                subscription
            )
            self._audit[subscription["subscriptionId"]] = deque(maxlen=AUDIT_KEPT)
            return dict(subscription)

    def subscription(self, client_id: str, subscription_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._subscriptions.get(client_id, {}).get(subscription_id)
            return dict(found) if found is not None else None

    def subscription_update(
        self, client_id: str, subscription_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        with self._lock:
            found = self._subscriptions.get(client_id, {}).get(subscription_id)
            if found is None:
                return None
            found.update(body, updatedAt=int(time.time()))
            return dict(found)

    def subscription_delete(self, client_id: str, subscription_id: str) -> bool:
        with self._lock:
            found = self._subscriptions.get(client_id, {}).pop(subscription_id, None)
            self._audit.pop(subscription_id, None)
            return found is not None

    def audit(self, subscription_id: str, limit: int) -> dict[str, Any]:
        with self._lock:
            events = list(self._audit.get(subscription_id, ()))
            return {
                "lastSuccessTimestamp": self._last_success.get(subscription_id),
                "recentEvents": list(reversed(events))[:limit],  # newest first
            }

    def record_delivery(self, subscription_id: str, event: dict[str, Any]) -> None:
        with self._lock:
            if subscription_id in self._audit:
                self._audit[subscription_id].append(event)
                if event["success"]:
                    self._last_success[subscription_id] = event["timestamp"]

    def _deliver(self, client_id: str, row: LeadRow) -> None:
        """Call each active subscription of the client, in the background (as a real
        provider's dispatcher would: adding a lead does not wait for anyone's webhook)."""
        with self._lock:
            targets = [
                dict(sub)
                for sub in self._subscriptions.get(client_id, {}).values()
                if sub.get("status") == "ACTIVE"
            ]
            for target in targets:
                thread = threading.Thread(
                    target=webhooks.deliver,
                    args=(target, row.lead_id, row.ts, self.record_delivery),
                    name="seeker-sandbox-webhook",
                    daemon=True,
                )
                self._deliveries.append(thread)
                thread.start()

    def active_subscriptions(self, client_id: str) -> int:
        with self._lock:
            subscriptions = self._subscriptions.get(client_id, {}).values()
            return sum(1 for sub in subscriptions if sub.get("status") == "ACTIVE")

    def join_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait for the webhook calls under way; True when none is left."""
        until = time.monotonic() + timeout
        with self._lock:
            pending = list(self._deliveries)
        for thread in pending:
            thread.join(max(0.0, until - time.monotonic()))
        with self._lock:
            self._deliveries = [thread for thread in self._deliveries if thread.is_alive()]
            return not self._deliveries


#: The Seeker sandbox's single state object.
state = SeekerSandboxState()
