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

from leadsportal import seeker_api
from leadsportal.agencies.models import Agency
from leadsportal.followup.models import AgencyLead

MAX_SUGGESTIONS = 12


@dataclass(frozen=True)
class ListingSuggestion:
    classified_id: int
    reference: str
    title: str
    leads: int
    number: str  # as the portal writes it (a Seeker listing's 12-character id)


def listing_number_label(*, agency: Agency, classified_id: int) -> str:
    """The listing's number as the lead's page shows it: on Seeker Leads the portal's own id,
    of which our number is a one-to-one encoding (docs/UPSTREAMS.md, "Listings")."""
    if agency.is_seeker:
        return seeker_api.classified_code(classified_id) or str(classified_id)
    return str(classified_id)


def portal_listing_number(*, agency: Agency, typed: str) -> int | None:
    """On Seeker Leads, the number of the listing whose portal id (the "n°" its leads show,
    any case) was typed; None for anything else, and on GSL v2."""
    portal_id = typed.strip().upper()
    if agency.is_seeker and seeker_api.CLASSIFIED_ID_PATTERN.fullmatch(portal_id):
        return seeker_api.classified_number(portal_id)
    return None


def _listings(agency: Agency, now: datetime | None) -> QuerySet[AgencyLead]:
    return AgencyLead.objects.filter(
        agency=agency, classified_id__isnull=False, expires_at__gt=now or timezone.now()
    )


def listing_by_reference(
    *, agency: Agency, reference: str, now: datetime | None = None
) -> int | None:
    """The number of the agency's listing with this reference (case ignored), if the index has
    a lead of it; the most recent one if two listings ever shared a reference. On Seeker Leads
    the portal's id of a listing (the "n°" its leads show) is its number too."""
    row = (
        _listings(agency, now)
        .filter(classified_reference__iexact=reference.strip())
        .order_by("-lead_created_at")
        .values_list("classified_id", flat=True)
        .first()
    )
    if row is not None:
        return int(row)
    return portal_listing_number(agency=agency, typed=reference)


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
        elif (number := portal_listing_number(agency=agency, typed=text)) is not None:
            matches |= Q(classified_id=number)
        rows = rows.filter(matches)
    grouped = (
        rows.values("classified_id")
        .annotate(
            leads=Count("pk"), reference=Max("classified_reference"), title=Max("classified_title")
        )
        .order_by("-leads", "reference")[:limit]
    )
    suggestions = []
    for row in grouped:
        classified_id = int(row["classified_id"] or 0)  # never None: filtered above
        suggestions.append(
            ListingSuggestion(
                classified_id=classified_id,
                reference=row["reference"] or "",
                title=row["title"] or "",
                leads=row["leads"],
                number=listing_number_label(agency=agency, classified_id=classified_id),
            )
        )
    return suggestions
