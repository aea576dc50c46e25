"""Questions the agency lead index answers about one lead, without asking the API."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from leadsportal.followup.models import AgencyLead


def agency_of_lead(*, lead_id: str, among: Iterable[int]) -> int | None:
    """Which of these agencies has this lead in its index (a lead id is unique per client)."""
    agency_ids = list(among)
    if not agency_ids:
        return None
    return (
        AgencyLead.objects.filter(
            lead_id=lead_id, agency_id__in=agency_ids, expires_at__gt=timezone.now()
        )
        .values_list("agency_id", flat=True)
        .first()
    )
