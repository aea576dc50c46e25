"""One export from first page to last byte, and its audit record.

The view fetches page 1 itself: if the upstream fails then, nothing has been sent and the person
gets an error page. From the first byte on, a failure can no longer change the HTTP status, so
the file itself says it: a last row "EXPORT INCOMPLET — …" (and, in XLSX, a first sheet saying
so), and the audit record is marked incomplete. The record is finished in a `finally`, so a
download abandoned by the browser is recorded too (incomplete, with the rows sent so far).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from leadsportal.exports.columns import Column, Texts, row_values
from leadsportal.exports.fetching import PageFetcher
from leadsportal.exports.models import ExportFormat, ExportRecord, ExportStatus
from leadsportal.exports.writers import ExportWriter, writer_for
from leadsportal.followup.access_record import export_record_leads
from leadsportal.followup.models import AccessRecord
from leadsportal.leads_api import LeadPage, LeadsApiError
from leadsportal.lib.request_metrics import RequestMetrics

logger = logging.getLogger(__name__)


@dataclass
class ExportJob:
    record: ExportRecord
    fetcher: PageFetcher
    columns: tuple[Column, ...]
    export_format: ExportFormat
    texts: Texts
    expected: int
    started: float  # time.monotonic() when the view began
    language: str
    metrics: RequestMetrics | None = None
    streaming: bool = False  # set once the first byte is produced
    # Who exported which leads (the managers' access record), filled page by page.
    access: AccessRecord | None = None


def _grouped(value: int) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def incomplete_message(written: int, expected: int, reason: str) -> str:
    return _(
        "EXPORT INCOMPLET — %(written)s leads exportés sur %(expected)s. %(reason)s "
        "Ce fichier est tronqué : relancez l'export."
    ) % {"written": _grouped(written), "expected": _grouped(expected), "reason": reason}


def finish_record(
    record: ExportRecord,
    *,
    status: ExportStatus,
    rows: int,
    started: float,
    error: str = "",
    expected: int | None = None,
) -> None:
    """One UPDATE; a database problem here is logged, never raised over the download."""
    fields = {
        "status": status,
        "row_count": rows,
        "finished_at": timezone.now(),
        "duration": timedelta(seconds=time.monotonic() - started),
        "error": error[:300],
    }
    if expected is not None:
        fields["expected_count"] = expected
    for name, value in fields.items():
        setattr(record, name, value)
    try:
        ExportRecord.objects.filter(pk=record.pk).update(**fields)
    except DatabaseError:
        logger.exception("export record not saved", extra={"export_id": record.pk})


@dataclass
class _Progress:
    rows: int = 0
    overflow: bool = False


def _write_pages(
    job: ExportJob, writer: ExportWriter, pages: Iterator[LeadPage], progress: _Progress
) -> Iterator[bytes]:
    # Ids of the last two pages: a lead pushed down by newer ones is not written twice.
    recent: deque[set[str]] = deque(maxlen=2)
    for page in pages:
        seen_here: set[str] = set()
        batch = []
        lead_ids = []
        for lead in page.leads:
            if lead.lead_id in seen_here or any(lead.lead_id in ids for ids in recent):
                continue
            seen_here.add(lead.lead_id)
            batch.append(row_values(job.columns, lead, job.texts))
            lead_ids.append(lead.lead_id)
        recent.append(seen_here)
        room = writer.room
        if room is not None and len(batch) > room:
            batch, lead_ids = batch[:room], lead_ids[:room]
            progress.overflow = True
        chunk = writer.rows(batch)
        progress.rows += len(batch)
        _record_access(job, lead_ids)
        if chunk:
            yield chunk
        if progress.overflow:
            return


def _record_access(job: ExportJob, lead_ids: list[str]) -> None:
    if job.access is None:
        return
    try:
        export_record_leads(job.access, lead_ids)
    except DatabaseError:
        # Logged for the administrator; the person's download goes on.
        logger.exception("export access record not saved", extra={"export_id": job.record.pk})


def stream_export(job: ExportJob) -> Iterator[bytes]:
    job.streaming = True
    status = ExportStatus.INCOMPLETE
    error = "interrompu avant la fin (connexion fermée ?)"
    progress = _Progress()
    try:
        with translation.override(job.language):
            # Made here, not in the view: nothing is allocated for a response never iterated.
            writer = writer_for(job.export_format, job.columns)
            yield writer.begin()
            reason = ""
            try:
                with closing(job.fetcher.pages()) as pages:
                    yield from _write_pages(job, writer, pages, progress)
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
                logger.exception(
                    "export failed while streaming", extra={"export_id": job.record.pk}
                )
            if reason:
                yield writer.finish(
                    incomplete_message=incomplete_message(progress.rows, job.expected, reason)
                )
            else:
                yield writer.finish()
                status, error = ExportStatus.COMPLETED, ""
    finally:
        finish_record(
            job.record, status=status, rows=progress.rows, started=job.started, error=error
        )
        logger.info(
            "export finished",
            extra={
                "export_id": job.record.pk,
                "status": str(status),
                "format": job.record.format,
                "rows": progress.rows,
                "expected": job.expected,
                "duration_ms": round((time.monotonic() - job.started) * 1000, 1),
                "upstream_calls": job.metrics.upstream_calls if job.metrics else None,
                "upstream_ms": round(job.metrics.upstream_ms, 1) if job.metrics else None,
            },
        )


class ExportStream:
    """The response's content: the stream, plus a `close()` that Django calls when the
    response ends, which records an export whose stream never began (browser gone at once)."""

    def __init__(self, job: ExportJob) -> None:
        self._job = job
        self._stream = stream_export(job)

    def __iter__(self) -> Iterator[bytes]:
        return self._stream

    def close(self) -> None:
        self._stream.close()
        if not self._job.streaming:
            finish_record(
                self._job.record,
                status=ExportStatus.INCOMPLETE,
                rows=0,
                started=self._job.started,
                error="abandonné avant le premier octet",
            )
