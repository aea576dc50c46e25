"""One export from first page to last byte, and what the file and its record say of it.

The caller fetched page 1 already: if the upstream failed then, nothing was written and the
person gets an error page (in the request) or a failed job (in the worker). From page 2 on, a
failure cannot take back what was written, so the file says it: a last row "EXPORT INCOMPLET —
…", and, because the whole file exists before anyone gets it, a first line saying the same
(CSV: before the header; XLSX: a first, active sheet), and a file name ending in "-INCOMPLET".
No file ever looks complete when it is not.

`export_write` hands the bytes to `out` as they are produced (a list in memory for the small
exports the request builds, encrypted chunks in the database for the worker's) and returns how
it ended, with the bytes that go before everything else (`Outcome.prefix`).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from leadsportal.exports.columns import NO_FOLLOWUP, Column, Texts, row_values
from leadsportal.exports.fetching import PageFetcher
from leadsportal.exports.followups import followups_of_page
from leadsportal.exports.models import ExportFormat, ExportRecord, ExportStatus
from leadsportal.exports.writers import ExportWriter, writer_for
from leadsportal.followup.access_record import export_record_leads
from leadsportal.followup.models import AccessRecord
from leadsportal.leads_api import LeadPage, LeadsApiError
from leadsportal.lib.request_metrics import RequestMetrics

if TYPE_CHECKING:
    from leadsportal.agencies.models import Agency

logger = logging.getLogger(__name__)


@dataclass
class Progress:
    rows: int = 0  # leads written
    pages: int = 0  # API pages read
    expected: int = 0  # the API's Count, as the last page read said it
    overflow: bool = False  # Excel's row limit reached


@dataclass
class ExportJob:
    record: ExportRecord
    agency: Agency
    fetcher: PageFetcher
    columns: tuple[Column, ...]
    export_format: ExportFormat
    texts: Texts
    expected: int
    started: float  # time.monotonic() when the export began
    language: str
    metrics: RequestMetrics | None = None
    # Who exported which leads (the managers' access record), filled page by page.
    access: AccessRecord | None = None
    # Told after each page (the worker's progress bar).
    on_page: Callable[[Progress], None] | None = None


@dataclass(frozen=True)
class Outcome:
    status: ExportStatus
    rows: int
    error: str  # for the record and the log, "" when complete
    incomplete_message: str | None  # what the file says of it, None when complete
    prefix: bytes  # the file's first bytes, before those given to `out`

    @property
    def incomplete(self) -> bool:
        return self.incomplete_message is not None


def grouped(value: int) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def incomplete_message(written: int, expected: int, reason: str) -> str:
    return _(
        "EXPORT INCOMPLET — %(written)s leads exportés sur %(expected)s. %(reason)s "
        "Ce fichier est tronqué : relancez l'export."
    ) % {"written": grouped(written), "expected": grouped(expected), "reason": reason}


def finish_record(
    record: ExportRecord,
    *,
    status: ExportStatus,
    rows: int,
    started: float,
    error: str = "",
    expected: int | None = None,
    **extra: Any,
) -> None:
    """One UPDATE; a database problem here is logged, never raised over the person's file."""
    fields = {
        "status": status,
        "row_count": rows,
        "finished_at": timezone.now(),
        "duration": timedelta(seconds=time.monotonic() - started),
        "error": error[:300],
        **extra,
    }
    if expected is not None:
        fields["expected_count"] = expected
    for name, value in fields.items():
        setattr(record, name, value)
    try:
        ExportRecord.objects.filter(pk=record.pk).update(**fields)
    except DatabaseError:
        logger.exception("export record not saved", extra={"export_id": record.pk})


def _write_pages(
    job: ExportJob,
    writer: ExportWriter,
    pages: Iterator[LeadPage],
    progress: Progress,
    out: Callable[[bytes], None],
) -> None:
    # Ids of the last two pages: a lead pushed down by newer ones is not written twice.
    recent: deque[set[str]] = deque(maxlen=2)
    for page in pages:
        seen_here: set[str] = set()
        leads = []
        for lead in page.leads:
            if lead.lead_id in seen_here or any(lead.lead_id in ids for ids in recent):
                continue
            seen_here.add(lead.lead_id)
            leads.append(lead)
        recent.append(seen_here)
        room = writer.room
        if room is not None and len(leads) > room:
            leads = leads[:room]
            progress.overflow = True
        lead_ids = [lead.lead_id for lead in leads]
        # The page's follow-ups in one query, in this thread (the fetches' have no database).
        followups = followups_of_page(agency=job.agency, lead_ids=lead_ids)
        batch = [
            row_values(job.columns, lead, followups.get(lead.lead_id, NO_FOLLOWUP), job.texts)
            for lead in leads
        ]
        out(writer.rows(batch))
        progress.rows += len(batch)
        progress.pages += 1
        progress.expected = max(progress.expected, page.count)
        _record_access(job, lead_ids)
        if job.on_page is not None:
            job.on_page(progress)
        if progress.overflow:
            return


def _record_access(job: ExportJob, lead_ids: list[str]) -> None:
    if job.access is None:
        return
    try:
        export_record_leads(job.access, lead_ids)
    except DatabaseError:
        # Logged for the administrator; the person's export goes on.
        logger.exception("export access record not saved", extra={"export_id": job.record.pk})


def export_write(job: ExportJob, out: Callable[[bytes], None]) -> Outcome:
    """Every page of the list through `out`, then how it ended. An upstream fault or a bug
    after page 1 ends the file as incomplete, never raises; a failure of `out` itself (the
    database of the worker's chunks) does raise."""
    progress = Progress(expected=job.expected)
    with translation.override(job.language):
        # Made here, in the export's language: headers and words are the person's.
        writer = writer_for(job.export_format, job.columns)
        out(writer.begin())
        reason = ""
        error = ""
        try:
            with closing(job.fetcher.pages()) as pages:
                _write_pages(job, writer, pages, progress, out)
            if progress.overflow:
                error = "limite de lignes d'Excel atteinte"
                reason = _(
                    "Excel ne peut pas afficher plus de lignes : réduisez la période "
                    "ou choisissez un export CSV."
                )
        except LeadsApiError as exc:
            error = f"{type(exc).__name__}: {exc.user_message}"
            reason = exc.user_message
            logger.warning(
                "export interrupted by the leads API",
                extra={
                    "export_id": job.record.pk,
                    "error": type(exc).__name__,
                    "rows": progress.rows,
                },
            )
        except Exception as exc:
            # A bug must not leave a file that looks whole either.
            error = f"erreur interne ({type(exc).__name__})"
            reason = _("Une erreur interne a interrompu l'export.")
            logger.exception("export failed while writing", extra={"export_id": job.record.pk})
        message = (
            incomplete_message(progress.rows, max(progress.expected, progress.rows), reason)
            if reason
            else None
        )
        out(writer.finish(incomplete_message=message))
        prefix = writer.prefix(incomplete_message=message)
    return Outcome(
        status=ExportStatus.INCOMPLETE if message else ExportStatus.COMPLETED,
        rows=progress.rows,
        error=error,
        incomplete_message=message,
        prefix=prefix,
    )


def log_finished(job: ExportJob, outcome: Outcome) -> None:
    logger.info(
        "export finished",
        extra={
            "export_id": job.record.pk,
            "status": str(outcome.status),
            "format": job.record.format,
            "background": job.record.background,
            "rows": outcome.rows,
            "expected": job.expected,
            "duration_ms": round((time.monotonic() - job.started) * 1000, 1),
            "upstream_calls": job.metrics.upstream_calls if job.metrics else None,
            "upstream_ms": round(job.metrics.upstream_ms, 1) if job.metrics else None,
        },
    )
