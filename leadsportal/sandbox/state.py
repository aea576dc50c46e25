"""The sandbox's run-time state: knobs, counters, rate limiter and leads added at run time.

One module-level object, `state`, shared by the sandbox views (running in server threads) and
by whoever drives the sandbox: tests in the same process (fixture `sandbox`), or benchmarks and
browser tests through the HTTP control endpoints (/sandbox/_control...). Every access holds one
lock, so a test thread may turn knobs while server threads answer requests.

Knobs start from settings (LEADS_SANDBOX_*), plus an optional *baseline* that a harness sets
once (the test suite raises the rate limit so that only the rate-limit tests meet a 429);
`reset()` returns to settings + baseline, zeroes the counters and forgets added leads.
"""

from __future__ import annotations

import bisect
import copy
import math
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from leadsportal.sandbox import tokens
from leadsportal.sandbox.data import (
    ADDED_BASE,
    ANCHOR,
    LEAD_TYPES,
    PORTALS,
    ClientData,
    LeadRow,
    client_data,
)

FAULT_KINDS: tuple[str, ...] = ("error500", "stall", "malformed", "unavailable503")
# The kinds a random fault (fault_rate) picks from; unavailable503 only when asked for.
RANDOM_FAULT_KINDS: tuple[str, ...] = ("error500", "stall", "malformed")

_LEAD_MEMBERS = frozenset(
    {"leadMetaInfos", "contactRequest", "classified", "estimation", "propertySearch"}
)


@dataclass(frozen=True, slots=True)
class Knobs:
    latency_ms: int  # added before answering every API and token request
    fault_rate: float  # share of API requests answered with a fault, 0..1
    token_ttl: int  # lifetime of the tokens issued from now on, seconds
    rate_limit: int  # API requests per second and client; over it: 429
    stall_seconds: float = 15.0  # how long a "stall" fault holds the request before answering
    fault_mode: str | None = None  # force this kind for every fault (None: a random kind)
    fault_next: int = 0  # the next N API requests fault for sure (then fault_rate applies)
    fault_after: int = 0  # with fault_next: this many API requests succeed first (a fault midway)


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in {"latency_ms", "token_ttl", "rate_limit", "fault_next", "fault_after"}:
            minimum = 1 if name == "rate_limit" else 0
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


class _Knob[T]:
    """A knob read and written as a plain attribute (`sandbox.latency_ms = 200`), under the lock."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: SandboxState | None, objtype: type | None = None) -> T:
        assert obj is not None, "knobs are read on the state object"
        value: T = getattr(obj.knobs, self.name)
        return value

    def __set__(self, obj: SandboxState, value: T) -> None:
        obj.configure(**{self.name: value})


def data_for(client_id: str) -> ClientData:
    """The generated leads of a client, for the current seed and volume settings."""
    return client_data(
        client_id,
        seed=settings.LEADS_SANDBOX_SEED,
        count=settings.LEADS_SANDBOX_LEADS_PER_CLIENT,
        anchor=ANCHOR,
    )


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


class SandboxState:
    latency_ms: _Knob[int] = _Knob()
    fault_rate: _Knob[float] = _Knob()
    token_ttl: _Knob[int] = _Knob()
    rate_limit: _Knob[int] = _Knob()
    stall_seconds: _Knob[float] = _Knob()
    fault_mode: _Knob[str | None] = _Knob()
    fault_next: _Knob[int] = _Knob()
    fault_after: _Knob[int] = _Knob()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._baseline: dict[str, Any] = {}
        self._knobs: Knobs | None = None
        #: The rate limiter's clock; tests may pin it to make a 429 deterministic.
        self.clock: Callable[[], float] = time.monotonic
        self._wake = threading.Event()
        self._fault_rng = random.Random()
        self._clear()

    # Knobs --------------------------------------------------------------------------------

    def _defaults(self) -> Knobs:
        knobs = Knobs(
            latency_ms=settings.LEADS_SANDBOX_LATENCY_MS,
            fault_rate=settings.LEADS_SANDBOX_FAULT_RATE,
            token_ttl=settings.LEADS_SANDBOX_TOKEN_TTL,
            rate_limit=settings.LEADS_SANDBOX_RATE_LIMIT,
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
        self._token_requests: Counter[str] = Counter()
        self._tokens_issued: Counter[str] = Counter()
        self._api_requests: dict[str, Counter[str]] = {}
        self._unauthenticated = 0
        self._rate_limited: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._hits: dict[str, deque[float]] = {}
        self._added_rows: dict[str, list[LeadRow]] = {}
        self._added_json: dict[str, dict[str, dict[str, Any]]] = {}
        self._added_count = 0

    def reset_counters(self) -> None:
        with self._lock:
            self._token_requests.clear()
            self._tokens_issued.clear()
            self._api_requests.clear()
            self._unauthenticated = 0
            self._rate_limited.clear()
            self._faults.clear()
            self._hits.clear()

    def reset(self) -> None:
        """Knobs back to settings + baseline, counters zeroed, added leads removed, stalls woken."""
        with self._lock:
            self._knobs = self._defaults()
            self.clock = time.monotonic
            self._clear()
            self._wake.set()  # requests held by latency or a stall answer now
            self._wake = threading.Event()

    def wait(self, seconds: float) -> None:
        """Sleep that reset() interrupts, so a stalled request does not outlive its test."""
        if seconds <= 0:
            return
        with self._lock:
            wake = self._wake
        wake.wait(seconds)

    # Counters -----------------------------------------------------------------------------

    def record_token_request(self, client_id: str) -> None:
        with self._lock:
            self._token_requests[client_id] += 1

    def record_token_issued(self, client_id: str) -> None:
        with self._lock:
            self._tokens_issued[client_id] += 1

    def record_api_request(self, client_id: str | None, route: str) -> None:
        with self._lock:
            if client_id is None:
                self._unauthenticated += 1
            else:
                self._api_requests.setdefault(client_id, Counter())[route] += 1

    def token_requests(self, client_id: str | None = None) -> int:
        """Requests to the token endpoint (successful or not), for one client or all."""
        with self._lock:
            if client_id is None:
                return sum(self._token_requests.values())
            return self._token_requests[client_id]

    def tokens_issued(self, client_id: str | None = None) -> int:
        with self._lock:
            if client_id is None:
                return sum(self._tokens_issued.values())
            return self._tokens_issued[client_id]

    def api_requests(self, client_id: str | None = None, route: str | None = None) -> int:
        """Authenticated API requests (including 429s and faults), by client and operationId."""
        with self._lock:
            per_client = (
                list(self._api_requests.values())
                if client_id is None
                else [self._api_requests.get(client_id, Counter())]
            )
            if route is None:
                return sum(sum(counter.values()) for counter in per_client)
            return sum(counter[route] for counter in per_client)

    def stats(self) -> dict[str, Any]:
        """Everything counted, JSON-ready (served by GET /sandbox/_control/stats)."""
        with self._lock:
            return {
                "knobs": asdict(self.knobs),
                "token_requests": dict(self._token_requests),
                "tokens_issued": dict(self._tokens_issued),
                "api_requests": {
                    client: dict(routes) for client, routes in self._api_requests.items()
                },
                "unauthenticated_requests": self._unauthenticated,
                "rate_limited": dict(self._rate_limited),
                "faults": dict(self._faults),
                "added_leads": {client: len(rows) for client, rows in self._added_rows.items()},
                "anchor": ANCHOR.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "leads_per_client": settings.LEADS_SANDBOX_LEADS_PER_CLIENT,
                "seed": settings.LEADS_SANDBOX_SEED,
            }

    # Rate limit and faults ----------------------------------------------------------------

    def check_rate(self, client_id: str) -> int | None:
        """None if the request may go on, else the Retry-After in whole seconds (>= 1).

        A sliding one-second window per client; refused requests do not use up the quota.
        """
        with self._lock:
            now = self.clock()
            hits = self._hits.setdefault(client_id, deque())
            while hits and hits[0] <= now - 1.0:
                hits.popleft()
            if len(hits) >= self.knobs.rate_limit:
                self._rate_limited[client_id] += 1
                return max(1, math.ceil(hits[0] + 1.0 - now))
            hits.append(now)
            return None

    def draw_fault(self) -> str | None:
        """The fault kind this API request must suffer, if any."""
        with self._lock:
            knobs = self.knobs
            if knobs.fault_next > 0 and knobs.fault_after > 0:
                self._knobs = replace(knobs, fault_after=knobs.fault_after - 1)
                return None
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
        """A token the token endpoint would never issue: any scope (even ""), any ttl (even < 0).

        Lets tests reach the 403 path (a token without laas:leads:get) and the expired-token path
        without waiting. Not counted as a token request.
        """
        if client_id not in tokens.configured_clients():
            raise ValueError(f"Unknown sandbox client {client_id!r}.")
        return tokens.issue(
            client_id, scope=scope, ttl=self.knobs.token_ttl if ttl is None else ttl
        )

    # Leads added at run time --------------------------------------------------------------

    def add_lead(self, client_id: str, lead_type: str = "CLASSIFIED", **overrides: Any) -> str:
        """Add a brand-new lead, created now (or at `creation_date`), and return its leadId.

        Keyword overrides: `creation_date` (datetime or ISO string), `portal`, `classified_id`
        (a listing of the client's catalogue, or any id for a listing outside it), and any Lead
        member (`contactRequest={"email": ...}`, `leadMetaInfos={...}`...) deep-merged into the
        generated lead as given.
        """
        if client_id not in tokens.configured_clients():
            raise ValueError(f"Unknown sandbox client {client_id!r}.")
        if lead_type not in LEAD_TYPES:
            raise ValueError(f"leadType must be one of {', '.join(LEAD_TYPES)}, got {lead_type!r}.")
        creation = overrides.pop("creation_date", None)
        portal = overrides.pop("portal", None)
        classified_id = overrides.pop("classified_id", None)
        unknown = set(overrides) - _LEAD_MEMBERS
        if unknown:
            raise ValueError(f"Unknown lead override(s): {', '.join(sorted(unknown))}.")
        if portal is not None and portal not in PORTALS:
            raise ValueError(f"Unknown portal {portal!r}.")
        if classified_id is not None and (
            isinstance(classified_id, bool)
            or not isinstance(classified_id, int)
            or classified_id < 1
        ):
            raise ValueError(f"classified_id must be a positive integer, got {classified_id!r}.")
        ts = _timestamp(creation) if creation is not None else int(time.time())
        data = data_for(client_id)
        with self._lock:
            self._added_count += 1
            number = ADDED_BASE + self._added_count
        row = data.new_row(
            number, lead_type=lead_type, ts=ts, portal=portal, classified_id=classified_id
        )
        lead = _merge(data.render(row), copy.deepcopy(overrides))
        with self._lock:
            bisect.insort(self._added_rows.setdefault(client_id, []), row)
            self._added_json.setdefault(client_id, {})[row.lead_id] = lead
        return row.lead_id

    def erase_contact(self, client_id: str, lead_id: str) -> None:
        """The seeker of an added lead had their personal data erased (GDPR): from now on the
        API serves the lead with an empty contact, as it does for erased seed leads."""
        with self._lock:
            lead = self._added_json.get(client_id, {}).get(lead_id)
            if lead is None:
                raise ValueError(f"No added lead {lead_id!r} for {client_id!r}.")
            lead["contactRequest"] = dict.fromkeys(
                ("firstName", "lastName", "email", "gender", "language", "message", "isOwner")
            ) | {"phoneNumbers": []}

    def added_rows(self, client_id: str) -> list[LeadRow]:
        with self._lock:
            return list(self._added_rows.get(client_id, ()))

    def added_lead(self, client_id: str, lead_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._added_json.get(client_id, {}).get(lead_id)


def _timestamp(value: object) -> int:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"creation_date is not an ISO 8601 date-time: {value!r}.") from exc
    if not isinstance(value, datetime):
        raise ValueError(f"creation_date must be a datetime or an ISO string, got {value!r}.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


#: The sandbox's single state object.
state = SandboxState()
