"""Which leads a bulk action is about: the rows ticked, the whole page, or every lead of the
list ("all N matching these filters", over as many API pages as it takes).

"All" is recomputed from the list's own URL (the one the bar was rendered in), through the
same form and query object as the list itself, so it selects exactly what the list shows:
local filters from our database, other lists from the API's pages (written to the agency's
lead index on the way, so that the bulk change can create follow-ups without asking again).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone

from leadsportal.agencies.models import Membership
from leadsportal.agencies.upstream import is_last_page, leads_search_pages, listing_leads
from leadsportal.dashboard.families import TABS_BY_SLUG
from leadsportal.dashboard.forms import LeadListForm, ListingFilterForm
from leadsportal.followup.bulk import MAX_BULK_LEADS
from leadsportal.followup.fingerprints import lead_index_write
from leadsportal.followup.records import local_lead_ids
from leadsportal.leads_api import PAGE_SIZE_MAX, LeadFamily, PageRequest

# The lists whose "all matching" the bar offers: the family lists and a listing's page.
LIST_ROUTES = frozenset({"dashboard:leads", "dashboard:family_leads", "dashboard:classified_leads"})
MAX_PAGES = -(-MAX_BULK_LEADS // PAGE_SIZE_MAX) + 1


class SelectionError(ValueError):
    """The list cannot be selected whole; the message says why, for the person."""


@dataclass(frozen=True, slots=True)
class ListSelection:
    lead_ids: tuple[str, ...]
    # More than MAX_BULK_LEADS: nothing is done, the person narrows the filters.
    too_many: bool = False


def list_path_checked(url: str) -> str:
    """The path and query of a lead list of the dashboard, else "" (a safe place to go back)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return ""
    try:
        match = resolve(parts.path)
    except Resolver404:
        return ""
    allowed = {*LIST_ROUTES, "dashboard:search", "dashboard:reminders_due"}
    if match.view_name not in allowed:
        return ""
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def offers_all(url: str) -> bool:
    try:
        return resolve(urlsplit(url).path).view_name in LIST_ROUTES
    except Resolver404:
        return False


def list_lead_ids(*, membership: Membership, url: str) -> ListSelection:
    """Every lead of the list at `url` (its filters, all its pages), newest first."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise SelectionError("not a list") from None
    data = QueryDict(parts.query)
    agency = membership.agency
    if match.view_name == "dashboard:classified_leads":
        listing = ListingFilterForm(data)
        if not listing.is_valid():
            raise SelectionError("filters in error")
        listing_query = listing.listing_query(int(match.kwargs["classified_id"]))
        if not listing_query.filtered:
            return _listing_ids(membership, listing_query.classified_id)
        family, criteria = LeadFamily.ALL, listing_query.criteria
    elif match.view_name in LIST_ROUTES:
        tab = TABS_BY_SLUG.get(match.kwargs.get("family_slug", ""))
        if tab is None:
            raise SelectionError("unknown list")
        form = LeadListForm(data, membership=membership)
        if not form.is_valid():
            raise SelectionError("filters in error")
        query = form.query(tab)
        if query.local.active:
            ids = list(
                local_lead_ids(
                    agency=agency, family=tab.family, criteria=query.criteria, local=query.local
                )[: MAX_BULK_LEADS + 1]
            )
            return ListSelection(tuple(ids[:MAX_BULK_LEADS]), too_many=len(ids) > MAX_BULK_LEADS)
        family, criteria = tab.family, query.criteria
    else:
        raise SelectionError("not a list")
    ids = []
    for page in leads_search_pages(
        agency=agency, family=family, criteria=criteria, max_pages=MAX_PAGES
    ):
        if page.count > MAX_BULK_LEADS:
            return ListSelection((), too_many=True)
        lead_index_write(agency=agency, leads=page.leads, now=timezone.now())
        ids.extend(lead.lead_id for lead in page.leads)
    return ListSelection(tuple(dict.fromkeys(ids)))


def _listing_ids(membership: Membership, classified_id: int) -> ListSelection:
    """Every lead of a listing's own page (no period: the listing's route of the API)."""
    agency = membership.agency
    ids: list[str] = []
    for index in range(1, MAX_PAGES + 1):
        page = listing_leads(
            agency=agency,
            classified_id=classified_id,
            page=PageRequest(index=index, size=PAGE_SIZE_MAX),
        )
        if page.count > MAX_BULK_LEADS:
            return ListSelection((), too_many=True)
        lead_index_write(agency=agency, leads=page.leads, now=timezone.now())
        ids.extend(lead.lead_id for lead in page.leads)
        if is_last_page(page):
            break
    return ListSelection(tuple(dict.fromkeys(ids)))
