"""Seeker Leads' concurrency limit, kept on our side: at most 10 requests every 200 ms.

The API counts a request when it arrives, which we cannot see: it arrives somewhere between
the moment it leaves and the moment its answer is in, later still when the machine or the
network is busy. So a request holds its slot from the moment it leaves until `window` after its
answer is in. Then any `limit` + 1 arrivals within a window would need one of them to leave
while the `limit` others were in flight or answered within the window: that never happens, so
the API sees at most `limit` of ours in any window, however late each arrives. It costs each
slot the request's own latency (10 per 300 ms at 100 ms a call, rather than 10 per 200 ms).

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

# The API's clock and ours may not measure 200 ms quite alike.
CLOCK_MARGIN: Final = 1.05


class ConcurrencyLimit:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds * CLOCK_MARGIN
        self._answered: deque[float] = deque()  # when each answer of the last window came in
        self._in_flight = 0
        self._changed = threading.Condition()

    def _wait_needed(self, now: float) -> float | None:
        """0 when a request may leave now, the seconds until one may, or None (wait for an
        answer to come back)."""
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.limit:
            return 0.0
        if self._answered:
            return self._answered[0] + self.window - now
        return None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot for one request; waits within the current deadline, if any."""
        with self._changed:
            while True:
                wait = self._wait_needed(time.monotonic())
                if wait == 0.0:
                    break
                left = deadlines.seconds_left()
                if left is not None and left < deadlines.MIN_CALL_SECONDS:
                    raise LeadsApiUnavailable("seeker: the deadline passed waiting for a slot")
                if wait is None:
                    self._changed.wait(left)  # every answer coming back notifies
                else:
                    self._changed.wait(wait if left is None else min(wait, left))
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._answered.append(time.monotonic())
                self._changed.notify_all()
