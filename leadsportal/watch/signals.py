"""A new agency's lead index is backfilled (its last 92 days) by the workers, not the request;
a webhook call (AVIV Seeker Leads) makes the watcher poll its agency now, on the workers too."""

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


def webhook_poll(sender: type[Agency], agency: Agency, **kwargs: Any) -> None:
    """A webhook said the agency has a new lead: poll it on the worker, not in the request."""
    from leadsportal.watch.tasks import watch_poll_now

    try:
        watch_poll_now(agency.pk)
    except Exception:
        # The queue is down: the regular polling finds the lead all the same.
        logger.exception("webhook poll not queued", extra={"agency_id": agency.pk})
