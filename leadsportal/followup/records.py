"""The follow-up records of the agency's leads: status, assignee, notes, history, response times.

Reads (`followup_get`, `followups_for_leads`, `followups_matching`, ...) and writes
(`followup_status_set`, ...) of `LeadFollowup` and its notes and events. Every function takes
the agency explicitly and only ever touches that agency's rows: a lead id of another agency
finds nothing here (and the API answers 404 for it, see `followup_open`).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.upstream import lead_get
from leadsportal.followup.expiry import lead_expires_at
from leadsportal.followup.models import (
    AgencyLead,
    FollowupEvent,
    FollowupStatus,
    LeadFollowup,
    LeadNote,
    LeadRead,
    LostReason,
)
from leadsportal.followup.pipeline import stage_get
from leadsportal.leads_api import Lead, LeadFamily, SearchCriteria
from leadsportal.lib.generations import generation_bump

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOTE_MAX_LENGTH = 2000
RESPONSE_TIMES_CACHE_SECONDS = 300


class FollowupError(ValueError):
    """A change the agency's rules refuse (e.g. an assignee from outside the agency)."""


@dataclass(frozen=True)
class LocalFilter:
    """The follow-up filters of a list: leads known only from our database."""

    status: str = ""
    assignee_id: int | None = None
    unassigned: bool = False
    # No first answer (status change) this long after the lead arrived.
    waiting_over: timedelta | None = None
    # Unread by this member: (user id, the member's read watermark, see followup/unread.py).
    unread_by: tuple[int, datetime] | None = None

    @property
    def active(self) -> bool:
        return bool(self.status) or self.assignee_id is not None or self.needs_index

    @property
    def needs_index(self) -> bool:
        """Filters about leads that may have no follow-up row yet: answered from the index."""
        return self.unassigned or self.waiting_over is not None or self.unread_by is not None


def local_lead_ids(
    *, agency: Agency, family: LeadFamily, criteria: SearchCriteria, local: LocalFilter
) -> QuerySet[Any]:
    """The ids of the agency's leads a list's local filters select, newest first (unevaluated)."""
    return local_leads_matching(
        agency=agency, family=family, criteria=criteria, local=local
    ).values_list("lead_id", flat=True)


def local_leads_matching(
    *,
    agency: Agency,
    family: LeadFamily,
    criteria: SearchCriteria,
    local: LocalFilter,
    now: datetime | None = None,
) -> QuerySet[Any]:
    """The rows (lead id, type, creation and expiry) of the leads a list's local filters
    select, newest first, unevaluated.

    Status and assignee alone read the follow-ups; "non assigné", "sans réponse" and "non lus"
    concern leads nobody has touched, so they read the agency lead index (every lead the
    dashboard has received) and look for what the follow-up and the reads say of each.
    """
    if not local.needs_index:
        return followups_matching(agency=agency, family=family, criteria=criteria, local=local)
    now = now or timezone.now()
    index = _within(
        AgencyLead.objects.filter(agency_id=agency.pk, expires_at__gt=now), family, criteria
    )
    followups = LeadFollowup.objects.filter(agency_id=agency.pk, lead_id=OuterRef("lead_id"))
    if local.status == FollowupStatus.NEW:
        # A lead without a follow-up row is new too.
        index = index.exclude(Exists(followups.exclude(status=FollowupStatus.NEW)))
    elif local.status:
        index = index.filter(Exists(followups.filter(status=local.status)))
    if local.assignee_id is not None:
        index = index.filter(Exists(followups.filter(assignee_id=local.assignee_id)))
    if local.unassigned:
        index = index.exclude(Exists(followups.filter(assignee__isnull=False)))
    if local.waiting_over is not None:
        index = index.filter(lead_created_at__lte=now - local.waiting_over).exclude(
            Exists(followups.filter(response_seconds__isnull=False))
        )
    if local.unread_by is not None:
        user_id, watermark = local.unread_by
        reads = LeadRead.objects.filter(
            user_id=user_id, agency_id=agency.pk, lead_id=OuterRef("lead_id")
        )
        index = index.filter(lead_created_at__gte=watermark).exclude(Exists(reads))
    return index.order_by("-lead_created_at", "lead_id")


def followups_matching(
    *, agency: Agency, family: LeadFamily, criteria: SearchCriteria, local: LocalFilter
) -> QuerySet[LeadFollowup]:
    """Unevaluated queryset of the agency's follow-ups matching a list's filters, newest first."""
    rows = _within(LeadFollowup.objects.filter(agency_id=agency.pk), family, criteria)
    if local.status:
        rows = rows.filter(status=local.status)
    if local.assignee_id is not None:
        rows = rows.filter(assignee_id=local.assignee_id)
    return rows.order_by("-lead_created_at", "lead_id")


def _within[Rows: QuerySet[Any]](rows: Rows, family: LeadFamily, criteria: SearchCriteria) -> Rows:
    """The rows of leads a list's API criteria would return (period, family, portal, listing):
    follow-ups and index rows have the same fields for it."""
    rows = rows.filter(lead_created_at__gte=criteria.start, lead_created_at__lt=criteria.end)
    if family.lead_type is not None:
        rows = rows.filter(lead_type=family.lead_type.value)
    if criteria.portals:
        rows = rows.filter(portal__in=criteria.portals)
    if criteria.classified_ids:
        rows = rows.filter(classified_id__in=criteria.classified_ids)
    return rows


def followup_get(*, agency: Agency, lead_id: str) -> LeadFollowup | None:
    return (
        LeadFollowup.objects.filter(agency=agency, lead_id=lead_id)
        .select_related("assignee", "lost_reason")
        .first()
    )


def followups_for_leads(*, agency: Agency, lead_ids: Iterable[str]) -> dict[str, LeadFollowup]:
    """The follow-ups of a page of leads, by lead id (one query, none for an empty page)."""
    ids = list(lead_ids)
    if not ids:
        return {}
    rows = LeadFollowup.objects.filter(agency=agency, lead_id__in=ids).select_related(
        "assignee", "lost_reason"
    )
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
    lead = lead_get(agency=agency, lead_id=lead_id)
    if lead is None:
        return None
    return followup_from_lead(agency=agency, lead=lead)


def _response_seconds(created: datetime, changed: datetime) -> int:
    return max(0, int((changed - created).total_seconds()))


def followup_status_set(
    *,
    followup: LeadFollowup,
    actor: User,
    status: str,
    lost_reason: LostReason | None = None,
    now: datetime | None = None,
) -> LeadFollowup:
    """Move the lead to a stage of its agency's pipeline. A stage of kind "lost" needs one of
    the agency's reasons (recorded with the event); leaving it clears the reason."""
    stage = stage_get(followup.agency, status)
    if stage is None:
        raise FollowupError(f"unknown stage {status!r}")
    if stage.is_lost:
        if lost_reason is None or lost_reason.agency_id != followup.agency_id:
            raise FollowupError("a lost lead needs one of the agency's reasons")
    else:
        lost_reason = None
    now = now or timezone.now()
    with transaction.atomic():
        row = LeadFollowup.objects.select_for_update().get(pk=followup.pk)
        reason_id = lost_reason.pk if lost_reason else None
        if row.status == status and row.lost_reason_id == reason_id:
            return followup
        if lost_reason is not None and lost_reason.archived and row.lost_reason_id != reason_id:
            # An archived reason stays on the leads that have it, but is no longer chosen.
            raise FollowupError("an archived lost reason")
        old = row.status
        row.status = status
        row.lost_reason = lost_reason
        if row.first_status_change_at is None:
            row.first_status_change_at = now
            row.response_seconds = _response_seconds(row.lead_created_at, now)
            # Now, and again after the commit: a median read in between would store the old
            # figure again.
            agency_id = row.agency_id
            response_times_changed(agency_id)
            transaction.on_commit(lambda: response_times_changed(agency_id))
        row.save(
            update_fields=[
                "status",
                "lost_reason",
                "first_status_change_at",
                "response_seconds",
                "updated_at",
            ]
        )
        FollowupEvent.objects.create(
            followup=row,
            actor=actor,
            kind=FollowupEvent.Kind.STATUS,
            old_value=old,
            new_value=status,
            lost_reason=lost_reason,
        )
    followup.status = row.status
    followup.lost_reason = row.lost_reason
    followup.first_status_change_at = row.first_status_change_at
    followup.response_seconds = row.response_seconds
    return followup


def followup_assignee_set(
    *,
    followup: LeadFollowup,
    actor: User | None,
    assignee: User | None,
    only_if_unassigned: bool = False,
) -> bool:
    """Assign the lead (None: nobody); True when it changed hands. actor=None is the agency's
    assignment rule; only_if_unassigned leaves a lead that someone took meanwhile with them
    (claims, rules). `followup` is updated in place either way."""
    if (
        assignee is not None
        and not Membership.objects.filter(
            agency_id=followup.agency_id, user=assignee, active=True
        ).exists()
    ):
        # A deactivated (or only invited) colleague gets no lead either.
        raise FollowupError("the assignee is not an active member of the agency")
    with transaction.atomic():
        row = (
            LeadFollowup.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .get(pk=followup.pk)
        )
        if row.assignee_id == (assignee.pk if assignee else None) or (
            only_if_unassigned and row.assignee_id is not None
        ):
            followup.assignee = row.assignee
            return False
        old = member_label(row.assignee)
        row.assignee = assignee
        row.save(update_fields=["assignee", "updated_at"])
        FollowupEvent.objects.create(
            followup=row,
            actor=actor,
            kind=FollowupEvent.Kind.ASSIGNEE,
            automatic=actor is None,
            old_value=old[:150],
            new_value=member_label(assignee)[:150],
        )
    followup.assignee = assignee
    return True


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
        events=list(followup.events.select_related("actor", "lost_reason")[:50]),
    )


def response_times_changed(agency_id: int) -> None:
    generation_bump(_response_times_generation_key(agency_id))


@dataclass(frozen=True)
class ResponseTimeSummary:
    median_seconds: float | None
    count: int


def _response_times_generation_key(agency_id: int) -> str:
    return f"records:response-times:generation:{agency_id}"


def response_time_median(*, agency: Agency, start: datetime, end: datetime) -> ResponseTimeSummary:
    """Median time from creation to first status change of the agency's leads created in
    [start, end): one query (the response times of the period, a few thousand integers at most),
    then remembered until a first response of the agency changes it (`followup_status_set`
    moves the agency's generation) or RESPONSE_TIMES_CACHE_SECONDS pass (the daily purge)."""
    generation_key = _response_times_generation_key(agency.pk)
    key = f"records:response-times:{agency.pk}:{int(start.timestamp())}:{int(end.timestamp())}"
    cached = cache.get_many([generation_key, key])
    generation = cached.get(generation_key, 0)
    remembered = cached.get(key)
    if remembered is not None and remembered[0] == generation:
        return ResponseTimeSummary(median_seconds=remembered[1], count=remembered[2])
    summary = _response_time_median_query(agency=agency, start=start, end=end)
    cache.set(
        key,
        (generation, summary.median_seconds, summary.count),
        timeout=RESPONSE_TIMES_CACHE_SECONDS,
    )
    return summary


def _response_time_median_query(
    *, agency: Agency, start: datetime, end: datetime
) -> ResponseTimeSummary:
    values = [
        seconds
        for seconds in LeadFollowup.objects.filter(
            agency=agency,
            lead_created_at__gte=start,
            lead_created_at__lt=end,
            response_seconds__isnull=False,
        )
        .order_by("response_seconds")
        .values_list("response_seconds", flat=True)
        if seconds is not None
    ]
    if not values:
        return ResponseTimeSummary(median_seconds=None, count=0)
    return ResponseTimeSummary(median_seconds=float(statistics.median(values)), count=len(values))
