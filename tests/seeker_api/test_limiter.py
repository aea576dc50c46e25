"""The Seeker client's side of the API's limit (leadsportal/seeker_api/limiter.py): the API
never sees more than 10 of our requests in any 200 ms, however late each one reaches it."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from leadsportal.leads_api import LeadsApiUnavailable
from leadsportal.lib import deadlines
from leadsportal.seeker_api.contract import CONCURRENCY_LIMIT, CONCURRENCY_WINDOW_SECONDS
from leadsportal.seeker_api.limiter import ConcurrencyLimit


def most_within_a_window(arrivals: list[float], window: float) -> int:
    arrivals = sorted(arrivals)
    most, first = 0, 0
    for last, arrival in enumerate(arrivals):
        while arrivals[first] <= arrival - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_requests_arriving_late_never_exceed_the_apis_limit() -> None:
    limit = ConcurrencyLimit(CONCURRENCY_LIMIT, CONCURRENCY_WINDOW_SECONDS)
    # Each request reaches the API at some moment between leaving and its answer coming in.
    # The worst case on a busy machine: ten reach it late, just before their answers, and the
    # next ten at once; then some more at random.
    rng = random.Random(16)
    late, prompt = (0.18, 0.01), (0.0, 0.01)
    delays = [late] * 10 + [prompt] * 10 + [late] * 10 + [prompt] * 10
    delays += [(rng.uniform(0, 0.12), rng.uniform(0, 0.03)) for _ in range(20)]
    arrivals: list[float] = []
    lock = threading.Lock()

    def request(before_arrival: float, after_arrival: float) -> None:
        with limit.slot():
            time.sleep(before_arrival)
            with lock:
                arrivals.append(time.monotonic())
            time.sleep(after_arrival)

    with ThreadPoolExecutor(max_workers=CONCURRENCY_LIMIT) as pool:
        list(pool.map(lambda pair: request(*pair), delays))

    assert len(arrivals) == len(delays)
    assert most_within_a_window(arrivals, CONCURRENCY_WINDOW_SECONDS) <= CONCURRENCY_LIMIT
    # The limit is used, not merely respected: requests did overlap.
    assert most_within_a_window(arrivals, CONCURRENCY_WINDOW_SECONDS) > 1


def test_waiting_for_a_slot_ends_with_the_deadline() -> None:
    limit = ConcurrencyLimit(1, 10.0)  # one request every ten seconds
    with limit.slot():
        pass

    with deadlines.deadline_scope(0.3), pytest.raises(LeadsApiUnavailable), limit.slot():
        pass  # pragma: no cover - never reached
