"""Where an export's leads come from: a list's search, its follow-up selection, or a listing.

The same for an export built in the request and for one the worker prepares: the worker
rebuilds the list's query from the record (`list_query`, validated again by the list's form
with the member's current rights), so both fetch exactly what the list shows.
"""

from __future__ import annotations

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import leads_search, listing_leads
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
        return leads_search(
            agency=agency, family=query.tab.family, criteria=query.criteria, page=page
        )

    return fetch


def listing_pages(*, agency: Agency, classified_id: int) -> FetchPage:
    """Every lead of one listing (its page with no date filter)."""
    return lambda page: listing_leads(agency=agency, classified_id=classified_id, page=page)
