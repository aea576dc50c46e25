"""The agency's follow-up of its leads: status, assignee, notes, history, response times, purge.

Every function takes the agency explicitly and only ever touches that agency's rows: a lead id
of another agency finds nothing here (and the API answers 404 for it, see `followup_open`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.contacts import lead_expires_at
from leadsportal.followup.fetching import lead_fetch
from leadsportal.followup.models import (
    ContactFingerprint,
    FollowupEvent,
    FollowupStatus,
    LeadFollowup,
    LeadNote,
    LeadRead,
)
from leadsportal.leads_api import Lead

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOTE_MAX_LENGTH = 2000


class FollowupError(ValueError):
    """A change the agency's rules refuse (e.g. an assignee from outside the agency)."""


def user_label(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def agency_members(*, agency: Agency) -> list[User]:
    """The agency's members, by name: who a lead can be assigned to (one query)."""
    memberships = (
        Membership.objects.filter(agency=agency)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    return [membership.user for membership in memberships]


def followup_get(*, agency: Agency, lead_id: str) -> LeadFollowup | None:
    return (
        LeadFollowup.objects.filter(agency=agency, lead_id=lead_id)
        .select_related("assignee")
        .first()
    )


def followups_for_leads(*, agency: Agency, lead_ids: Iterable[str]) -> dict[str, LeadFollowup]:
    """The follow-ups of a page of leads, by lead id (one query, none for an empty page)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    rows = LeadFollowup.objects.filter(agency=agency, lead_id__in=ids).select_related("assignee")
    return {row.lead_id: row for row in rows}


def followup_from_lead(*, agency: Agency, lead: Lead) -> LeadFollowup:
    """The lead's follow-up, created from the API's lead if it has none yet."""
    classified = lead.classified
    followup, _ = LeadFollowup.objects.select_related("assignee").get_or_create(
        agency=agency,
        lead_id=lead.lead_id,
        defaults={
            "lead_type": lead.lead_type.value,
            "portal": lead.meta.portal[:20],
            "classified_id": classified.classified_id if classified else None,
            "lead_created_at": lead.meta.creation_date,
            "expires_at": lead_expires_at(lead),
        },
    )
    return followup


def followup_open(*, agency: Agency, lead_id: str) -> LeadFollowup | None:
    """The follow-up to change: the existing one, else one created for a lead the API confirms
    belongs to the agency (cached fetch). None for an unknown or another agency's lead."""
    existing = followup_get(agency=agency, lead_id=lead_id)
    if existing is not None:
        return existing
    lead = lead_fetch(agency=agency, lead_id=lead_id)
    if lead is None:
        return None
    return followup_from_lead(agency=agency, lead=lead)


def _response_seconds(created: datetime, changed: datetime) -> int:
    return max(0, int((changed - created).total_seconds()))


def followup_status_set(
    *, followup: LeadFollowup, actor: User, status: str, now: datetime | None = None
) -> LeadFollowup:
    if status not in FollowupStatus.values:
        raise FollowupError(f"unknown status {status!r}")
    now = now or timezone.now()
    with transaction.atomic():
        row = LeadFollowup.objects.select_for_update().get(pk=followup.pk)
        if row.status == status:
            return followup
        old = row.status
        row.status = status
        if row.first_status_change_at is None:
            row.first_status_change_at = now
            row.response_seconds = _response_seconds(row.lead_created_at, now)
        row.save(
            update_fields=["status", "first_status_change_at", "response_seconds", "updated_at"]
        )
        FollowupEvent.objects.create(
            followup=row,
            actor=actor,
            kind=FollowupEvent.Kind.STATUS,
            old_value=old,
            new_value=status,
        )
    followup.status = row.status
    followup.first_status_change_at = row.first_status_change_at
    followup.response_seconds = row.response_seconds
    return followup


def followup_assignee_set(
    *, followup: LeadFollowup, actor: User, assignee: User | None
) -> LeadFollowup:
    if (
        assignee is not None
        and not Membership.objects.filter(agency_id=followup.agency_id, user=assignee).exists()
    ):
        raise FollowupError("the assignee is not a member of the agency")
    with transaction.atomic():
        row = (
            LeadFollowup.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=followup.pk)
        )
        if row.assignee_id == (assignee.pk if assignee else None):
            return followup
        old = user_label(row.assignee)
        row.assignee = assignee
        row.save(update_fields=["assignee", "updated_at"])
        FollowupEvent.objects.create(
            followup=row,
            actor=actor,
            kind=FollowupEvent.Kind.ASSIGNEE,
            old_value=old[:150],
            new_value=user_label(assignee)[:150],
        )
    followup.assignee = assignee
    return followup


def followup_note_add(*, followup: LeadFollowup, author: User, body: str) -> LeadNote:
    text = body.strip()
    if not text:
        raise FollowupError("empty note")
    if len(text) > NOTE_MAX_LENGTH:
        raise FollowupError("note too long")
    with transaction.atomic():
        note = LeadNote.objects.create(followup=followup, author=author, body=text)
        # The event says a note was added, never what it says (it may hold personal data).
        FollowupEvent.objects.create(followup=followup, actor=author, kind=FollowupEvent.Kind.NOTE)
        LeadFollowup.objects.filter(pk=followup.pk).update(updated_at=timezone.now())
    return note


@dataclass(frozen=True)
class FollowupHistory:
    notes: list[LeadNote]
    events: list[FollowupEvent]


def followup_history(*, followup: LeadFollowup | None) -> FollowupHistory:
    """Notes (oldest first) and events (newest first) with their authors: two queries."""
    if followup is None:
        return FollowupHistory(notes=[], events=[])
    return FollowupHistory(
        notes=list(followup.notes.select_related("author")),
        events=list(followup.events.select_related("actor")[:50]),
    )


@dataclass(frozen=True)
class ResponseTimeSummary:
    median_seconds: float | None
    count: int


def response_time_median(*, agency: Agency, start: datetime, end: datetime) -> ResponseTimeSummary:
    """Median time from creation to first status change of the agency's leads created in
    [start, end): one query (the response times of the period, a few thousand integers at most)."""
    values = list(
        LeadFollowup.objects.filter(
            agency=agency,
            lead_created_at__gte=start,
            lead_created_at__lt=end,
            response_seconds__isnull=False,
        )
        .order_by("response_seconds")
        .values_list("response_seconds", flat=True)
    )
    if not values:
        return ResponseTimeSummary(median_seconds=None, count=0)
    return ResponseTimeSummary(median_seconds=float(statistics.median(values)), count=len(values))


@dataclass(frozen=True)
class PurgeResult:
    followups: int
    notes: int
    events: int
    reads: int
    fingerprints: int


def followups_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete everything stored about leads past their expiration date (GDPR)."""
    now = now or timezone.now()
    followups = LeadFollowup.objects.filter(expires_at__lte=now)
    notes = LeadNote.objects.filter(followup__expires_at__lte=now)
    events = FollowupEvent.objects.filter(followup__expires_at__lte=now)
    reads = LeadRead.objects.filter(expires_at__lte=now)
    fingerprints = ContactFingerprint.objects.filter(expires_at__lte=now)
    if dry_run:
        return PurgeResult(
            followups=followups.count(),
            notes=notes.count(),
            events=events.count(),
            reads=reads.count(),
            fingerprints=fingerprints.count(),
        )
    with transaction.atomic():
        _, by_model = followups.delete()
        _, read_counts = reads.delete()
        _, fingerprint_counts = fingerprints.delete()
    return PurgeResult(
        followups=by_model.get(LeadFollowup._meta.label, 0),
        notes=by_model.get(LeadNote._meta.label, 0),
        events=by_model.get(FollowupEvent._meta.label, 0),
        reads=read_counts.get(LeadRead._meta.label, 0),
        fingerprints=fingerprint_counts.get(ContactFingerprint._meta.label, 0),
    )
