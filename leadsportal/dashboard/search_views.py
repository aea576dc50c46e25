"""The search page: `/recherche/?q=…`, the agency's leads found in the index, newest first."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.dashboard.bulk_bar import bulk_bar
from leadsportal.dashboard.forms import SearchForm
from leadsportal.dashboard.marks import lead_page_marks, missing_on_page, page_of_ids
from leadsportal.dashboard.pages import ListResult, fetch_page, pagination, respond
from leadsportal.dashboard.query import SearchQuery
from leadsportal.dashboard.tables import TABLES
from leadsportal.followup.search import leads_found, search_terms
from leadsportal.leads_api import LeadFamily, LeadPage, PageRequest


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def search(request: AgencyRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query: SearchQuery | None = None
    result = ListResult(status=400)
    if form.is_valid():
        query = form.search_query()
        result = ListResult()
        if query.text:
            found = leads_found(agency=request.agency, terms=search_terms(query.text)).values_list(
                "lead_id", flat=True
            )

            def fetch(page_request: PageRequest) -> LeadPage:
                return page_of_ids(agency=request.agency, lead_ids=found, page_request=page_request)

            result = fetch_page(fetch, query.page_request)
    leads = result.page.leads if result.page else ()
    back_url = query.page_url(query.page) if query else request.get_full_path()
    table = TABLES[LeadFamily.ALL](
        leads,
        back_url=back_url,
        marks=lead_page_marks(membership=request.membership, leads=leads),
        selectable=True,
    )
    context = {
        "form": form,
        "query": query,
        "table": table,
        "result": result,
        "bulk": bulk_bar(request, list_url=request.get_full_path()),
        "unavailable_leads": missing_on_page(result.page),
        **pagination(result.page, query),
    }
    return respond(request, "dashboard/search.html", context, result.status, frozenset({"results"}))
