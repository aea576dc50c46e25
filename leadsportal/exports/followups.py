"""The follow-up of a page of exported leads: status, assignee, number of notes, response time.

One query per page of 100 leads (the follow-ups, their assignee and a count of their notes),
never one per row; the notes' text is not read at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count

from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Agency
from leadsportal.exports.columns import Followup
from leadsportal.followup.models import LeadFollowup


def followups_of_page(*, agency: Agency, lead_ids: Iterable[str]) -> dict[str, Followup]:
    """By lead id, the follow-ups the agency has of these leads (leads without one: absent)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    rows = (
        LeadFollowup.objects.filter(agency_id=agency.pk, lead_id__in=ids)
        .select_related("assignee")
        .annotate(note_count=Count("notes"))
        .order_by()
    )
    return {
        row.lead_id: Followup(
            status=row.status,
            assignee=member_label(row.assignee),
            notes=row.note_count,
            response_seconds=row.response_seconds,
        )
        for row in rows
    }
