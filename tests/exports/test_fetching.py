"""The page fetcher: every page once, in order, with bounded concurrency and spaced starts."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from leadsportal.exports.fetching import PageFetcher, RateLimiter
from leadsportal.leads_api import LeadPage, LeadsApiUnavailable, PageRequest


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_rate_limiter_spaces_request_starts(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr("leadsportal.exports.fetching.time.sleep", clock.sleep)
    limiter = RateLimiter(47.5, clock=clock)
    starts = []
    for _ in range(100):
        limiter.wait()
        starts.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(1 / 47.5)
    # In any one-second window, fewer starts than the contract's 50.
    assert max(sum(1 for s in starts if t <= s < t + 1) for t in starts) <= 48


class Upstream:
    """A stand-in for one client's searches: records concurrency, fails on demand."""

    def __init__(self, count: int, fail_on: int | None = None) -> None:
        self.count = count
        self.fail_on = fail_on
        self.calls: list[int] = []
        self.sizes: set[int] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, page: PageRequest) -> LeadPage:
        with self._lock:
            self.calls.append(page.index)
            self.sizes.add(page.size)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(0.002 * (page.index % 3))  # pages come back out of order
            if page.index == self.fail_on:
                raise LeadsApiUnavailable("page failed")
            return LeadPage(leads=(), count=self.count, page=page)
        finally:
            with self._lock:
                self.in_flight -= 1


def no_limit() -> RateLimiter:
    return RateLimiter(1_000_000)


def test_it_yields_every_page_once_in_order_with_bounded_concurrency():
    upstream = Upstream(count=2_345)
    fetcher = PageFetcher(upstream, limiter=no_limit(), workers=3)
    pages = [page.page.index for page in fetcher.pages()]
    assert pages == list(range(1, 25))
    assert sorted(upstream.calls) == list(range(1, 25))
    assert upstream.sizes == {100}  # the contract's largest page
    assert 1 <= upstream.max_in_flight <= 3


def test_a_failed_page_raises_at_its_turn_and_stops_the_rest():
    upstream = Upstream(count=5_000, fail_on=4)
    fetcher = PageFetcher(upstream, limiter=no_limit(), workers=3)
    seen = []
    with pytest.raises(LeadsApiUnavailable):
        for page in fetcher.pages():
            seen.append(page.page.index)
    assert seen == [1, 2, 3]
    assert max(upstream.calls) <= 4 + 2 * 3  # no more than the window ahead was asked for


def test_a_growing_count_fetches_the_extra_pages():
    counts = iter([250] + [420] * 10)

    def upstream(page: PageRequest) -> LeadPage:
        return LeadPage(leads=(), count=next(counts), page=page)

    pages = [page.page.index for page in PageFetcher(upstream, limiter=no_limit()).pages()]
    assert pages == [1, 2, 3, 4, 5]


def test_page_one_is_fetched_once_even_when_asked_twice():
    upstream = Upstream(count=50)
    fetcher = PageFetcher(upstream, limiter=no_limit())
    fetcher.first()
    assert [page.page.index for page in fetcher.pages()] == [1]
    assert upstream.calls == [1]


class GateLimiter:
    """Lets `free` requests start, then holds the others until the test opens the gate."""

    def __init__(self, free: int) -> None:
        self.free = free
        self.gate = threading.Event()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self.free > 0:
                self.free -= 1
                return
        self.gate.wait(timeout=10)


def test_pages_waiting_for_the_limiter_are_not_fetched_once_the_export_ends():
    upstream = Upstream(count=5_000, fail_on=2)
    limiter = GateLimiter(free=2)  # pages 1 and 2 start; the tasks behind page 2 wait
    fetcher = PageFetcher(upstream, limiter=limiter, workers=3)  # type: ignore[arg-type]
    with pytest.raises(LeadsApiUnavailable):
        for _page in fetcher.pages():
            pass
    assert upstream.calls == [1, 2]
    # Now the waiting tasks reach their turn; once every export thread is done, none of them
    # has called the upstream.
    limiter.gate.set()
    for thread in threading.enumerate():
        if thread.name.startswith("lead-export"):
            thread.join(timeout=10)
    assert upstream.calls == [1, 2]
