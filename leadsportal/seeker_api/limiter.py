"""Seeker Leads' concurrency limit, kept on our side: at most 10 requests every 200 ms.

Every request of a client takes a slot before it leaves and gives it back when its answer is
in: no more than `limit` are in flight, and no more than `limit` start within any `window`.
The window is widened by a margin, because the API counts arrivals and a request that left
late in one window may arrive early in the next.

The limit is per process: workers on several hosts can still meet a 429 together, which the
client's retries (with the API's Retry-After) absorb; keeping them apart costs no extra call.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from leadsportal.leads_api.errors import LeadsApiUnavailable
from leadsportal.lib import deadlines

# Arrivals spread over the network by a few tens of milliseconds at most.
WINDOW_MARGIN: Final = 1.25
POLL_SECONDS: Final = 0.05


class ConcurrencyLimit:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds * WINDOW_MARGIN
        self._starts: deque[float] = deque()
        self._in_flight = 0
        self._changed = threading.Condition()

    def _wait_needed(self, now: float) -> float | None:
        """0 when a request may start now, the seconds until one may, or None (wait for an
        answer to come back)."""
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()
        if self._in_flight >= self.limit:
            return None
        if len(self._starts) >= self.limit:
            return self._starts[0] + self.window - now
        return 0.0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for one request; waits within the current deadline, if any."""
        with self._changed:
            while True:
                now = time.monotonic()
                wait = self._wait_needed(now)
                if wait == 0.0:
                    break
                left = deadlines.seconds_left()
                if left is not None and left < deadlines.MIN_CALL_SECONDS:
                    raise LeadsApiUnavailable("seeker: the deadline passed waiting for a slot")
                # An answer coming back notifies; a window sliding on does not.
                timeout = POLL_SECONDS if wait is None else wait
                self._changed.wait(timeout if left is None else min(timeout, left))
            self._starts.append(now)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()
