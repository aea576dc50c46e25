"""Every page of a lead list, in order, fetched ahead with bounded concurrency and a rate limit.

- Pages of `PAGE_SIZE_MAX` (100) leads, the contract's maximum: the fewest calls.
- `settings.LEADS_EXPORT_CONCURRENCY` requests in flight (default 3: why, with the measurements,
  in docs/BENCHMARKS.md, "Export"), results handed over in page order; at most twice that many
  pages are queued or waiting in memory besides the one being written.
- Request starts are spaced so that one agency's credentials stay under the contract's rate
  limit across every export of this process: a shared limiter per agency, at 95 % of the limit
  to leave room for jitter. A 429 that still happens (another process, the dashboard itself) is
  retried by the client, honouring Retry-After.
- The request's metrics (upstream calls, for the request log) follow the work into the threads
  through a copy of the view's `contextvars` context.
- Each page has a deadline of its own (`LEADS_API_PAGE_DEADLINE`, whatever its retries and
  fetches by id): a stalling upstream ends the export as incomplete, it never hangs.

If leads arrive while an export runs, the API's newest-first pages shift: a lead already
written may show up again at the top of the next page (skipped by lead id in streaming.py), and
the Count grows (the extra pages are fetched too), so no lead is left out.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Final

from django.conf import settings

from leadsportal.agencies.upstream import leads_get_by_ids
from leadsportal.leads_api import PAGE_SIZE_MAX, LeadPage, PageRequest
from leadsportal.leads_api.contract import RATE_LIMIT_PER_SECOND
from leadsportal.lib import deadlines

if TYPE_CHECKING:
    from leadsportal.agencies.models import Agency

RATE_SHARE: Final = 0.95

FetchPage = Callable[[PageRequest], LeadPage]


class Abandoned(Exception):
    """A page not fetched because its export had already ended."""


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (no bursts): a sliding one-second
    window on the server side can never see more than `rate` of them."""

    def __init__(self, rate_per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)


_limiters: dict[tuple[str, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(agency: Agency) -> RateLimiter:
    """The process-wide limiter of one agency's API client."""
    key = (agency.effective_base_url(), agency.client_id)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(RATE_LIMIT_PER_SECOND * RATE_SHARE)
        return limiter


def concurrency() -> int:
    return int(settings.LEADS_EXPORT_CONCURRENCY)


def page_request(index: int) -> PageRequest:
    return PageRequest(index=index, size=PAGE_SIZE_MAX)


def page_count(page: LeadPage) -> int:
    return max(1, -(-page.count // PAGE_SIZE_MAX))


class PageFetcher:
    """Fetch page 1 now (`first()`, so that a failure can still become an error page), then
    iterate over every page, in order (`pages()`), fetching ahead in a thread pool."""

    def __init__(
        self,
        fetch: FetchPage,
        *,
        limiter: RateLimiter,
        workers: int | None = None,
        context: contextvars.Context | None = None,
    ) -> None:
        self._fetch = fetch
        self._limiter = limiter
        self._workers = workers or concurrency()
        # Captured in the view, while the request's metrics are set; each task runs in a copy.
        self._context = context or contextvars.copy_context()
        self._first: LeadPage | None = None
        self._abandoned = threading.Event()

    def _fetch_one(self, index: int) -> LeadPage:
        self._limiter.wait()
        if self._abandoned.is_set():
            # The export ended while this task waited for its turn: no request for nobody.
            raise Abandoned(index)
        # Each page has the whole deadline of a page: the file as a whole may take minutes, but
        # a stalling upstream ends it (as incomplete) within one deadline, never hangs it.
        with deadlines.deadline_scope(settings.LEADS_API_PAGE_DEADLINE, replace=True):
            return self._fetch(page_request(index))

    def _run_in_context(self, index: int) -> LeadPage:
        return self._context.copy().run(self._fetch_one, index)

    def first(self) -> LeadPage:
        if self._first is None:
            self._first = self._run_in_context(1)
        return self._first

    def pages(self) -> Iterator[LeadPage]:
        """Page 1, then the others as they arrive, in order. Raises the first LeadsApiError of a
        page at that page's turn; pending requests are then abandoned."""
        first = self.first()
        yield first
        last_index = page_count(first)
        if last_index == 1:
            return
        pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="lead-export")
        pending: deque[Future[LeadPage]] = deque()
        next_index = 2
        try:
            while True:
                # Twice as many pages queued as threads: a thread that finishes finds its next
                # page waiting, so `workers` requests stay in flight while pages are written.
                while next_index <= last_index and len(pending) < 2 * self._workers:
                    pending.append(pool.submit(self._run_in_context, next_index))
                    next_index += 1
                if not pending:
                    return
                page = pending.popleft().result()
                # Leads added meanwhile make the list longer: fetch the extra pages too.
                last_index = max(last_index, page_count(page))
                yield page
        finally:
            # Requests already on the wire finish on their own (bounded by the client's
            # timeouts); queued ones are cancelled, and those waiting for the limiter give up.
            self._abandoned.set()
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)


def local_pages_fetcher(*, agency: Agency, lead_ids: list[str]) -> FetchPage:
    """Pages of leads chosen locally (a follow-up status or assignee filter), fetched by id.

    Leads the API no longer has (erased or expired upstream) are left out, as in the list.
    """

    def fetch(page: PageRequest) -> LeadPage:
        chunk = lead_ids[(page.index - 1) * page.size : page.index * page.size]
        fetched = leads_get_by_ids(agency=agency, lead_ids=chunk)
        leads = tuple(lead for lead_id in chunk if (lead := fetched.get(lead_id)) is not None)
        return LeadPage(leads=leads, count=len(lead_ids), page=page)

    return fetch
