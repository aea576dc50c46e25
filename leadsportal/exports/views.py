"""Export of the current lead list (every page, same filters) and the agencies' export history.

The export URLs mirror the lists: /exports/leads/[<tab>/]?<the list's filters>&format=… and
/exports/annonces/<classified id>/?format=…. The permission is checked here, in the view: the
menu only hides links, a URL typed by hand gets the same answer. The API client is always the
current agency's (request.agency), so no parameter can reach another agency's leads.
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leadsportal.agencies.access import AgencyRequest, agency_required
from leadsportal.agencies.permissions import can_export, can_see_history
from leadsportal.agencies.upstream import leads_search, listing_leads
from leadsportal.dashboard.families import TABS_BY_SLUG
from leadsportal.dashboard.forms import MAX_CLASSIFIED_ID, LeadListForm
from leadsportal.exports.columns import Texts, columns_for
from leadsportal.exports.fetching import FetchPage, PageFetcher, limiter_for, local_pages_fetcher
from leadsportal.exports.models import ExportFormat, ExportRecord, ExportStatus
from leadsportal.exports.streaming import ExportJob, ExportStream, finish_record
from leadsportal.exports.writers import CONTENT_TYPES, EXTENSIONS
from leadsportal.followup.access_record import export_record_start
from leadsportal.followup.records import local_lead_ids
from leadsportal.leads_api import LeadFamily, LeadPage, LeadsApiError, PageRequest
from leadsportal.lib import request_metrics

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 50
# Query parameters of the lists that an export ignores (it takes every page).
LIST_ONLY_PARAMETERS = ("page", "per_page", "format")


def _list_query(request: AgencyRequest) -> str:
    query = request.GET.copy()
    for name in LIST_ONLY_PARAMETERS:
        query.pop(name, None)
    return query.urlencode()


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _error_page(
    request: AgencyRequest,
    *,
    message: str,
    status: int,
    back_url: str,
    errors: list[str] | None = None,
) -> HttpResponse:
    context = {"message": message, "errors": errors or [], "back_url": back_url}
    return render(request, "exports/error.html", context, status=status)


def _forbidden(request: AgencyRequest, back_url: str) -> HttpResponse:
    return render(request, "exports/forbidden.html", {"back_url": back_url}, status=403)


def _export_format(request: AgencyRequest) -> ExportFormat | None:
    try:
        return ExportFormat(request.GET.get("format", ""))
    except ValueError:
        return None


def _filename(request: AgencyRequest, subject: str, export_format: ExportFormat) -> str:
    agency = slugify(request.agency.name) or "agence"
    today = timezone.localdate()
    return f"leads-{agency}-{subject}-{today.isoformat()}.{EXTENSIONS[export_format]}"


def _start_export(
    request: AgencyRequest,
    *,
    export_format: ExportFormat,
    family: LeadFamily,
    classified_id: int | None,
    filters: dict[str, Any],
    fetch: FetchPage,
    subject: str,
    back_url: str,
) -> HttpResponse:
    """Record the attempt, fetch page 1 (an error page if that fails), then stream the file."""
    started = time.monotonic()
    record = ExportRecord.objects.create(
        user=request.user,
        username=request.user.get_username(),
        agency=request.agency,
        agency_name=request.agency.name,
        family=family.value,
        classified_id=classified_id,
        filters=filters,
        format=export_format,
    )
    fetcher = PageFetcher(
        fetch, limiter=limiter_for(request.agency), context=contextvars.copy_context()
    )
    try:
        first = fetcher.first()
    except LeadsApiError as error:
        logger.warning(
            "export could not start",
            extra={"export_id": record.pk, "error": type(error).__name__, "status": error.status},
        )
        finish_record(
            record,
            status=ExportStatus.FAILED,
            rows=0,
            started=started,
            error=f"{type(error).__name__}: {error.user_message}",
        )
        return _error_page(
            request, message=error.user_message, status=error.page_status, back_url=back_url
        )
    ExportRecord.objects.filter(pk=record.pk).update(expected_count=first.count)
    record.expected_count = first.count
    job = ExportJob(
        record=record,
        fetcher=fetcher,
        columns=columns_for(family),
        export_format=export_format,
        texts=Texts.current(),
        expected=first.count,
        started=started,
        language=translation.get_language() or "fr",
        metrics=request_metrics.current(),
        access=export_record_start(agency=request.agency, user=request.user, export_ref=record.pk),
    )
    response = StreamingHttpResponse(ExportStream(job), content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_filename(request, subject, export_format)
    )
    # Personal data: kept by no cache; sent as it comes (no proxy buffering).
    response["Cache-Control"] = "no-store, private"
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
@agency_required
def export_leads(request: AgencyRequest, family_slug: str = "") -> HttpResponse:
    tab = TABS_BY_SLUG.get(family_slug)
    if tab is None:
        raise Http404("unknown lead family")
    back_url = _with_query(tab.url, _list_query(request))
    if not can_export(request.membership):
        return _forbidden(request, back_url)
    export_format = _export_format(request)
    if export_format is None:
        return _error_page(
            request, message=_("Format d'export inconnu."), status=400, back_url=back_url
        )
    form = LeadListForm(request.GET, membership=request.membership)
    if not form.is_valid():
        errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
        return _error_page(
            request,
            message=_("Les filtres de la liste ne sont pas valides : corrigez-les, puis exportez."),
            status=400,
            back_url=back_url,
            errors=errors,
        )
    query = form.query(tab)
    if query.local.active:
        # A status / assignee filter selects leads known only locally: the ids are read here,
        # in the request's thread (the page fetches run in threads without a database).
        lead_ids = list(
            local_lead_ids(
                agency=request.agency,
                family=tab.family,
                criteria=query.criteria,
                local=query.local,
            )
        )
        fetch = local_pages_fetcher(agency=request.agency, lead_ids=lead_ids)
    else:

        def fetch(page: PageRequest) -> LeadPage:
            return leads_search(
                agency=request.agency, family=tab.family, criteria=query.criteria, page=page
            )

    return _start_export(
        request,
        export_format=export_format,
        family=tab.family,
        classified_id=None,
        filters=query.audit(),
        fetch=fetch,
        subject=tab.slug or "tous",
        back_url=back_url,
    )


@require_GET
@agency_required
def export_classified_leads(request: AgencyRequest, classified_id: int) -> HttpResponse:
    if not 1 <= classified_id <= MAX_CLASSIFIED_ID:
        raise Http404("no such listing")
    back_url = reverse("dashboard:classified_leads", args=[classified_id])
    if not can_export(request.membership):
        return _forbidden(request, back_url)
    export_format = _export_format(request)
    if export_format is None:
        return _error_page(
            request, message=_("Format d'export inconnu."), status=400, back_url=back_url
        )
    return _start_export(
        request,
        export_format=export_format,
        family=LeadFamily.CLASSIFIED,
        classified_id=classified_id,
        filters={},
        fetch=lambda page: listing_leads(
            agency=request.agency, classified_id=classified_id, page=page
        ),
        subject=f"annonce-{classified_id}",
        back_url=back_url,
    )


@require_GET
@agency_required
def history(request: AgencyRequest) -> HttpResponse:
    if not can_see_history(request.membership):
        return render(request, "exports/forbidden.html", {"history": True}, status=403)
    records = ExportRecord.objects.filter(agency=request.agency).order_by("-created_at", "-id")
    page = Paginator(records, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exports/history.html",
        {"page": page, "records": page.object_list},
    )
