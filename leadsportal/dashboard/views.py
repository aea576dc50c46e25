"""Lead lists (one per family), the per-listing list and the lead detail.

Each list view renders the full page, or only the region htmx asked for: `#results` (table,
totals, pagination) when a filter, a page or the page size changes, `#browser` (tabs, filters
and results) when the tab changes. Every control is also a plain link or form, so the same
URLs work without JavaScript. Errors of the upstream become a banner, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from leadsportal.agencies.access import AgencyRequest, agency_required, user_memberships
from leadsportal.agencies.models import Membership
from leadsportal.agencies.upstream import lead_get, leads_search, listing_leads
from leadsportal.dashboard.bulk_bar import bulk_bar
from leadsportal.dashboard.families import TABS_BY_SLUG, tabs_of
from leadsportal.dashboard.forms import (
    MAX_CLASSIFIED_ID,
    LeadListForm,
    ListingFilterForm,
)
from leadsportal.dashboard.marks import lead_list_extras, lead_page_marks, local_lead_page
from leadsportal.dashboard.pages import (
    BACK_PARAMETER,
    ListResult,
    checked_lead_id,
    fetch_page,
    pagination,
    respond,
    safe_back_url,
)
from leadsportal.dashboard.panels import lead_detail_followup
from leadsportal.dashboard.query import LeadQuery, ListingQuery
from leadsportal.dashboard.saved_views import list_url_checked, ready_views, views_of
from leadsportal.dashboard.tables import TABLES, ClassifiedLeadTable
from leadsportal.followup.access_record import lead_opened_record
from leadsportal.followup.lead_index import agency_of_lead
from leadsportal.followup.listings import listing_number_label
from leadsportal.followup.listings import listing_suggestions as listing_suggestions_for
from leadsportal.leads_api import (
    Lead,
    LeadFamily,
    LeadPage,
    LeadsApiError,
    LeadsApiValidationError,
    PageRequest,
)

# The API's field names in validation errors, mapped to the form fields a person can fix.
API_FIELDS_TO_FORM = {
    "startdate": "start",
    "enddate": "end",
    "classifiedids": "classified",
    "portals": "portal",
    "pagesize": "per_page",
}


def _list_fetcher(request: AgencyRequest, query: LeadQuery) -> Callable[[PageRequest], LeadPage]:
    if query.local.active:
        # Status / assignee filters select leads known only locally: fetched by id.
        return lambda page: local_lead_page(
            membership=request.membership, query=query, page_request=page
        )
    return lambda page: leads_search(
        agency=request.agency, family=query.tab.family, criteria=query.criteria, page=page
    )


# Query keys of links made before the query string spoke English (bookmarks, e-mails).
LEGACY_KEYS = {"statut": "status", "responsable": "assignee", "retour": "back"}


def _legacy_redirect(request: HttpRequest) -> HttpResponse | None:
    """The same page with today's keys (301), for a link that still uses the old ones."""
    if not any(key in request.GET for key in LEGACY_KEYS):
        return None
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        query.setlist(LEGACY_KEYS.get(key, key), values)
    return HttpResponsePermanentRedirect(f"{request.path}?{query.urlencode()}")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("dashboard:leads"))


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def lead_list(request: AgencyRequest, family_slug: str = "") -> HttpResponse:
    tab = TABS_BY_SLUG.get(family_slug)
    tabs = tabs_of(request.agency)
    if tab is None or tab not in tabs:
        raise Http404("unknown lead family")
    if (redirect := _legacy_redirect(request)) is not None:
        return redirect
    form = LeadListForm(request.GET, membership=request.membership)
    result = ListResult(status=400)
    query: LeadQuery | None = None
    if form.is_valid():
        query = form.query(tab)
        result = fetch_page(_list_fetcher(request, query), query.page_request)
        if isinstance(result.error, LeadsApiValidationError):
            for api_error in result.error.errors:
                form_field = API_FIELDS_TO_FORM.get(api_error.field.lower())
                if form_field and form_field in form.fields:
                    form.add_error(form_field, api_error.message)
    leads = result.page.leads if result.page else ()
    marks = lead_page_marks(membership=request.membership, leads=leads)
    back_url = query.page_url(query.page) if query else request.get_full_path()
    table = TABLES[tab.family](leads, back_url=back_url, marks=marks, selectable=True)
    context = {
        "tab": tab,
        "tab_links": [(item, query.tab_url(item) if query else item.url) for item in tabs],
        "ready_views": ready_views(),
        # Read once, and only when the template renders the bar (not for the results alone).
        "my_views": SimpleLazyObject(lambda: views_of(request.membership)),
        "current_view_url": list_url_checked(query.url) if query else "",
        "form": form,
        "query": query,
        "table": table,
        "result": result,
        "list_url": request.path,
        "bulk": bulk_bar(request, list_url=request.get_full_path()),
        **pagination(result.page, query),
        **lead_list_extras(membership=request.membership, query=query, page=result.page),
    }
    return respond(request, "dashboard/lead_list.html", context, result.status)


def _listing_fetcher(
    request: AgencyRequest, query: ListingQuery
) -> Callable[[PageRequest], LeadPage]:
    if query.filtered:
        criteria = query.criteria
        return lambda page: leads_search(
            agency=request.agency, family=LeadFamily.CLASSIFIED, criteria=criteria, page=page
        )
    return lambda page: listing_leads(
        agency=request.agency, classified_id=query.classified_id, page=page
    )


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def classified_leads(request: AgencyRequest, classified_id: int) -> HttpResponse:
    if not 1 <= classified_id <= MAX_CLASSIFIED_ID:
        raise Http404("no such listing")
    form = ListingFilterForm(request.GET)
    result = ListResult(status=400)
    query: ListingQuery | None = None
    if form.is_valid():
        query = form.listing_query(classified_id)
        result = fetch_page(_listing_fetcher(request, query), query.page_request)
    leads = result.page.leads if result.page else ()
    listing = next((lead.classified for lead in leads if lead.classified), None)
    table = ClassifiedLeadTable(
        leads,
        back_url=query.page_url(query.page) if query else request.get_full_path(),
        exclude=("listing",),
        marks=lead_page_marks(membership=request.membership, leads=leads),
        selectable=True,
    )
    context = {
        "classified_id": classified_id,
        # As its leads write it (the portal's id on Seeker Leads), for a page with no lead.
        "number_label": listing_number_label(agency=request.agency, classified_id=classified_id),
        "listing": listing,
        "form": form,
        "query": query,
        "table": table,
        "result": result,
        "list_url": request.path,
        "bulk": bulk_bar(request, list_url=request.get_full_path()),
        **pagination(result.page, query),
    }
    return respond(
        request,
        "dashboard/classified_leads.html",
        context,
        result.status,
        partials=frozenset({"results"}),
    )


def _other_agency_of(request: AgencyRequest, lead_id: str) -> Membership | None:
    others = {m.agency_id: m for m in user_memberships(request) if m.agency_id != request.agency.pk}
    agency_id = agency_of_lead(lead_id=lead_id, among=others)
    return others.get(agency_id) if agency_id is not None else None


@require_GET
@agency_required
def lead_detail(request: AgencyRequest, lead_id: str) -> HttpResponse:
    lead_id = checked_lead_id(lead_id)
    if (redirect := _legacy_redirect(request)) is not None:
        return redirect
    banner = None
    lead: Lead | None = None
    status = 200
    try:
        # Cached a minute (agency + id): the follow-up changes right after opening cost no call.
        lead = lead_get(agency=request.agency, lead_id=lead_id)
    except LeadsApiError as error:
        banner, status = error.user_message, error.page_status
    else:
        if lead is None:
            # A lead of another of the person's agencies: offer to switch to it. Anyone else
            # gets the same 404 for another agency's lead and an unknown id: nothing to learn.
            other = _other_agency_of(request, lead_id)
            if other is not None:
                context = {"other": other, "next": request.get_full_path()}
                return render(request, "dashboard/lead_other_agency.html", context)
            raise Http404("lead not found")
        lead_opened_record(agency=request.agency, user=request.user, lead_id=lead_id)
    back_url = safe_back_url(request, request.GET.get(BACK_PARAMETER, ""))
    context = {
        "lead": lead,
        "banner": banner,
        "back_url": back_url,
        "followup": lead_detail_followup(
            membership=request.membership, lead=lead, back_url=back_url
        )
        if lead is not None
        else None,
        "expires_soon": bool(
            lead
            and lead.meta.expiration_date
            and lead.meta.expiration_date - timezone.now() < timedelta(days=30)
        ),
    }
    return render(request, "dashboard/lead_detail.html", context, status=status)


@require_GET
@agency_required
def listing_suggestions(request: AgencyRequest) -> HttpResponse:
    """The `<option>`s of the listing filter's suggestions, for what has been typed so far."""
    typed = request.GET.get("classified", "")[:60]
    suggestions = listing_suggestions_for(agency=request.agency, typed=typed)
    return render(request, "dashboard/_listing_options.html", {"suggestions": suggestions})
