"""HTTP client of the GSL Customer Leads API v2: OAuth 2.0 client credentials, retries, errors.

One `LeadsApiClient` per set of agency credentials, reused across requests (`get_client`), with
one pooled `requests.Session`. Tokens live in Django's cache, keyed by token URL and client id,
so with a shared cache (Redis) every worker on every host reuses the same token until shortly
before it expires. Everything about the wire format is in `contract.py`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import requests
import urllib3
from django.conf import settings
from django.core.cache import cache
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth2Session

from leadsportal.leads_api import contract
from leadsportal.leads_api.contract import (
    Lead,
    LeadFamily,
    LeadPage,
    PageRequest,
    Problem,
    SearchCriteria,
)
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

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES: Final = frozenset({429, 502, 503, 504})
# A token is renewed this long before it expires, so that no request carries a dying token.
TOKEN_RENEW_MARGIN_SECONDS: Final = 60
# How long a worker waits for another worker that is already fetching the same token.
TOKEN_WAIT_SECONDS: Final = 5.0
# After a failed token fetch, other requests fail at once for this long instead of queueing.
TOKEN_FAILURE_SECONDS: Final = 5
# A Retry-After longer than this is reported to the user rather than waited for in a request.
MAX_RETRY_AFTER_SECONDS: Final = 5.0
POOL_SIZE: Final = 16


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    client_id: str
    client_secret: str
    base_url: str
    token_url: str

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return f"ApiCredentials(client_id={self.client_id!r}, base_url={self.base_url!r})"


def default_token_url(base_url: str) -> str:
    """The token URL for an API base URL: the configured one, or the base URL's /oauth/token."""
    base_url = base_url.rstrip("/")
    if settings.LEADS_API_TOKEN_URL and base_url == settings.LEADS_API_BASE_URL.rstrip("/"):
        return str(settings.LEADS_API_TOKEN_URL)
    return base_url + contract.TOKEN_PATH


def credentials_for(client_id: str, client_secret: str, base_url: str = "") -> ApiCredentials:
    base = (base_url or settings.LEADS_API_BASE_URL).rstrip("/")
    return ApiCredentials(
        client_id=client_id,
        client_secret=client_secret,
        base_url=base,
        token_url=default_token_url(base),
    )


def _dropped_connection(exc: requests.RequestException) -> bool:
    """True when an open connection was closed under the request (no answer, no refusal).

    urllib3 reports it as a ProtocolError ("Connection aborted.": RemoteDisconnected or a
    reset); an unreachable host is a NewConnectionError or a timeout instead.
    """
    return isinstance(exc, requests.ConnectionError) and any(
        isinstance(arg, urllib3.exceptions.ProtocolError) for arg in exc.args
    )


class LeadsApiClient:
    """The API for one agency's credentials. Thread-safe; share it (see `get_client`)."""

    def __init__(
        self,
        credentials: ApiCredentials,
        *,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
    ) -> None:
        self.credentials = credentials
        self.timeout = (
            connect_timeout if connect_timeout is not None else settings.LEADS_API_CONNECT_TIMEOUT,
            read_timeout if read_timeout is not None else settings.LEADS_API_READ_TIMEOUT,
        )
        self.max_retries = (
            max_retries if max_retries is not None else settings.LEADS_API_MAX_RETRIES
        )
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"Accept": "application/json", "User-Agent": "leadsportal"})
        self._token_lock = threading.Lock()
        key_material = "|".join(
            (credentials.token_url, credentials.client_id, credentials.client_secret)
        )
        digest = hashlib.sha256(key_material.encode()).hexdigest()[:32]
        self._token_cache_key = f"leads_api:token:{digest}"
        self._token_fetch_lock_key = f"leads_api:token-fetch:{digest}"
        self._token_failure_key = f"leads_api:token-failure:{digest}"

    # --- Routes ------------------------------------------------------------------------------

    def search(self, family: LeadFamily, criteria: SearchCriteria, page: PageRequest) -> LeadPage:
        """One page of leads of a family (a search route of the contract), newest first."""
        payload = self._call(
            family.search_path, json_body=contract.search_body(criteria, page), route=family.value
        )
        return self._parse(contract.parse_lead_page, payload, page)

    def classified_leads(self, classified_id: int, page: PageRequest) -> LeadPage:
        """Every lead of one listing, newest first."""
        path = contract.CLASSIFIED_LEADS_PATH.format(classified_id=int(classified_id))
        payload = self._call(
            path, json_body=contract.classified_leads_body(page), route="classified_leads"
        )
        return self._parse(contract.parse_lead_page, payload, page)

    def get_lead(self, lead_id: str, *, retry_stalls: bool = True) -> Lead:
        """One lead. `retry_stalls=False` (a fan-out under a deadline): a read that times out
        is not tried again, the caller's deadline decides."""
        path = contract.LEAD_PATH.format(lead_id=quote(lead_id, safe=""))
        payload = self._call(path, method="GET", route="lead", retry_stalls=retry_stalls)
        return self._parse(contract.parse_lead, payload)

    def check_connection(self) -> None:
        """Fetch a fresh token: proves that the URL, the credentials and the scope work."""
        cache.delete_many([self._token_cache_key, self._token_failure_key])
        self._fetch_and_cache_token()

    # --- Tokens ------------------------------------------------------------------------------

    def _access_token(self) -> str:
        cached = cache.get(self._token_cache_key)
        if cached:
            return str(cached)
        with self._token_lock:
            cached = cache.get(self._token_cache_key)
            if cached:
                return str(cached)
            # Single flight across processes: one worker fetches, the others wait for its token.
            locked = cache.add(self._token_fetch_lock_key, 1, timeout=int(TOKEN_WAIT_SECONDS) * 3)
            if locked:
                # Another worker may have stored its token and released the lock since we looked.
                cached = cache.get(self._token_cache_key)
            else:
                left = deadlines.seconds_left()
                wait = TOKEN_WAIT_SECONDS if left is None else min(TOKEN_WAIT_SECONDS, left)
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    time.sleep(0.05)
                    cached = cache.get(self._token_cache_key)
                    if cached:
                        return str(cached)
            try:
                if cached:
                    return str(cached)
                self._raise_recent_token_failure()
                return self._fetch_and_cache_token()
            finally:
                if locked:  # a worker that gave up waiting must not release another's lock
                    cache.delete(self._token_fetch_lock_key)

    def _raise_recent_token_failure(self) -> None:
        """Fail at once while a token fetch failed moments ago.

        Without this, requests queued behind a failing token fetch (a stalled or refusing token
        endpoint) would each retry it in turn with a full timeout: the eighth would wait eight.
        """
        failure = cache.get(self._token_failure_key)
        if failure:
            kind = LeadsApiAuthError if failure == "auth" else LeadsApiUnavailable
            raise kind("token endpoint failed moments ago; not asking again yet")

    def _fetch_and_cache_token(self) -> str:
        try:
            return self._fetch_token_now()
        except LeadsApiError as exc:
            left = deadlines.seconds_left()
            # A fetch cut short by this request's own deadline says nothing to other requests.
            if left is None or left >= deadlines.MIN_CALL_SECONDS:
                kind = "auth" if isinstance(exc, LeadsApiAuthError) else "unavailable"
                cache.set(self._token_failure_key, kind, timeout=TOKEN_FAILURE_SECONDS)
            raise

    def _fetch_token_now(self) -> str:
        oauth = OAuth2Session(
            client=BackendApplicationClient(client_id=self.credentials.client_id),
            scope=[contract.SCOPE],
        )
        oauth.mount("http://", HTTPAdapter(max_retries=0))
        metrics = request_metrics.current()
        if metrics:
            metrics.record_token_request()
        started = time.perf_counter()
        try:
            token = oauth.fetch_token(
                token_url=self.credentials.token_url,
                client_id=self.credentials.client_id,
                client_secret=self.credentials.client_secret,
                timeout=self._timeouts_left("token"),
            )
        except OAuth2Error as exc:
            # invalid_client, invalid_scope, ...: the upstream refused these credentials.
            logger.warning(
                "leads_api token refused",
                extra={"client_id": self.credentials.client_id, "oauth_error": exc.error},
            )
            raise LeadsApiAuthError(
                f"token refused: {exc.error}", problem=Problem(status=exc.status_code or 401)
            ) from exc
        except requests.RequestException as exc:
            raise LeadsApiUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from exc
        except (ValueError, KeyError) as exc:
            raise LeadsApiMalformedResponse("token response is not a token") from exc
        finally:
            oauth.close()
        logger.info(
            "leads_api token fetched",
            extra={
                "client_id": self.credentials.client_id,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        try:
            parsed = contract.parse_token(token)
        except contract.ContractViolation as exc:
            raise LeadsApiMalformedResponse(f"token response: {exc}") from exc
        if contract.SCOPE not in parsed.scope.split() and parsed.scope:
            raise LeadsApiAuthError("token lacks the scope " + contract.SCOPE)
        # Renew a minute early, or a tenth of the lifetime early for short-lived tokens.
        margin = min(TOKEN_RENEW_MARGIN_SECONDS, max(1, parsed.expires_in // 10))
        lifetime = parsed.expires_in - margin
        if lifetime > 0:
            cache.set(self._token_cache_key, parsed.access_token, timeout=lifetime)
        return parsed.access_token

    # --- Transport ---------------------------------------------------------------------------

    def _call(
        self,
        path: str,
        *,
        route: str,
        method: str = "POST",
        json_body: dict[str, Any] | None = None,
        retry_stalls: bool = True,
    ) -> Any:
        url = self.credentials.base_url.rstrip("/") + path
        token_refreshed = False
        attempt = 0
        while True:
            token = self._access_token()
            started = time.perf_counter()
            try:
                response = self._session.request(
                    method,
                    url,
                    json=json_body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self._timeouts_left(route),
                )
            except requests.Timeout as exc:
                self._record(route, started, status=None)
                # Searches are read-only, so retrying is safe; a stall is retried once at most.
                if (
                    retry_stalls
                    and attempt < min(self.max_retries, 1)
                    and deadlines.sleep_within(retries.backoff_seconds(attempt + 1))
                ):
                    attempt += 1
                    continue
                raise LeadsApiUnavailable(f"{route}: timed out") from exc
            except requests.RequestException as exc:
                self._record(route, started, status=None)
                # A pooled connection that the upstream closed as we reused it (its keep-alive
                # ran out) says nothing about the upstream's health: retry at once on a new
                # connection instead of sleeping 0.2-0.6 s.
                pause = (
                    0.0
                    if attempt == 0 and _dropped_connection(exc)
                    else retries.backoff_seconds(attempt + 1)
                )
                if attempt < self.max_retries and deadlines.sleep_within(pause):
                    attempt += 1
                    continue
                raise LeadsApiUnavailable(f"{route}: {type(exc).__name__}") from exc
            self._record(route, started, status=response.status_code)

            if response.status_code == 401 and not token_refreshed:
                # The cached token was revoked or expired early: renew it once, then retry.
                cache.delete(self._token_cache_key)
                token_refreshed = True
                continue
            if response.status_code in RETRYABLE_STATUSES and attempt < self.max_retries:
                wait = (
                    retries.retry_after_seconds(response) if response.status_code == 429 else None
                )
                if wait is None or wait <= MAX_RETRY_AFTER_SECONDS:
                    pause = wait if wait is not None else retries.backoff_seconds(attempt + 1)
                    if deadlines.sleep_within(pause):
                        attempt += 1
                        continue
            if response.status_code >= 400:
                raise self._error_for(response, route)
            try:
                return response.json()
            except ValueError as exc:
                raise LeadsApiMalformedResponse(f"{route}: response is not JSON") from exc

    def _timeouts_left(self, route: str) -> tuple[float, float]:
        """The connect and read timeouts, cut to what is left of the request's deadline."""
        left = deadlines.seconds_left()
        if left is None:
            return self.timeout
        if left < deadlines.MIN_CALL_SECONDS:
            raise LeadsApiUnavailable(f"{route}: the request's upstream deadline has passed")
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _record(self, route: str, started: float, *, status: int | None) -> None:
        duration_ms = (time.perf_counter() - started) * 1000
        metrics = request_metrics.current()
        if metrics:
            metrics.record_call(duration_ms)
        logger.debug(
            "leads_api call",
            extra={"route": route, "status": status, "duration_ms": round(duration_ms, 1)},
        )

    @staticmethod
    def _error_for(response: requests.Response, route: str) -> LeadsApiError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        problem = contract.parse_problem(body, status)
        detail = f"{route}: HTTP {status} {problem.title}".strip()
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
            raise LeadsApiMalformedResponse(str(exc)) from exc

    def close(self) -> None:
        self._session.close()


@functools.lru_cache(maxsize=256)
def get_client(credentials: ApiCredentials) -> LeadsApiClient:
    """The shared client of these credentials: one pooled session per agency per process."""
    return LeadsApiClient(credentials)
