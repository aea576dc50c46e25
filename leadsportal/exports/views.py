"""Export of the current lead list (every page, same filters) and the agencies' export history.

The export URLs mirror the lists: /exports/leads/[<tab>/]?<the list's filters>&format=… and
/exports/annonces/<classified id>/?format=…. The permission is checked here, in the view: the
menu only hides links, a URL typed by hand gets the same answer. The API client is always the
current agency's (request.agency), so no parameter can reach another agency's leads.

A list of at most LEADS_EXPORT_BACKGROUND_PAGES pages is built in the request and sent whole;
a longer one becomes a job of the worker (background.py): /exports/<id>/ shows its progress
(htmx polls it; without JavaScript the page refreshes itself), /exports/<id>/fichier/ gives
its file, to the person who asked only, for LEADS_EXPORT_FILE_HOURS.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from leadsportal.agencies.access import AgencyRequest, agency_required, user_memberships
from leadsportal.agencies.crypto import SecretDecryptionError
from leadsportal.agencies.permissions import can_export, can_see_history
from leadsportal.dashboard.families import TABS_BY_FAMILY, TABS_BY_SLUG, tabs_of
from leadsportal.dashboard.forms import MAX_CLASSIFIED_ID, LeadListForm
from leadsportal.dashboard.pages import respond
from leadsportal.dashboard.selection import SelectionError, list_lead_ids, list_path_checked
from leadsportal.exports.background import export_filename, export_subject, runs_in_background
from leadsportal.exports.building import (
    ExportJob,
    export_write,
    finish_record,
    grouped,
    log_finished,
)
from leadsportal.exports.columns import Texts, columns_for
from leadsportal.exports.fetching import (
    FetchPage,
    PageFetcher,
    limiter_for,
    local_pages_fetcher,
)
from leadsportal.exports.files import export_file_chunks
from leadsportal.exports.models import ExportFormat, ExportRecord, ExportStatus
from leadsportal.exports.sources import (
    list_pages,
    list_read_ahead,
    listing_pages,
    listing_read_ahead,
)
from leadsportal.exports.tasks import export_build
from leadsportal.exports.writers import CONTENT_TYPES
from leadsportal.followup.access_record import export_record_start
from leadsportal.followup.bulk import bulk_leads
from leadsportal.leads_api import PAGE_SIZE_MAX, LeadFamily, LeadPage, LeadsApiError
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


def _start_export(
    request: AgencyRequest,
    *,
    export_format: ExportFormat,
    family: LeadFamily,
    classified_id: int | None,
    filters: dict[str, Any],
    list_query: str,
    fetch: FetchPage,
    back_url: str,
    read_ahead: Callable[[], bool] = lambda: True,
) -> HttpResponse:
    """Record the attempt and fetch page 1 (an error page if that fails); then build the file
    here and send it, or, for a list of more than LEADS_EXPORT_BACKGROUND_PAGES pages, queue it
    for the worker and send the person to its progress page. A list whose page 1 cannot be
    read within the request's deadline (`read_ahead` False: a long period on Seeker Leads,
    read so far) is queued for the worker as well."""
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
        list_query=list_query,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    fetcher = PageFetcher(
        fetch, limiter=limiter_for(request.agency), context=contextvars.copy_context()
    )
    try:
        first = fetcher.first() if read_ahead() else None
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
    if first is None or runs_in_background(first):
        return _queue_export(request, record, first=first, started=started, back_url=back_url)
    ExportRecord.objects.filter(pk=record.pk).update(expected_count=first.count)
    record.expected_count = first.count
    job = ExportJob(
        record=record,
        agency=request.agency,
        fetcher=fetcher,
        columns=columns_for(family),
        export_format=export_format,
        texts=Texts.current(agency=request.agency),
        expected=first.count,
        started=started,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        metrics=request_metrics.current(),
        access=export_record_start(agency=request.agency, user=request.user, export_ref=record.pk),
    )
    # At most LEADS_EXPORT_BACKGROUND_PAGES pages (1,000 leads, well under a megabyte): built
    # whole before the first byte leaves, so that its name and first line can say whether it
    # is complete.
    parts: list[bytes] = []
    try:
        outcome = export_write(job, parts.append)
    except Exception:
        finish_record(
            record, status=ExportStatus.FAILED, rows=0, started=started, error="erreur interne"
        )
        raise
    filename = export_filename(
        agency=request.agency,
        subject=export_subject(record),
        export_format=export_format,
        incomplete=outcome.incomplete,
    )
    finish_record(
        record,
        status=outcome.status,
        rows=outcome.rows,
        started=started,
        error=outcome.error,
        file_name=filename,
    )
    log_finished(job, outcome)
    response = HttpResponse(
        outcome.prefix + b"".join(parts), content_type=CONTENT_TYPES[export_format]
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "no-store, private"  # personal data: kept by no cache
    return response


def _queue_export(
    request: AgencyRequest,
    record: ExportRecord,
    *,
    first: LeadPage | None,
    started: float,
    back_url: str,
) -> HttpResponse:
    ExportRecord.objects.filter(pk=record.pk).update(
        background=True,
        status=ExportStatus.QUEUED,
        expected_count=first.count if first is not None else None,
    )
    try:
        export_build(record.pk)
    except Exception as error:
        # The task queue (Redis) is down: say so, rather than a job nobody will ever run.
        logger.exception("export not queued", extra={"export_id": record.pk})
        finish_record(
            record,
            status=ExportStatus.FAILED,
            rows=0,
            started=started,
            error=f"file des tâches indisponible ({type(error).__name__})",
        )
        return _error_page(
            request,
            message=_(
                "Les exports de plus de %(leads)s leads sont préparés en arrière-plan, et ce "
                "service est momentanément indisponible. Réessayez dans quelques minutes, ou "
                "réduisez la période."
            )
            % {"leads": grouped(settings.LEADS_EXPORT_BACKGROUND_PAGES * PAGE_SIZE_MAX)},
            status=503,
            back_url=back_url,
        )
    return redirect("exports:job", export_id=record.pk)


@require_GET
@agency_required
def export_leads(request: AgencyRequest, family_slug: str = "") -> HttpResponse:
    tab = TABS_BY_SLUG.get(family_slug)
    if tab is None or tab not in tabs_of(request.agency):
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
    return _start_export(
        request,
        export_format=export_format,
        family=tab.family,
        classified_id=None,
        filters=query.audit(),
        # What the worker validates again if the list is long: the filters, dates made explicit.
        list_query=urlencode(query.filters(explicit_dates=True)),
        fetch=list_pages(agency=request.agency, query=query),
        back_url=back_url,
        read_ahead=lambda: list_read_ahead(agency=request.agency, query=query),
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
        list_query="",
        fetch=listing_pages(agency=request.agency, classified_id=classified_id),
        back_url=back_url,
        read_ahead=lambda: listing_read_ahead(agency=request.agency),
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


def _own_background_export(request: AgencyRequest, export_id: int) -> ExportRecord | HttpResponse:
    """The person's own background export of the current agency; for one of another of their
    agencies, a page offering to switch; for anyone else, the 404 of an unknown id."""
    record = (
        ExportRecord.objects.filter(pk=export_id, background=True, user_id=request.user.pk)
        .select_related("agency")
        .first()
    )
    if record is None or record.agency_id is None:
        raise Http404("no such export")
    if record.agency_id != request.agency.pk:
        other = next(
            (m for m in user_memberships(request) if m.agency_id == record.agency_id), None
        )
        if other is None:
            raise Http404("no such export")
        context = {"other": other, "next": request.get_full_path()}
        return render(request, "exports/other_agency.html", context)
    return record


def _job_context(record: ExportRecord, *, problem: str = "") -> dict[str, Any]:
    now = timezone.now()
    return {
        "record": record,
        "file_available": record.file_available(now),
        "file_expired": record.file_expired(now),
        "problem": problem,
        "back_url": _list_url(record),
        "again_url": _export_url(record),
        "background_leads": settings.LEADS_EXPORT_BACKGROUND_PAGES * PAGE_SIZE_MAX,
    }


def _list_url(record: ExportRecord) -> str:
    if record.classified_id is not None:
        return reverse("dashboard:classified_leads", args=[record.classified_id])
    tab = TABS_BY_FAMILY[LeadFamily(record.family)]
    return _with_query(tab.url, record.list_query)


def _export_url(record: ExportRecord) -> str:
    """The same export again (a new file of the same list)."""
    format_query = urlencode({"format": record.format})
    if record.classified_id is not None:
        base = reverse("exports:classified_leads", args=[record.classified_id])
        return f"{base}?{format_query}"
    tab = TABS_BY_FAMILY[LeadFamily(record.family)]
    base = (
        reverse("exports:family_leads", args=[tab.slug]) if tab.slug else reverse("exports:leads")
    )
    query = f"{record.list_query}&{format_query}" if record.list_query else format_query
    return f"{base}?{query}"


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@agency_required
def export_job(request: AgencyRequest, export_id: int) -> HttpResponse:
    """The progress of a background export (htmx polls its `#export-progress`), then its file."""
    record = _own_background_export(request, export_id)
    if isinstance(record, HttpResponse):
        return record
    return respond(
        request, "exports/job.html", _job_context(record), 200, frozenset({"export-progress"})
    )


@require_GET
@agency_required
def export_download(request: AgencyRequest, export_id: int) -> HttpResponse:
    record = _own_background_export(request, export_id)
    if isinstance(record, HttpResponse):
        return record
    now = timezone.now()
    if not record.file_available(now):
        if record.file_expired(now):
            return render(request, "exports/job.html", _job_context(record), status=410)
        return redirect("exports:job", export_id=record.pk)  # not ready (or failed): its page
    chunks = export_file_chunks(record=record)
    try:
        head = next(chunks, b"")
    except SecretDecryptionError:
        logger.error("export file unreadable with the current keys", extra={"export_id": record.pk})
        problem = _(
            "Ce fichier ne peut plus être déchiffré (la clé de chiffrement a changé) : "
            "relancez l'export."
        )
        return render(
            request, "exports/job.html", _job_context(record, problem=problem), status=410
        )
    response = StreamingHttpResponse(
        itertools.chain([head], chunks), content_type=CONTENT_TYPES[ExportFormat(record.format)]
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=record.file_name
    )
    if record.file_size is not None:
        # The browser then knows a download cut short is not the whole file.
        response["Content-Length"] = str(record.file_size)
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@agency_required
def export_selection(request: AgencyRequest) -> HttpResponse:
    """The leads chosen in a list's bulk bar (ticked, the page, or the whole list), as CSV:
    the same file and audit as a list's export, for at most MAX_BULK_LEADS leads."""
    back_url = list_path_checked(request.POST.get("list", "")) or reverse("dashboard:leads")
    if not can_export(request.membership):
        return _forbidden(request, back_url)
    scope = request.POST.get("scope", "selected")
    if scope == "all":
        try:
            selection = list_lead_ids(membership=request.membership, url=back_url)
        except SelectionError:
            selection = None
        except LeadsApiError as error:
            return _error_page(
                request, message=error.user_message, status=error.page_status, back_url=back_url
            )
        if selection is None or selection.too_many:
            return _error_page(
                request,
                message=_(
                    "Cette liste ne peut pas être exportée comme sélection : utilisez le menu "
                    "« Exporter » de la liste."
                ),
                status=400,
                back_url=back_url,
            )
        chosen = list(selection.lead_ids)
    else:
        chosen = request.POST.getlist("lead" if scope == "selected" else "page_lead")
    lead_ids = [row.lead_id for row in bulk_leads(agency=request.agency, lead_ids=chosen)]
    if not lead_ids:
        return _error_page(
            request,
            message=_("Cochez au moins un lead à exporter."),
            status=400,
            back_url=back_url,
        )
    return _start_export(
        request,
        export_format=ExportFormat.CSV,
        family=LeadFamily.ALL,
        classified_id=None,
        filters={"selection": len(lead_ids)},
        list_query="",
        fetch=local_pages_fetcher(agency=request.agency, lead_ids=lead_ids),
        back_url=back_url,
    )
