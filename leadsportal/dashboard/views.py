"""Lead lists (one per family), the per-listing list and the lead detail.

Each list view renders the full page, or only the region htmx asked for: `#results` (table,
totals, pagination) when a filter, a page or the page size changes, `#browser` (tabs, filters
and results) when the tab changes. Every control is also a plain link or form, so the same
URLs work without JavaScript. Errors of the upstream become a banner, never a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.crypto import SecretDecryptionError
from leadsportal.dashboard.forms import MAX_CLASSIFIED_ID, ListingPageForm, with_default_dates
from leadsportal.dashboard.tables import TABLES, ClassifiedLeadTable
from leadsportal.followup.fetching import lead_fetch
from leadsportal.followup.forms import LeadListForm
from leadsportal.followup.listing import lead_list_extras, lead_page_marks, local_lead_page
from leadsportal.followup.panel import lead_detail_followup
from leadsportal.followup.reads import LocalFilter
from leadsportal.leads_api import (
    Lead,
    LeadFamily,
    LeadPage,
    LeadsApiClient,
    LeadsApiError,
    LeadsApiRateLimited,
    LeadsApiValidationError,
    PageRequest,
    SearchCriteria,
    get_client,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tab:
    family: LeadFamily
    slug: str
    label: str

    @property
    def url(self) -> str:
        if self.slug:
            return reverse("dashboard:family_leads", args=[self.slug])
        return reverse("dashboard:leads")


TABS = (
    Tab(LeadFamily.ALL, "", gettext_lazy("Tous les leads")),
    Tab(LeadFamily.CLASSIFIED, "annonces", gettext_lazy("Annonces")),
    Tab(LeadFamily.AGENCY, "agence", gettext_lazy("Agence")),
    Tab(LeadFamily.SELLER, "vendeurs", gettext_lazy("Vendeurs")),
    Tab(LeadFamily.PROPERTY_SEARCH, "recherches", gettext_lazy("Recherches de biens")),
)
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}

# The API's field names in validation errors, mapped to the form fields a person can fix.
API_FIELDS_TO_FORM = {
    "startdate": "start",
    "enddate": "end",
    "classifiedids": "classified",
    "portals": "portal",
    "pagesize": "per_page",
}
LEAD_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@dataclass
class ListResult:
    """What a list page shows: a page of leads, or a banner saying why not."""

    page: LeadPage | None = None
    banner: str | None = None
    status: int = 200
    error: LeadsApiError | None = None


def leads_client(request: AgencyRequest) -> LeadsApiClient:
    return get_client(request.agency.api_credentials())


def _status_for(error: LeadsApiError) -> int:
    if isinstance(error, LeadsApiValidationError):
        return 400
    if isinstance(error, LeadsApiRateLimited):
        return 503
    return 502


def _fetch_page(
    request: AgencyRequest, fetch: Callable[[PageRequest], LeadPage], page_request: PageRequest
) -> ListResult:
    """Call the API for one page; a page past the end serves the last page instead."""
    try:
        page: LeadPage = fetch(page_request)
        if page.count and page_request.index > page.page_count:
            page = fetch(PageRequest(index=page.page_count, size=page_request.size))
    except SecretDecryptionError:
        logger.error("agency secret cannot be decrypted", extra={"agency_id": request.agency.pk})
        return ListResult(
            banner=_(
                "Les identifiants API de l'agence sont illisibles (clé de chiffrement changée ?). "
                "Un administrateur doit les saisir à nouveau."
            ),
            status=502,
        )
    except LeadsApiError as error:
        logger.warning(
            "leads_api error on list",
            extra={"error": type(error).__name__, "status": error.status},
        )
        return ListResult(banner=error.user_message, status=_status_for(error), error=error)
    return ListResult(page=page)


def _template_for(request: HttpRequest, template: str, partials: frozenset[str]) -> str:
    """The whole page, or the partial whose region htmx targets (`HX-Target`)."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request or htmx.target not in partials:
        return template
    return f"{template}#{htmx.target}"


def _respond(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    status: int,
    partials: frozenset[str] = frozenset({"results", "browser"}),
) -> HttpResponse:
    chosen = _template_for(request, template, partials)
    # htmx does not swap error responses: a fragment always comes with 200 and its banner.
    if chosen != template:
        status = 200
    return render(request, chosen, context, status=status)


def _pagination(page: LeadPage | None) -> dict[str, Any]:
    if page is None:
        return {}
    index = min(page.page.index, page.page_count)
    return {
        "count": page.count,
        "page_number": index,
        "page_count": page.page_count,
        "previous_page": index - 1 if index > 1 else None,
        "next_page": index + 1 if index < page.page_count else None,
        "first_row": (index - 1) * page.page.size + 1 if page.count else 0,
        "last_row": min(index * page.page.size, page.count),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("dashboard:leads"))


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def lead_list(request: AgencyRequest, family_slug: str = "") -> HttpResponse:
    tab = TABS_BY_SLUG.get(family_slug)
    if tab is None:
        raise Http404("unknown lead family")
    form = LeadListForm(with_default_dates(request.GET), membership=request.membership)
    result = ListResult(status=400)
    criteria: SearchCriteria | None = None
    local = LocalFilter()
    if form.is_valid():
        criteria = form.criteria()
        local = form.local_filter()
        if local.active:
            # Status / assignee filters select leads known only locally: fetched by id.
            def fetch(page_request: PageRequest) -> LeadPage:
                return local_lead_page(
                    membership=request.membership,
                    family=tab.family,
                    criteria=criteria,
                    local=local,
                    page_request=page_request,
                )
        else:

            def fetch(page_request: PageRequest) -> LeadPage:
                # Inside the fetch: an unreadable agency secret becomes the banner, not a 500.
                return leads_client(request).search(tab.family, criteria, page_request)

        result = _fetch_page(request, fetch, form.page_request())
        if isinstance(result.error, LeadsApiValidationError):
            for api_error in result.error.errors:
                form_field = API_FIELDS_TO_FORM.get(api_error.field.lower())
                if form_field and form_field in form.fields:
                    form.add_error(form_field, api_error.message)
    back_url = request.get_full_path()
    leads = result.page.leads if result.page else ()
    marks = lead_page_marks(membership=request.membership, leads=leads)
    table = TABLES[tab.family](leads, back_url=back_url, marks=marks)
    context = {
        "tab": tab,
        "tabs": TABS,
        "form": form,
        "table": table,
        "result": result,
        "list_url": request.path,
        **_pagination(result.page),
        **lead_list_extras(
            membership=request.membership,
            family=tab.family,
            tab_slug=tab.slug,
            query=request.GET,
            criteria=criteria,
            local=local,
            page=result.page,
        ),
    }
    return _respond(request, "dashboard/lead_list.html", context, result.status)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def classified_leads(request: AgencyRequest, classified_id: int) -> HttpResponse:
    if not 1 <= classified_id <= MAX_CLASSIFIED_ID:
        raise Http404("no such listing")
    form = ListingPageForm(request.GET)
    result = ListResult(status=400)
    if form.is_valid():
        result = _fetch_page(
            request,
            lambda page_request: leads_client(request).classified_leads(
                classified_id, page_request
            ),
            form.page_request(),
        )
    leads = result.page.leads if result.page else ()
    listing = next((lead.classified for lead in leads if lead.classified), None)
    table = ClassifiedLeadTable(
        leads,
        back_url=request.get_full_path(),
        exclude=("listing",),
        marks=lead_page_marks(membership=request.membership, leads=leads),
    )
    context = {
        "classified_id": classified_id,
        "listing": listing,
        "form": form,
        "table": table,
        "result": result,
        "list_url": request.path,
        **_pagination(result.page),
    }
    return _respond(
        request,
        "dashboard/classified_leads.html",
        context,
        result.status,
        partials=frozenset({"results"}),
    )


def safe_back_url(request: HttpRequest) -> str:
    """The list the person came from (with its filters), if it is one of ours."""
    candidate = request.GET.get("retour", "")
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard:leads")


@require_GET
@agency_required
def lead_detail(request: AgencyRequest, lead_id: str) -> HttpResponse:
    if not LEAD_ID_PATTERN.match(lead_id):
        raise Http404("malformed lead id")
    banner = None
    lead: Lead | None = None
    status = 200
    try:
        # Cached a minute (agency + id): the follow-up changes right after opening cost no call.
        lead = lead_fetch(agency=request.agency, lead_id=lead_id)
    except SecretDecryptionError:
        banner = _(
            "Les identifiants API de l'agence sont illisibles. Un administrateur doit les saisir à nouveau."
        )
        status = 502
    except LeadsApiError as error:
        banner = error.user_message
        status = _status_for(error)
    else:
        if lead is None:
            # Another agency's lead and an unknown id look the same: a 404, never the data.
            raise Http404("lead not found")
    back_url = safe_back_url(request)
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
