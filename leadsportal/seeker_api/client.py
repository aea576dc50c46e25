"""HTTP client of AVIV Seeker Leads v1: the shared 24-hour token, the limit, retries, errors.

One `SeekerLeadsClient` per set of agency credentials, reused across requests (`get_client`),
with one pooled `requests.Session` that sends the mandatory User-Agent on every call, the
token request included. Errors are the dashboard's one family (`LeadsApiError` and its kinds,
from leads_api.errors): a view or task catches the same exceptions whichever upstream an
agency uses, and each error carries the same banner and page status.

What a call does, in order: take a slot under the 10-per-200-ms limit (limiter.py) → send with
the shared token (tokens.py) → 401, or 403 naming the scope: renew the token once and resend →
429 and 5xx: wait (Retry-After, else a jittered backoff) and resend, a bounded number of times
and only what is safe to resend → anything else ≥ 400: the family's error. Everything about
the wire format is in `contract.py`; `mapping.py` reads the leads as the dashboard's.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import platform
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from leadsportal.leads_api.contract import Lead, Problem
from leadsportal.leads_api.errors import (
    LeadsApiAuthError,
    LeadsApiError,
    LeadsApiMalformedResponse,
    LeadsApiNotFound,
    LeadsApiRateLimited,
    LeadsApiUnavailable,
    LeadsApiValidationError,
)
from leadsportal.lib import deadlines, request_metrics, retries
from leadsportal.seeker_api import contract, mapping
from leadsportal.seeker_api.contract import (
    LeadsPage,
    SeekerLead,
    Subscription,
    SubscriptionAudit,
    SubscriptionStatus,
    Token,
)
from leadsportal.seeker_api.limiter import ConcurrencyLimit
from leadsportal.seeker_api.tokens import SharedToken

logger = logging.getLogger(__name__)

# pyproject.toml's version; AVIV reads the User-Agent to know which software calls.
CLIENT_VERSION: Final = "0.1.0"
RETRYABLE_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
# A Retry-After longer than this is reported to the person rather than waited for.
MAX_RETRY_AFTER_SECONDS: Final = 5.0
# Room for the whole limit in flight, and a spare connection.
POOL_SIZE: Final = contract.CONCURRENCY_LIMIT + 2
# Set in the threads of a window read side by side: once the read has ended (another slice's
# error, the deadline), nobody waits for their answers, so they send no further request.
_window_read_ended: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "seeker_window_read_ended", default=None
)


@dataclass(frozen=True, slots=True)
class SeekerCredentials:
    client_id: str
    client_secret: str
    base_url: str
    token_url: str
    audience: str
    intermediary_id: str = ""

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return f"SeekerCredentials(client_id={self.client_id!r}, base_url={self.base_url!r})"


def credentials_for(
    client_id: str,
    client_secret: str,
    base_url: str = "",
    *,
    token_url: str = "",
    audience: str = "",
    intermediary_id: str = "",
) -> SeekerCredentials:
    """Credentials on the configured API (settings.SEEKER_API_*) unless told another."""
    base = (base_url or settings.SEEKER_API_BASE_URL).rstrip("/")
    configured = base == settings.SEEKER_API_BASE_URL.rstrip("/")
    return SeekerCredentials(
        client_id=client_id,
        client_secret=client_secret,
        base_url=base,
        token_url=token_url
        or (configured and settings.SEEKER_API_TOKEN_URL)
        or contract.default_token_url(base),
        # The public client sends the API's base URL; AVIV may hand out another at onboarding.
        audience=audience or (configured and settings.SEEKER_API_AUDIENCE) or base,
        intermediary_id=intermediary_id,
    )


def default_user_agent() -> str:
    """software/version, then the runtime's: one token per part, no space or slash inside."""
    python = platform.python_version()
    return f"leadsportal/{CLIENT_VERSION} Python/{python} requests/{requests.__version__}"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    payload: Any


class SeekerLeadsClient:
    """Seeker Leads for one agency's credentials. Thread-safe; share it (see `get_client`)."""

    def __init__(
        self,
        credentials: SeekerCredentials,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.timeout = (
            connect_timeout if connect_timeout is not None else settings.LEADS_API_CONNECT_TIMEOUT,
            read_timeout if read_timeout is not None else settings.LEADS_API_READ_TIMEOUT,
        )
        self.max_retries = (
            max_retries if max_retries is not None else settings.LEADS_API_MAX_RETRIES
        )
        self.user_agent = user_agent or settings.SEEKER_API_USER_AGENT or default_user_agent()
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {"Accept": "application/json", contract.USER_AGENT_HEADER: self.user_agent}
        )
        self.limit = ConcurrencyLimit(
            contract.CONCURRENCY_LIMIT, contract.CONCURRENCY_WINDOW_SECONDS
        )
        self.token = SharedToken(
            "|".join(
                (
                    credentials.token_url,
                    credentials.audience,
                    credentials.client_id,
                    credentials.client_secret,
                )
            ),
            self._request_token,
        )

    # --- The feed ------------------------------------------------------------------------------

    def leads_page(self, min_date: int, max_date: int) -> LeadsPage:
        """The first page of the leads ingested in [min_date, max_date] (Unix s, ≤ 7 days)."""
        url = self.credentials.base_url + contract.LEADS_PATH
        return self._page(url, contract.leads_query(min_date, max_date))

    def next_page(self, page: LeadsPage) -> LeadsPage:
        if page.next_url is None:
            raise ValueError("the last page has no next page")
        return self._page(page.next_url, None)

    def _page(self, url: str, params: Mapping[str, Any] | None) -> LeadsPage:
        answer = self._call(
            "GET",
            url,
            params=params,
            route="leads",
            accept=(contract.STATUS_LAST, contract.STATUS_MORE, contract.STATUS_EMPTY),
        )
        if answer.status == contract.STATUS_EMPTY:
            return LeadsPage(leads=())
        return self._parse(
            contract.parse_leads_page, answer.payload, answer.status, self.credentials.base_url
        )

    def slice_leads(self, min_date: int, max_date: int) -> tuple[SeekerLead, ...]:
        """Every lead of one window of at most 7 days, page after page (a cursor is sequential)."""
        page = self.leads_page(min_date, max_date)
        leads = list(page.leads)
        seen_urls: set[str] = set()
        while page.next_url is not None:
            if page.next_url in seen_urls or len(seen_urls) >= contract.MAX_PAGES_PER_WINDOW:
                raise LeadsApiMalformedResponse("leads: the cursor of links.next goes round")
            seen_urls.add(page.next_url)
            page = self.next_page(page)
            leads.extend(page.leads)
        return tuple(leads)

    def window(self, start: datetime, end: datetime) -> tuple[SeekerLead, ...]:
        """Every lead ingested in [start, end), newest first, whatever the period's length.

        The period is cut into the API's 7-day windows (contract.window_slices), fetched side by
        side (each one's pages in turn) under the 10-per-200-ms limit, within the current
        deadline. A lead met twice (a boundary, a cursor that repeats) is kept once. The first
        error ends the whole fetch: a partial list would show wrong counts.
        """
        slices = contract.window_slices(start, end)
        if not slices:
            return ()
        if len(slices) == 1:
            results = [self.slice_leads(*slices[0])]
        else:
            results = self._slices_concurrently(slices)
        unique: dict[str, SeekerLead] = {}
        for leads in results:
            for lead in leads:
                unique.setdefault(lead.lead_id, lead)
        return tuple(
            sorted(
                unique.values(),
                key=lambda lead: (lead.metadata.ingestion_date, lead.lead_id),
                reverse=True,
            )
        )

    def window_leads(self, start: datetime, end: datetime) -> tuple[Lead, ...]:
        """`window`, read as the dashboard's leads."""
        return tuple(mapping.to_lead(lead) for lead in self.window(start, end))

    def windows_leads(self, windows: Sequence[tuple[int, int]]) -> list[tuple[Lead, ...]]:
        """The dashboard's leads of each window (inclusive Unix-second pairs the API accepts,
        contract.window_slices), in the order given: fetched side by side under the limit, the
        first error ending them all, as `window`."""
        if not windows:
            return []
        for low, high in windows:
            contract.leads_query(low, high)  # a window the API would refuse fails here
        if len(windows) == 1:
            results = [self.slice_leads(*windows[0])]
        else:
            results = self._slices_concurrently(tuple(windows))
        return [tuple(mapping.to_lead(lead) for lead in leads) for leads in results]

    def _slices_concurrently(
        self, slices: tuple[tuple[int, int], ...]
    ) -> list[tuple[SeekerLead, ...]]:
        pool = ThreadPoolExecutor(
            max_workers=min(contract.CONCURRENCY_LIMIT, len(slices)),
            thread_name_prefix="seeker-window",
        )
        ended = threading.Event()

        def read_slice(low: int, high: int) -> tuple[SeekerLead, ...]:
            _window_read_ended.set(ended)
            return self.slice_leads(low, high)

        try:
            # Each slice runs in a copy of the caller's context: its deadline and request log.
            futures: list[Future[tuple[SeekerLead, ...]]] = [
                pool.submit(contextvars.copy_context().run, read_slice, low, high)
                for low, high in slices
            ]
            left = deadlines.seconds_left()
            done, not_done = wait(
                futures,
                timeout=None if left is None else max(0.0, left),
                return_when=FIRST_EXCEPTION,
            )
        finally:
            ended.set()  # the slices still paging (after an error, or the deadline) stop
            pool.shutdown(wait=False, cancel_futures=True)
        for future in futures:
            if future in done and future.exception() is not None:
                failure = future.exception()
                assert failure is not None
                raise failure
        if not_done:
            raise LeadsApiUnavailable(
                f"leads: {len(not_done)} of {len(slices)} windows not fetched within the deadline"
            )
        return [future.result() for future in futures]

    def get_lead(self, lead_id: str) -> SeekerLead:
        if not contract.LEAD_ID_PATTERN.match(lead_id):
            raise LeadsApiNotFound("lead: not a lead id")
        url = self.credentials.base_url + contract.LEAD_PATH.format(lead_id=quote(lead_id, safe=""))
        answer = self._call("GET", url, route="lead")
        return self._parse(contract.parse_lead, answer.payload)

    # --- Webhook subscriptions ---------------------------------------------------------------

    def subscription_create(
        self, *, url: str, api_key: str, status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    ) -> Subscription:
        answer = self._call(
            "POST",
            self.credentials.base_url + contract.SUBSCRIPTIONS_PATH,
            json_body=contract.subscription_body(url=url, api_key=api_key, status=status),
            route="subscription_create",
            idempotent=False,
            accept=(200, 201),
        )
        return self._parse(contract.parse_subscription, answer.payload)

    def subscription_update(
        self, subscription_id: str, *, url: str, api_key: str, status: SubscriptionStatus
    ) -> Subscription:
        answer = self._call(
            "PUT",
            self._subscription_url(contract.SUBSCRIPTION_PATH, subscription_id),
            json_body=contract.subscription_body(url=url, api_key=api_key, status=status),
            route="subscription_update",
        )
        return self._parse(contract.parse_subscription, answer.payload)

    def subscription_delete(self, subscription_id: str) -> None:
        self._call(
            "DELETE",
            self._subscription_url(contract.SUBSCRIPTION_PATH, subscription_id),
            route="subscription_delete",
            accept=(200, 202, 204),
        )

    def subscription_audit(
        self, subscription_id: str, *, limit: int = contract.AUDIT_LIMIT_DEFAULT
    ) -> SubscriptionAudit:
        answer = self._call(
            "GET",
            self._subscription_url(contract.SUBSCRIPTION_AUDIT_PATH, subscription_id),
            params=contract.audit_query(limit),
            route="subscription_audit",
        )
        return self._parse(contract.parse_audit, answer.payload)

    def _subscription_url(self, template: str, subscription_id: str) -> str:
        if not contract.SUBSCRIPTION_ID_PATTERN.match(subscription_id):
            raise LeadsApiNotFound("subscription: not a subscription id")
        return self.credentials.base_url + template.format(
            subscription_id=quote(subscription_id, safe="")
        )

    def check_connection(self) -> None:
        """Fetch a fresh token: proves the URLs, the credentials and the audience work.

        It costs one of the token requests AVIV counts: for the admin's button, not a loop.
        """
        self.token.fetch_now()

    def token_ready(self) -> None:
        """The shared token, fetched now only if none is valid (a long read takes it first,
        within a deadline of its own, so that its rounds each have a whole one)."""
        self.token.get()

    # --- Token ---------------------------------------------------------------------------------

    def _request_token(self) -> Token:
        metrics = request_metrics.current()
        if metrics:
            metrics.record_token_request()
        body = contract.token_body(
            client_id=self.credentials.client_id,
            client_secret=self.credentials.client_secret,
            audience=self.credentials.audience,
            intermediary_id=self.credentials.intermediary_id,
        )
        started = time.perf_counter()
        try:
            response = self._session.post(
                self.credentials.token_url, json=body, timeout=self._timeouts_left("token")
            )
        except requests.RequestException as exc:
            raise LeadsApiUnavailable(f"seeker token endpoint: {type(exc).__name__}") from exc
        payload = _json(response)
        logger.info(
            "seeker_api token request",
            extra={
                "client_id": self.credentials.client_id,
                "status": response.status_code,
                "oauth_error": contract.parse_oauth_error(payload) or None,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        if response.status_code in (400, 401, 403):
            error = contract.parse_oauth_error(payload) or f"HTTP {response.status_code}"
            raise LeadsApiAuthError(
                f"seeker token refused: {error}", problem=Problem(status=response.status_code)
            )
        if response.status_code != 200:
            raise LeadsApiUnavailable(
                f"seeker token endpoint: HTTP {response.status_code}",
                problem=Problem(status=response.status_code),
            )
        try:
            return contract.parse_token(payload)
        except contract.ContractViolation as exc:
            raise LeadsApiMalformedResponse(f"seeker token response: {exc}") from exc

    # --- Transport -----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        *,
        route: str,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        idempotent: bool = True,
        accept: tuple[int, ...] = (200,),
    ) -> _Answer:
        token = self.token.get()
        token_renewed = False
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                with self.limit.slot():
                    ended = _window_read_ended.get()
                    if ended is not None and ended.is_set():
                        raise LeadsApiUnavailable(f"seeker {route}: the window's read has ended")
                    started = time.perf_counter()
                    response = self._session.request(
                        method,
                        url,
                        params=params,
                        json=json_body,
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=self._timeouts_left(route),
                    )
            except requests.Timeout as exc:
                self._record(route, started, status=None)
                # A read that stalled is tried again once at most, and only if it is safe.
                if (
                    idempotent
                    and attempt < min(self.max_retries, 1)
                    and deadlines.sleep_within(retries.backoff_seconds(attempt + 1))
                ):
                    attempt += 1
                    continue
                raise LeadsApiUnavailable(f"seeker {route}: timed out") from exc
            except requests.RequestException as exc:
                self._record(route, started, status=None)
                if (
                    idempotent
                    and attempt < self.max_retries
                    and deadlines.sleep_within(retries.backoff_seconds(attempt + 1))
                ):
                    attempt += 1
                    continue
                raise LeadsApiUnavailable(f"seeker {route}: {type(exc).__name__}") from exc
            status = response.status_code
            self._record(route, started, status=status)

            if status in accept:
                payload = _json(response) if status != contract.STATUS_EMPTY else None
                if payload is None and status not in (contract.STATUS_EMPTY, 202, 204):
                    raise LeadsApiMalformedResponse(f"seeker {route}: response is not JSON")
                return _Answer(status, payload)
            if not token_renewed and self._refused_token(response):
                token_renewed = True
                renewed = self.token.renew(token)
                if renewed is not None:
                    token = renewed
                    continue
            # A 429 was refused before any work: safe to resend even when the call is not.
            retry = status == 429 or (idempotent and status in RETRYABLE_STATUSES)
            if retry and attempt < self.max_retries:
                wait_for = retries.retry_after_seconds(response) if status in (429, 503) else None
                if wait_for is None or wait_for <= MAX_RETRY_AFTER_SECONDS:
                    pause = (
                        wait_for if wait_for is not None else retries.backoff_seconds(attempt + 1)
                    )
                    if deadlines.sleep_within(pause):
                        attempt += 1
                        continue
            raise self._error_for(response, route)

    @staticmethod
    def _refused_token(response: requests.Response) -> bool:
        """401, or a 403 that names the scope: a token taken before access was opened."""
        if response.status_code == 401:
            return True
        if response.status_code != 403:
            return False
        problem = contract.parse_problem(_json(response), 403)
        return "scope" in f"{problem.title} {problem.detail}".lower()

    def _timeouts_left(self, route: str) -> tuple[float, float]:
        """The connect and read timeouts, cut to what is left of the request's deadline."""
        left = deadlines.seconds_left()
        if left is None:
            return self.timeout
        if left < deadlines.MIN_CALL_SECONDS:
            raise LeadsApiUnavailable(f"seeker {route}: the request's upstream deadline has passed")
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _record(self, route: str, started: float, *, status: int | None) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        metrics = request_metrics.current()
        if metrics:
            metrics.record_call(duration_ms)
        logger.debug(
            "seeker_api call",
            extra={"route": route, "status": status, "duration_ms": round(duration_ms, 1)},
        )

    @staticmethod
    def _error_for(response: requests.Response, route: str) -> LeadsApiError:
        status = response.status_code
        body = _json(response)
        problem = contract.parse_problem(body, status)
        detail = f"seeker {route}: HTTP {status} {problem.title}".strip()
        # The traceparent is what AVIV's support asks for; it says nothing about a person.
        logger.warning(
            "seeker_api error",
            extra={"route": route, "status": status, "instance": contract.problem_instance(body)},
        )
        if status == 400:
            return LeadsApiValidationError(detail, problem=problem)
        if status in (401, 403):
            return LeadsApiAuthError(detail, problem=problem)
        if status == 404:
            return LeadsApiNotFound(detail, problem=problem)
        if status == 429:
            return LeadsApiRateLimited(
                detail, problem=problem, retry_after=retries.retry_after_seconds(response)
            )
        if status >= 500:
            return LeadsApiUnavailable(detail, problem=problem)
        return LeadsApiError(detail, problem=problem)

    @staticmethod
    def _parse[T](parser: Callable[..., T], payload: Any, *args: Any) -> T:
        try:
            return parser(payload, *args)
        except contract.ContractViolation as exc:
            raise LeadsApiMalformedResponse(f"seeker: {exc}") from exc

    def close(self) -> None:
        self._session.close()


@functools.lru_cache(maxsize=256)
def get_client(credentials: SeekerCredentials) -> SeekerLeadsClient:
    """The shared client of these credentials: one pooled session and one limit per agency
    per process."""
    return SeekerLeadsClient(credentials)
