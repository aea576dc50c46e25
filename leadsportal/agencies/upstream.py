"""The one way to reach an agency's leads upstream: its client, searches, leads by id, their cache.

Every module that needs the agency's leads calls these functions with the agency; none of them
builds a client or handles credentials. The upstream's contract (paths, JSON, limits) stays in
`leadsportal.leads_api`: this module only knows the dashboard's lead model (`Lead`, `LeadPage`,
`SearchCriteria`), which is the seam a second upstream plugs into.

Leads by id (the follow-up filters, the "same contact" page, the exports of those filters) are
fetched through one bounded fan-out: at most `FETCHES_PER_CALL` requests in flight for one call
and `FETCHES_PER_AGENCY` for one agency across the process, whatever the number of pages and
exports asking at once (the API allows 10 concurrent requests per client), waiting no longer
than what is left of the request's deadline (`lib.deadlines`: `LEADS_API_PAGE_DEADLINE` for a
whole page, each export page its own), the first failure ending the wait. Each fetched lead stays in Django's cache for
`LEAD_CACHE_SECONDS`, keyed by agency and lead id, as soon as it arrives (a fetch that finishes
after another failed is kept too), so that paging back and forth, or acting on a lead right
after opening it, costs no new call.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Final

from django.core.cache import cache

from leadsportal.leads_api import (
    PAGE_SIZE_MAX,
    Lead,
    LeadFamily,
    LeadPage,
    LeadsApiClient,
    LeadsApiError,
    LeadsApiNotFound,
    LeadsApiUnavailable,
    PageRequest,
    SearchCriteria,
    get_client,
)
from leadsportal.lib import deadlines

if TYPE_CHECKING:
    from leadsportal.agencies.models import Agency

# 5: a page of 20 leads in 4 rounds (the search answers within 0.6 s at 100 ms upstream
# latency, docs/BENCHMARKS.md "Search"), while two pages at once stay within FETCHES_PER_AGENCY.
FETCHES_PER_CALL: Final = 5
FETCHES_PER_AGENCY: Final = 8
LEAD_CACHE_SECONDS: Final = 60
# Cached for an unknown (or another agency's) id, so that a forged id costs one call a minute.
_GONE: Final = "gone"


def _client(agency: Agency) -> LeadsApiClient:
    # Raises LeadsApiCredentialsUnreadable (an API error) when the secret cannot be decrypted.
    return get_client(agency.api_credentials())


def agency_connection_check(*, agency: Agency) -> None:
    """Ask for a fresh token: proves the URL, the credentials and the scope (the admin's test)."""
    _client(agency).check_connection()


def leads_search(
    *, agency: Agency, family: LeadFamily, criteria: SearchCriteria, page: PageRequest
) -> LeadPage:
    """One page of the agency's leads of a family, newest first."""
    return _client(agency).search(family, criteria, page)


def leads_search_pages(
    *,
    agency: Agency,
    family: LeadFamily,
    criteria: SearchCriteria,
    max_pages: int | None = None,
) -> Iterator[LeadPage]:
    """The pages of a search, 100 leads each, newest first, up to the last one or `max_pages`
    (a page is asked for only when the caller wants it)."""
    index = 1
    while max_pages is None or index <= max_pages:
        page = leads_search(
            agency=agency,
            family=family,
            criteria=criteria,
            page=PageRequest(index=index, size=PAGE_SIZE_MAX),
        )
        yield page
        if is_last_page(page):
            return
        index += 1


def is_last_page(page: LeadPage) -> bool:
    """Nothing after this page of a search."""
    return not page.leads or page.page.index >= page.page_count


def listing_leads(*, agency: Agency, classified_id: int, page: PageRequest) -> LeadPage:
    """One page of the leads of one of the agency's listings, newest first."""
    return _client(agency).classified_leads(classified_id, page)


def _cache_key(agency: Agency, lead_id: str) -> str:
    # The client id is part of the key: new credentials for the agency start a fresh cache.
    client = hashlib.sha256(agency.client_id.encode()).hexdigest()[:12]
    return f"upstream:lead:{agency.pk}:{client}:{lead_id}"


def leads_get_by_ids(*, agency: Agency, lead_ids: Iterable[str]) -> dict[str, Lead | None]:
    """Each lead by id, in the order given (None: unknown to the API for this agency, e.g.
    expired, erased upstream or forged).

    Waits for them as long as the current deadline allows (outside any, as long as the
    client's own timeouts do). Raises LeadsApiError when the API cannot answer, or
    LeadsApiUnavailable when the deadline passes first; the leads fetched meanwhile stay cached.
    """
    ids = list(dict.fromkeys(lead_ids))
    if not ids:
        return {}
    keys = {lead_id: _cache_key(agency, lead_id) for lead_id in ids}
    cached = cache.get_many(list(keys.values()))
    found: dict[str, Lead | None] = {}
    missing: list[str] = []
    for lead_id in ids:
        value = cached.get(keys[lead_id])
        if isinstance(value, Lead):
            found[lead_id] = value
        elif value == _GONE:
            found[lead_id] = None
        else:
            missing.append(lead_id)
    if missing:
        fetcher = _Fetcher(_client(agency), agency)
        fetched, error = _fetch_concurrently(fetcher, missing, deadlines.seconds_left())
        if error is not None:
            raise error
        found.update(fetched)
    return {lead_id: found[lead_id] for lead_id in ids}


_agency_slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_agency_slots_lock = threading.Lock()


def _slots_for(agency: Agency) -> threading.BoundedSemaphore:
    key = (agency.effective_base_url(), agency.client_id)
    with _agency_slots_lock:
        slots = _agency_slots.get(key)
        if slots is None:
            slots = _agency_slots[key] = threading.BoundedSemaphore(FETCHES_PER_AGENCY)
        return slots


class _Fetcher:
    """Fetches one lead under the agency's process-wide limit and caches it at once."""

    def __init__(self, client: LeadsApiClient, agency: Agency) -> None:
        self.client = client
        self.agency = agency
        self.slots = _slots_for(agency)

    def __call__(self, lead_id: str) -> Lead | None:
        with self.slots:
            try:
                # A stall is not tried again here: the page's deadline bounds the fan-out.
                lead: Lead | None = self.client.get_lead(lead_id, retry_stalls=False)
            except LeadsApiNotFound:
                lead = None
        cache.set(
            _cache_key(self.agency, lead_id),
            lead if lead is not None else _GONE,
            timeout=LEAD_CACHE_SECONDS,
        )
        return lead


def _fetch_concurrently(
    fetch: _Fetcher, lead_ids: list[str], seconds_left: float | None
) -> tuple[dict[str, Lead | None], LeadsApiError | None]:
    """The leads fetched, and the first error (or the deadline) that ended the fan-out."""
    if len(lead_ids) == 1:
        try:
            return {lead_ids[0]: fetch(lead_ids[0])}, None
        except LeadsApiError as exc:
            return {}, exc
    pool = ThreadPoolExecutor(
        max_workers=min(FETCHES_PER_CALL, len(lead_ids)), thread_name_prefix="lead-by-id"
    )
    try:
        # Each task runs in a copy of the caller's context: its calls count in the request log.
        futures: dict[Future[Lead | None], str] = {
            pool.submit(contextvars.copy_context().run, fetch, lead_id): lead_id
            for lead_id in lead_ids
        }
        timeout = None if seconds_left is None else max(0.0, seconds_left)
        done, not_done = wait(futures, timeout=timeout, return_when=FIRST_EXCEPTION)
    finally:
        # Queued fetches are dropped; one already on the wire ends with the deadline at the
        # latest (its timeouts are cut to it), and still caches its lead.
        pool.shutdown(wait=False, cancel_futures=True)
    fetched: dict[str, Lead | None] = {}
    error: LeadsApiError | None = None
    for future in done:
        failure = future.exception()
        if failure is None:
            fetched[futures[future]] = future.result()
        elif isinstance(failure, LeadsApiError):
            error = error or failure
        else:
            raise failure
    if error is None and not_done:
        error = LeadsApiUnavailable(
            f"lead by id: {len(not_done)} not fetched within the deadline ({timeout:.1f} s left)"
        )
    return fetched, error


def lead_get(*, agency: Agency, lead_id: str) -> Lead | None:
    """One lead of the agency (cached), or None when the API does not know it for this agency."""
    return leads_get_by_ids(agency=agency, lead_ids=[lead_id])[lead_id]
