"""Exports of more than LEADS_EXPORT_BACKGROUND_PAGES pages: a job of the worker, a file for a day.

The view fetched page 1 (an error page if that failed), saw the list's size, marked the record
`queued` and queued `tasks.export_build`; the person follows its progress page. The worker
(`background_export_run`) claims the record (queued → running: a job runs once, whatever the
number of workers), checks that the person may still export from that agency, rebuilds the
list's query from the record with the list's own form, then fetches every page as the request
would (same fetcher, same per-page deadline, same access record), writing the file into
encrypted chunks (files.py) and its progress into the record after each page. The file is
offered once it is whole, complete or not, so its name and first line can say which.

A job whose worker died stops showing progress: `background_exports_abandon` (the periodic task)
marks it failed after STALLED_AFTER without a page.
"""

from __future__ import annotations

import contextvars
import logging
import time
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import DatabaseError
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.permissions import can_export
from leadsportal.dashboard.families import TABS_BY_FAMILY
from leadsportal.dashboard.forms import LeadListForm
from leadsportal.exports.building import (
    ExportJob,
    Progress,
    export_write,
    finish_record,
    log_finished,
)
from leadsportal.exports.columns import Texts, columns_for
from leadsportal.exports.fetching import FetchPage, PageFetcher, limiter_for, page_count
from leadsportal.exports.files import FileWriter, export_file_discard, file_expiry
from leadsportal.exports.models import ExportFormat, ExportRecord, ExportStatus
from leadsportal.exports.sources import list_pages, listing_pages
from leadsportal.exports.writers import EXTENSIONS
from leadsportal.followup.access_record import export_record_start
from leadsportal.leads_api import LeadFamily, LeadPage, LeadsApiError
from leadsportal.lib import request_metrics

logger = logging.getLogger(__name__)

# No page for this long: the worker that ran the job is gone (a page waits LEADS_API_PAGE_DEADLINE
# at most, 12 s by default).
STALLED_AFTER: Final = timedelta(minutes=10)


def runs_in_background(first: LeadPage) -> bool:
    return page_count(first) > settings.LEADS_EXPORT_BACKGROUND_PAGES


def export_subject(record: ExportRecord) -> str:
    """The list in the file's name: "vendeurs", "tous", "annonce-40512"."""
    if record.classified_id is not None:
        return f"annonce-{record.classified_id}"
    try:
        tab = TABS_BY_FAMILY[LeadFamily(record.family)]
    except (KeyError, ValueError):
        return slugify(record.family) or "leads"
    return tab.slug or "tous"


def export_filename(
    *, agency: Agency, subject: str, export_format: ExportFormat, incomplete: bool
) -> str:
    """`leads-agence-paris-demo-vendeurs-2026-11-27.csv`; `…-INCOMPLET.csv` for a file that
    could not hold every lead of the list."""
    name = slugify(agency.name) or "agence"
    today = timezone.localdate().isoformat()
    suffix = "-INCOMPLET" if incomplete else ""
    return f"leads-{name}-{subject}-{today}{suffix}.{EXTENSIONS[export_format]}"


class _Refused(Exception):
    """The job cannot run (rights withdrawn, filters no longer valid): its reason, in words."""


def _membership(record: ExportRecord) -> Membership:
    membership = (
        Membership.objects.filter(user_id=record.user_id, agency_id=record.agency_id, active=True)
        .select_related("agency", "user")
        .first()
    )
    if membership is None or not can_export(membership):
        raise _Refused(_("Vous ne pouvez plus exporter les leads de cette agence."))
    return membership


def _pages_of(record: ExportRecord, membership: Membership) -> FetchPage:
    if record.classified_id is not None:
        return listing_pages(agency=membership.agency, classified_id=record.classified_id)
    tab = TABS_BY_FAMILY[LeadFamily(record.family)]
    form = LeadListForm(QueryDict(record.list_query), membership=membership)
    if not form.is_valid():
        raise _Refused(
            _("Les filtres de la liste ne sont plus valides : relancez l'export depuis la liste.")
        )
    return list_pages(agency=membership.agency, query=form.query(tab))


def _fail(record: ExportRecord, *, started: float, error: str) -> None:
    finish_record(
        record,
        status=ExportStatus.FAILED,
        rows=0,
        started=started,
        error=error,
        progress_at=timezone.now(),
    )


def _save_progress(record: ExportRecord, progress: Progress) -> None:
    fields = {
        "row_count": progress.rows,
        "pages_done": progress.pages,
        "expected_count": max(progress.expected, progress.rows),
        "progress_at": timezone.now(),
    }
    try:
        ExportRecord.objects.filter(pk=record.pk).update(**fields)
    except DatabaseError:
        # The bar stalls for a page; the file goes on.
        logger.exception("export progress not saved", extra={"export_id": record.pk})


def background_export_run(*, record_id: int) -> ExportStatus | None:
    """Build the file of one queued export; its final status (None: not this worker's job)."""
    now = timezone.now()
    claimed = ExportRecord.objects.filter(
        pk=record_id, background=True, status=ExportStatus.QUEUED
    ).update(status=ExportStatus.RUNNING, progress_at=now)
    if not claimed:
        return None
    record = ExportRecord.objects.select_related("agency", "user").get(pk=record_id)
    # The duration the history shows runs from the click, time in the queue included.
    started = time.monotonic() - max(0.0, (now - record.created_at).total_seconds())
    metrics = request_metrics.begin()
    try:
        with translation.override(record.language or settings.LANGUAGE_CODE):
            return _run(record, started=started, metrics=metrics)
    finally:
        request_metrics.end()


def _run(
    record: ExportRecord, *, started: float, metrics: request_metrics.RequestMetrics
) -> ExportStatus:
    try:
        membership = _membership(record)
        fetch = _pages_of(record, membership)
    except _Refused as refused:
        _fail(record, started=started, error=str(refused))
        return ExportStatus.FAILED
    agency = membership.agency
    fetcher = PageFetcher(fetch, limiter=limiter_for(agency), context=contextvars.copy_context())
    try:
        first = fetcher.first()
    except LeadsApiError as error:
        logger.warning(
            "background export could not start",
            extra={"export_id": record.pk, "error": type(error).__name__},
        )
        _fail(record, started=started, error=f"{type(error).__name__}: {error.user_message}")
        return ExportStatus.FAILED
    _save_progress(record, Progress(expected=first.count))
    export_format = ExportFormat(record.format)
    job = ExportJob(
        record=record,
        agency=agency,
        fetcher=fetcher,
        columns=columns_for(LeadFamily(record.family)),
        export_format=export_format,
        texts=Texts.current(agency=agency),
        expected=first.count,
        started=started,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        metrics=metrics,
        access=export_record_start(agency=agency, user=membership.user, export_ref=record.pk),
        on_page=lambda progress: _save_progress(record, progress),
    )
    file = FileWriter(record)
    try:
        outcome = export_write(job, file.write)
        file.close(prefix=outcome.prefix)
    except Exception as exc:
        logger.exception("background export not stored", extra={"export_id": record.pk})
        export_file_discard(record=record)
        _fail(record, started=started, error=f"fichier non enregistré ({type(exc).__name__})")
        return ExportStatus.FAILED
    finished = timezone.now()
    finish_record(
        record,
        status=outcome.status,
        rows=outcome.rows,
        started=started,
        error=outcome.error,
        file_name=export_filename(
            agency=agency,
            subject=export_subject(record),
            export_format=export_format,
            incomplete=outcome.incomplete,
        ),
        file_size=file.size,
        file_expires_at=file_expiry(finished),
        finished_at=finished,
        progress_at=finished,
    )
    log_finished(job, outcome)
    return outcome.status


def background_exports_abandon(*, now: datetime | None = None) -> int:
    """Jobs whose worker died (no page for STALLED_AFTER), or that no worker ever took within
    the life of a file: failed, with what they had written dropped. How many."""
    now = now or timezone.now()
    stalled = ExportRecord.objects.filter(
        background=True, status=ExportStatus.RUNNING, progress_at__lt=now - STALLED_AFTER
    )
    never_started = ExportRecord.objects.filter(
        background=True,
        status=ExportStatus.QUEUED,
        created_at__lt=now - timedelta(hours=settings.LEADS_EXPORT_FILE_HOURS),
    )
    count = 0
    for records, error in (
        (stalled, "interrompu : le service d'export s'est arrêté"),
        (never_started, "jamais démarré : aucun service d'export n'a répondu"),
    ):
        for record in records:
            export_file_discard(record=record)
            count += ExportRecord.objects.filter(pk=record.pk, status=record.status).update(
                status=ExportStatus.FAILED, finished_at=now, error=error
            )
    return count
