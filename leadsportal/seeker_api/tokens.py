"""The 24-hour token of one set of Seeker Leads credentials, shared by every worker.

AVIV requires a token to be reused for its whole lifetime and checks it during the sandbox
review, before it opens production access. So the token lives in Django's cache (Redis in
production: every web worker, every background worker, every host), stored with the moment
it expires, and one worker fetches it while the others wait for it (`cache.add` is the lock
across processes; a thread lock keeps one process's threads from queueing on the cache).

The entry keeps its own expiry and fetch time, read against `clock` (time.time, which tests
move), rather than relying only on the cache's timeout: a test can then show that a token is
not fetched again at 23 h 59 min and is at 24 h without waiting a day, and a worker can tell
a token it just fetched from an old one when the API refuses it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from django.core.cache import cache

from leadsportal.leads_api.errors import LeadsApiAuthError, LeadsApiError, LeadsApiUnavailable
from leadsportal.lib import deadlines
from leadsportal.seeker_api.contract import Token

#: The time tokens are judged by (seconds since the epoch). Tests move it.
clock: Callable[[], float] = time.time

# Renewed this long before it expires, so that no request carries a dying token.
RENEW_MARGIN_SECONDS: Final = 300
# A refused token younger than this is a configuration problem, not a token to ask again for
# (AVIV counts token requests; the public client waits 10 minutes too).
MIN_AGE_TO_RENEW_SECONDS: Final = 600
# How long a worker waits for another that is already fetching the token.
WAIT_SECONDS: Final = 5.0
POLL_SECONDS: Final = 0.05
# After a failed fetch, others fail at once for this long instead of asking again in turn.
FAILURE_SECONDS: Final = {"auth": 60, "unavailable": 5}


@dataclass(frozen=True, slots=True)
class CachedToken:
    access_token: str
    expires_at: float
    fetched_at: float

    def __repr__(self) -> str:
        return f"CachedToken(expires_at={self.expires_at}, fetched_at={self.fetched_at})"

    @property
    def usable(self) -> bool:
        return self.expires_at - RENEW_MARGIN_SECONDS > clock()

    def to_cache(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "fetched_at": self.fetched_at,
        }

    @classmethod
    def from_cache(cls, value: Any) -> CachedToken | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                access_token=str(value["access_token"]),
                expires_at=float(value["expires_at"]),
                fetched_at=float(value["fetched_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class SharedToken:
    """The token of one set of credentials. `fetch` asks the identity provider for a new one."""

    def __init__(self, key_material: str, fetch: Callable[[], Token]) -> None:
        digest = hashlib.sha256(key_material.encode()).hexdigest()[:32]
        self.cache_key = f"seeker_api:token:{digest}"
        self.lock_key = f"seeker_api:token-fetch:{digest}"
        self.failure_key = f"seeker_api:token-failure:{digest}"
        self._fetch = fetch
        self._lock = threading.Lock()

    def cached(self) -> CachedToken | None:
        entry = CachedToken.from_cache(cache.get(self.cache_key))
        return entry if entry is not None and entry.usable else None

    def get(self) -> str:
        """A usable token: the cached one, or one fetched by this worker or another."""
        entry = self.cached()
        if entry is not None:
            return entry.access_token
        return self._fetch_once(stale=None)

    def renew(self, refused: str) -> str | None:
        """After the API refused `refused` (401, or 403 for a scope the token predates): a
        newer token, or None when there is no point in asking (the refused token is fresh)."""
        entry = CachedToken.from_cache(cache.get(self.cache_key))
        if entry is not None and entry.access_token != refused and entry.usable:
            return entry.access_token  # another worker renewed it already
        if entry is not None and clock() - entry.fetched_at < MIN_AGE_TO_RENEW_SECONDS:
            return None
        return self._fetch_once(stale=refused)

    def forget(self) -> None:
        cache.delete_many([self.cache_key, self.failure_key])

    def fetch_now(self) -> str:
        """A fresh token, whatever the cache holds (the admin's connection check)."""
        self.forget()
        return self._fetch_and_store()

    # --- Single flight ------------------------------------------------------------------------

    def _fresh_entry(self, stale: str | None) -> CachedToken | None:
        entry = CachedToken.from_cache(cache.get(self.cache_key))
        if entry is None or not entry.usable or entry.access_token == stale:
            return None
        return entry

    def _fetch_once(self, *, stale: str | None) -> str:
        with self._lock:
            entry = self._fresh_entry(stale)
            if entry is not None:
                return entry.access_token
            locked = cache.add(self.lock_key, 1, timeout=int(WAIT_SECONDS) * 3)
            try:
                if not locked:
                    waited = self._wait_for_other_worker(stale)
                    if waited is not None:
                        return waited
                else:
                    # Another worker may have stored its token and let go since we looked.
                    entry = self._fresh_entry(stale)
                    if entry is not None:
                        return entry.access_token
                self._raise_recent_failure()
                return self._fetch_and_store()
            finally:
                if locked:  # one that gave up waiting must not release another's lock
                    cache.delete(self.lock_key)

    def _wait_for_other_worker(self, stale: str | None) -> str | None:
        left = deadlines.seconds_left()
        wait = WAIT_SECONDS if left is None else min(WAIT_SECONDS, left)
        until = time.monotonic() + wait
        while time.monotonic() < until:
            time.sleep(POLL_SECONDS)
            entry = self._fresh_entry(stale)
            if entry is not None:
                return entry.access_token
            if cache.get(self.lock_key) is None:
                break  # the other worker finished without a token: its failure says why
        return None

    def _raise_recent_failure(self) -> None:
        failure = cache.get(self.failure_key)
        if failure == "auth":
            raise LeadsApiAuthError("seeker token refused moments ago; not asking again yet")
        if failure:
            raise LeadsApiUnavailable("seeker token endpoint failed moments ago; not asking again")

    def _fetch_and_store(self) -> str:
        try:
            token = self._fetch()
        except LeadsApiError as exc:
            left = deadlines.seconds_left()
            # A fetch cut short by this request's own deadline says nothing to other requests.
            if left is None or left >= deadlines.MIN_CALL_SECONDS:
                kind = "auth" if isinstance(exc, LeadsApiAuthError) else "unavailable"
                cache.set(self.failure_key, kind, timeout=FAILURE_SECONDS[kind])
            raise
        now = clock()
        entry = CachedToken(token.access_token, expires_at=now + token.expires_in, fetched_at=now)
        # The cache's own timeout is wall-clock: the entry goes when the token does.
        cache.set(self.cache_key, entry.to_cache(), timeout=token.expires_in)
        cache.delete(self.failure_key)
        return entry.access_token
