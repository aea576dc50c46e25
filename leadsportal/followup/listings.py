"""The agency's listings as its lead index knows them: by reference, and as suggestions.

Every list shows a listing as its reference (`PAR-2026-3734`); the API filters by number. The
index holds both for every lead it has (and the listing's title), so a reference typed in the
listing filter or the search becomes the number without asking the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import AgencyLead

MAX_SUGGESTIONS = 12


@dataclass(frozen=True)
class ListingSuggestion:
    classified_id: int
    reference: str
    title: str
    leads: int


def _listings(agency: Agency, now: datetime | None) -> QuerySet[AgencyLead]:
    return AgencyLead.objects.filter(
        agency=agency, classified_id__isnull=False, expires_at__gt=now or timezone.now()
    )


def listing_by_reference(
    *, agency: Agency, reference: str, now: datetime | None = None
) -> int | None:
    """The number of the agency's listing with this reference (case ignored), if the index has
    a lead of it; the most recent one if two listings ever shared a reference."""
    row = (
        _listings(agency, now)
        .filter(classified_reference__iexact=reference.strip())
        .order_by("-lead_created_at")
        .values_list("classified_id", flat=True)
        .first()
    )
    return int(row) if row is not None else None


def listing_suggestions(
    *, agency: Agency, typed: str, now: datetime | None = None, limit: int = MAX_SUGGESTIONS
) -> list[ListingSuggestion]:
    """The agency's listings whose reference, title or number contains what was typed, those
    with the most leads first."""
    text = typed.strip()
    rows = _listings(agency, now)
    if text:
        matches = Q(classified_reference__icontains=text) | Q(classified_title__icontains=text)
        if text.isdigit():
            matches |= Q(classified_id=int(text)) if len(text) <= 18 else Q()
        rows = rows.filter(matches)
    grouped = (
        rows.values("classified_id")
        .annotate(
            leads=Count("pk"), reference=Max("classified_reference"), title=Max("classified_title")
        )
        .order_by("-leads", "reference")[:limit]
    )
    return [
        ListingSuggestion(
            classified_id=int(row["classified_id"] or 0),  # never None: filtered above
            reference=row["reference"] or "",
            title=row["title"] or "",
            leads=row["leads"],
        )
        for row in grouped
    ]
