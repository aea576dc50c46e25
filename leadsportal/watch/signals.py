"""A new agency's lead index is backfilled (its last 92 days) by the workers, not the request."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from leadsportal.agencies.models import Agency


def agency_saved(sender: type[Agency], instance: Agency, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from leadsportal.watch.tasks import agency_backfill

        agency_id = instance.pk
        transaction.on_commit(lambda: agency_backfill(agency_id))
