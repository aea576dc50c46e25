"""The exports' background work on Huey (docs/TASKS.md): big files, and their deletion a day later."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from leadsportal.exports.background import background_export_run, background_exports_abandon
from leadsportal.exports.files import export_files_purge
from leadsportal.watch.tasks import BACKGROUND, URGENT

logger = logging.getLogger(__name__)

# Someone watches its progress bar: after the watcher's polls, before backfills and re-reads.
FOR_A_PERSON = (URGENT + BACKGROUND) // 2


@db_task(priority=FOR_A_PERSON)
def export_build(record_id: int) -> None:
    """Prepare the file of one export of more than LEADS_EXPORT_BACKGROUND_PAGES pages."""
    background_export_run(record_id=record_id)


@db_periodic_task(crontab(minute="*/10"), priority=BACKGROUND)
def export_files_expire() -> None:
    """Files older than LEADS_EXPORT_FILE_HOURS go; jobs whose worker died are marked failed.
    Every consumer runs it: both are idempotent."""
    deleted = export_files_purge()
    abandoned = background_exports_abandon()
    if deleted or abandoned:
        logger.info("export files expired", extra={"files": deleted, "jobs_abandoned": abandoned})
