"""A new agency's lead index is backfilled (its last 92 days) by the workers, not the request."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from leadsportal.agencies.models import Agency

logger = logging.getLogger(__name__)


def agency_saved(sender: type[Agency], instance: Agency, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from leadsportal.watch.tasks import agency_backfill

        agency_id = instance.pk

        def enqueue() -> None:
            try:
                agency_backfill(agency_id)
            except Exception:
                # The queue is down: the daily re-read will index the agency all the same.
                logger.exception("lead index: backfill not queued", extra={"agency_id": agency_id})

        transaction.on_commit(enqueue)
