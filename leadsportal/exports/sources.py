"""Where an export's leads come from: a list's search, its follow-up selection, or a listing.

The same for an export built in the request and for one the worker prepares: the worker
rebuilds the list's query from the record (`list_query`, validated again by the list's form
with the member's current rights), so both fetch exactly what the list shows.
"""

from __future__ import annotations

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import (
    leads_search,
    listing_leads,
    period_read_ahead,
)
from leadsportal.dashboard.query import LeadQuery
from leadsportal.exports.fetching import FetchPage, local_pages_fetcher
from leadsportal.followup.records import local_lead_ids
from leadsportal.leads_api import LeadPage, PageRequest


def list_pages(*, agency: Agency, query: LeadQuery) -> FetchPage:
    """The pages of a family list with its filters."""
    if query.local.active:
        # A follow-up filter selects leads known only locally: the ids are read here, in the
        # caller's thread (the page fetches run in threads without a database).
        lead_ids = list(
            local_lead_ids(
                agency=agency,
                family=query.tab.family,
                criteria=query.criteria,
                local=query.local,
            )
        )
        return local_pages_fetcher(agency=agency, lead_ids=lead_ids)

    def fetch(page: PageRequest) -> LeadPage:
        if page.index == 1:
            # Seeker Leads: the period read ahead, a round at a time (page 1 holds the total).
            period_read_ahead(agency=agency, criteria=query.criteria, in_request=False)
        return leads_search(
            agency=agency, family=query.tab.family, criteria=query.criteria, page=page
        )

    return fetch


def list_read_ahead(*, agency: Agency, query: LeadQuery) -> bool:
    """In the request, before page 1: whether this list can be read within the request's
    deadline (False: a long period on Seeker Leads, read so far; the worker goes on)."""
    return query.local.active or period_read_ahead(
        agency=agency, criteria=query.criteria, in_request=True
    )


def listing_pages(*, agency: Agency, classified_id: int) -> FetchPage:
    """Every lead of one listing (its page with no date filter)."""

    def fetch(page: PageRequest) -> LeadPage:
        if page.index == 1:
            period_read_ahead(agency=agency, criteria=None, in_request=False)
        return listing_leads(agency=agency, classified_id=classified_id, page=page)

    return fetch


def listing_read_ahead(*, agency: Agency) -> bool:
    """As `list_read_ahead`, for a listing's export."""
    return period_read_ahead(agency=agency, criteria=None, in_request=True)
