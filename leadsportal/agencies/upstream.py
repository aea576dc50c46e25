"""The one way to reach an agency's leads upstream: its client, searches, leads by id, their cache.

Every module that needs the agency's leads calls these functions with the agency; none of them
builds a client or handles credentials. The upstreams' contracts (paths, JSON, limits) stay in
`leadsportal.leads_api` (GSL Customer Leads v2) and `leadsportal.seeker_api` (AVIV Seeker Leads
v1): this module only knows the dashboard's lead model (`Lead`, `LeadPage`, `SearchCriteria`),
and each function dispatches on the agency's upstream (`Agency.upstream`).

GSL v2 is a query API: searches, pages and counts are the API's. Seeker Leads v1 is a feed: a
list is built from the whole window of its criteria, read as aligned slices cached each on its
own (`seeker_windows`: closed days never gain a lead, so only today's slice is read again), and
the family, portal and listing filters and the page are applied to that set here, so that a
page has an exact total and a tab, a filter or the next page costs no call. The watcher moves
the agency's generation when it sees a new lead (`agency_leads_changed`), so that the next list
reads today's slice again; the watcher itself reads the feed uncached (`arrivals_read`). A lead
by id is looked up in the cached slices of the last `MAX_WINDOW_DAYS` days, then asked for by id
(many ids read the whole window first).

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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from leadsportal import seeker_api
from leadsportal.agencies import seeker_windows
from leadsportal.leads_api import (
    MAX_WINDOW_DAYS,
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
from leadsportal.leads_api.contract import GSL_FAMILIES
from leadsportal.lib import deadlines
from leadsportal.lib.generations import generation_bump, generation_get

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


def _seeker(agency: Agency) -> seeker_api.SeekerLeadsClient:
    return seeker_api.get_client(agency.seeker_credentials())


def families_of(*, agency: Agency) -> frozenset[LeadFamily]:
    """The lead families the agency's upstream has (tracked calls: Seeker Leads only)."""
    return frozenset(LeadFamily) if agency.is_seeker else GSL_FAMILIES


def agency_connection_check(*, agency: Agency) -> None:
    """Ask for a fresh token: proves the URL, the credentials and the scope (the admin's test)."""
    if agency.is_seeker:
        _seeker(agency).check_connection()
    else:
        _client(agency).check_connection()


def leads_search(
    *, agency: Agency, family: LeadFamily, criteria: SearchCriteria, page: PageRequest
) -> LeadPage:
    """One page of the agency's leads of a family, newest first."""
    if agency.is_seeker:
        leads = _filtered(_seeker_window(agency, criteria.start, criteria.end), family, criteria)
        return _page_of(leads, page)
    if family not in GSL_FAMILIES:
        return LeadPage(leads=(), count=0, page=page)
    return _client(agency).search(family, criteria, page)


# --- Seeker Leads: lists built from the window ----------------------------------------------


def _agency_key(agency: Agency) -> str:
    # The client id is part of the key: new credentials for the agency start a fresh cache.
    client = hashlib.sha256(f"{agency.upstream}:{agency.client_id}".encode()).hexdigest()[:12]
    return f"{agency.pk}:{client}"


def _generation_key(agency: Agency) -> str:
    return f"upstream:window-generation:{agency.pk}"


def agency_leads_changed(*, agency: Agency) -> None:
    """New leads upstream (the watcher saw them): the agency's cached windows are stale."""
    generation_bump(_generation_key(agency))


def _seeker_window(agency: Agency, start: datetime, end: datetime) -> tuple[Lead, ...]:
    """Every lead ingested in [start, end), newest first: cached slices, else the feed."""
    return seeker_windows.window_leads(
        _seeker(agency),
        agency_key=_agency_key(agency),
        generation=generation_get(_generation_key(agency)),
        start=start,
        end=end,
    )


def _period_of(criteria: SearchCriteria | None) -> tuple[datetime, datetime]:
    # No criteria: a listing's page (its last MAX_WINDOW_DAYS days).
    return (criteria.start, criteria.end) if criteria is not None else _recent_window()


def period_read_ahead(*, agency: Agency, criteria: SearchCriteria | None, in_request: bool) -> bool:
    """Seeker Leads: read the period of a list (None: a listing's page) ahead of its first
    page, a round of the API's limit at a time (an export: page 1 holds the total, so on a
    feed it is the whole period). In a request the rounds share the request's deadline and
    the read stops when it runs out: False, the worker goes on. In the worker each round has
    a page's deadline of its own, so a long period is not cut at one deadline. True when the
    period is read; always on GSL v2 (a call a page). Raises LeadsApiError for a fault."""
    if not agency.is_seeker:
        return True
    start, end = _period_of(criteria)
    return seeker_windows.prefetch(
        _seeker(agency),
        agency_key=_agency_key(agency),
        generation=generation_get(_generation_key(agency)),
        start=start,
        end=end,
        round_seconds=None if in_request else settings.LEADS_API_PAGE_DEADLINE,
    )


def agency_windows_warm(*, agency: Agency) -> int:
    """Seeker Leads: keep the closed days of the agency's default list cached while its lists
    are in use (the watcher, after each poll); the days read. Nothing to do on GSL v2."""
    if not agency.is_seeker:
        return 0
    return seeker_windows.keep_warm(_seeker(agency), agency_key=_agency_key(agency))


def _filtered(leads: Iterable[Lead], family: LeadFamily, criteria: SearchCriteria) -> list[Lead]:
    """The leads of the window that the criteria select, as the GSL search would."""
    kind = family.lead_type
    portals = set(criteria.portals)
    listings = set(criteria.classified_ids)
    return [
        lead
        for lead in leads
        if (kind is None or lead.lead_type is kind)
        and (not portals or lead.meta.portal in portals)
        and (
            not listings
            or (lead.classified is not None and lead.classified.classified_id in listings)
        )
        and criteria.start <= lead.meta.creation_date < criteria.end
    ]


def _page_of(leads: list[Lead], page: PageRequest) -> LeadPage:
    offset = (page.index - 1) * page.size
    return LeadPage(leads=tuple(leads[offset : offset + page.size]), count=len(leads), page=page)


def _recent_window() -> tuple[datetime, datetime]:
    """The last MAX_WINDOW_DAYS days, to two minutes ahead (ingestion clocks differ)."""
    now = timezone.now()
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=2)
    return end - timedelta(days=MAX_WINDOW_DAYS), end


def leads_search_pages(
    *,
    agency: Agency,
    family: LeadFamily,
    criteria: SearchCriteria,
    max_pages: int | None = None,
) -> Iterator[LeadPage]:
    """The pages of a search, 100 leads each, newest first, up to the last one or `max_pages`
    (a page is asked for only when the caller wants it; on Seeker Leads the window is read
    once, at the first page)."""
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


def arrivals_read(
    *,
    agency: Agency,
    start: datetime,
    end: datetime,
    max_pages: int,
    on_page: Callable[[], None] = lambda: None,
) -> tuple[list[Lead], int]:
    """The agency's leads created (ingested) in [start, end), newest first, read from the
    upstream now, never from a cache (the watcher's read: a cached slice would hide a lead
    for its lifetime), up to `max_pages` pages; and the calls it took. `on_page` is called
    after each page that has another after it."""
    leads: list[Lead] = []
    calls = 0
    if agency.is_seeker:
        client = _seeker(agency)
        for low, high in seeker_api.window_slices(start, end):
            feed = client.leads_page(low, high)
            calls += 1
            leads.extend(seeker_api.to_lead(lead) for lead in feed.leads)
            while feed.next_url is not None and calls < max_pages:
                on_page()
                feed = client.next_page(feed)
                calls += 1
                leads.extend(seeker_api.to_lead(lead) for lead in feed.leads)
        leads.sort(key=lambda lead: (lead.meta.creation_date, lead.lead_id), reverse=True)
        return leads, calls
    for page in leads_search_pages(
        agency=agency,
        family=LeadFamily.ALL,
        criteria=SearchCriteria(start=start, end=end),
        max_pages=max_pages,
    ):
        calls += 1
        leads.extend(page.leads)
        if not is_last_page(page):
            on_page()
    return leads, calls


def is_last_page(page: LeadPage) -> bool:
    """Nothing after this page of a search."""
    return not page.leads or page.page.index >= page.page_count


def listing_leads(*, agency: Agency, classified_id: int, page: PageRequest) -> LeadPage:
    """One page of the leads of one of the agency's listings, newest first."""
    if agency.is_seeker:
        start, end = _recent_window()
        criteria = SearchCriteria(start=start, end=end, classified_ids=(classified_id,))
        return _page_of(
            _filtered(_seeker_window(agency, start, end), LeadFamily.ALL, criteria), page
        )
    return _client(agency).classified_leads(classified_id, page)


def _cache_key(agency: Agency, lead_id: str) -> str:
    return f"upstream:lead:{_agency_key(agency)}:{lead_id}"


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
    if missing and agency.is_seeker:
        missing = _found_in_recent_window(agency, missing, found)
    if missing:
        fetcher = _Fetcher(_lead_getter(agency), agency)
        fetched, error = _fetch_concurrently(fetcher, missing, deadlines.seconds_left())
        if error is not None:
            raise error
        found.update(fetched)
    return {lead_id: found[lead_id] for lead_id in ids}


# Seeker Leads: more ids than this missing from the cached slices read the last 92 days' window
# (about 14 calls a quiet quarter, 80 a busy one, side by side) rather than one call per id.
WINDOW_READ_ABOVE_IDS: Final = 20


def _found_in_recent_window(
    agency: Agency, lead_ids: list[str], found: dict[str, Lead | None]
) -> list[str]:
    """Seeker Leads: the leads the last 92 days' cached slices hold, cached one by one; then,
    for many ids still missing, the whole window read. Returns the ids neither holds (older
    leads, or none of the agency's), to be asked for by id: a lead opened from a toast or a
    link costs one call, not the quarter's feed."""
    start, end = _recent_window()
    window = {
        lead.lead_id: lead
        for lead in seeker_windows.cached_leads(
            agency_key=_agency_key(agency),
            generation=generation_get(_generation_key(agency)),
            start=start,
            end=end,
        )
    }
    if sum(lead_id not in window for lead_id in lead_ids) > WINDOW_READ_ABOVE_IDS:
        window = {lead.lead_id: lead for lead in _seeker_window(agency, start, end)}
    left = []
    hits = {}
    for lead_id in lead_ids:
        lead = window.get(lead_id)
        if lead is None:
            left.append(lead_id)
        else:
            found[lead_id] = hits[_cache_key(agency, lead_id)] = lead
    if hits:
        cache.set_many(hits, timeout=LEAD_CACHE_SECONDS)
    return left


def _lead_getter(agency: Agency) -> Callable[[str], Lead]:
    if agency.is_seeker:
        client = _seeker(agency)

        def seeker_lead(lead_id: str) -> Lead:
            lead = seeker_api.to_lead(client.get_lead(lead_id))
            if seeker_windows.is_expired(lead, timezone.now()):
                raise LeadsApiNotFound(f"lead {lead_id}: past its TTL")
            return lead

        return seeker_lead
    gsl = _client(agency)
    # A stall is not tried again here: the page's deadline bounds the fan-out.
    return lambda lead_id: gsl.get_lead(lead_id, retry_stalls=False)


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

    def __init__(self, get: Callable[[str], Lead], agency: Agency) -> None:
        self.get = get
        self.agency = agency
        self.slots = _slots_for(agency)

    def __call__(self, lead_id: str) -> Lead | None:
        with self.slots:
            try:
                lead: Lead | None = self.get(lead_id)
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


# --- Webhooks (Seeker Leads) ----------------------------------------------------------------


@dataclass(frozen=True)
class WebhookRegistration:
    subscription_id: str
    created: bool


def webhook_subscribe(
    *, agency: Agency, url: str, api_key: str, subscription_id: str = ""
) -> WebhookRegistration:
    """Create the agency's webhook subscription, or point its existing one at `url` (a
    subscription the API no longer knows is created again). Seeker Leads agencies only."""
    if not agency.is_seeker:
        raise ValueError("webhooks are a Seeker Leads feature")
    client = _seeker(agency)
    active = seeker_api.SubscriptionStatus.ACTIVE
    if subscription_id:
        try:
            updated = client.subscription_update(
                subscription_id, url=url, api_key=api_key, status=active
            )
        except LeadsApiNotFound:
            pass
        else:
            return WebhookRegistration(updated.subscription_id or subscription_id, False)
    created = client.subscription_create(url=url, api_key=api_key, status=active)
    return WebhookRegistration(created.subscription_id, True)
