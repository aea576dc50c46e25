"""Bulk changes of the follow-up: one action on many leads of one agency, undoable for a minute.

Each change runs in one transaction through the same functions as a change on one lead (so
the rules, the history and the response times are the same) and says how many leads it
changed. Before it, what it will change is noted (stage, reason, assignee, first response,
reads); the note is kept `UNDO_SECONDS` in the cache under a random token, and the undo puts
every lead back as it was and removes what the change wrote (its events, its reminders), in one
transaction too. Only the person who made the change, in the same agency, can undo it.

The leads are given by id; only ids of the agency's lead index count (an id of another agency,
or made up, is left out): the index holds each lead's type, dates and listing, so a follow-up
can be created without asking the API.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.models import (
    AgencyLead,
    FollowupEvent,
    LeadFollowup,
    LeadRead,
    LostReason,
    Reminder,
)
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_status_set,
    response_times_changed,
)
from leadsportal.followup.reminders import reminder_set

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One action changes this many leads at most ("all N matching" above it is refused).
MAX_BULK_LEADS = 1_000
UNDO_SECONDS = 60

Action = Literal["assign", "stage", "read", "unread", "reminder"]


@dataclass(frozen=True, slots=True)
class BulkResult:
    action: Action
    changed: int  # leads whose follow-up, reads or reminders changed
    selected: int  # leads the action was asked for (of the agency)
    undo_token: str


def bulk_leads(*, agency: Agency, lead_ids: Iterable[str]) -> list[AgencyLead]:
    """The agency's index rows of these ids, newest first; other ids are left out."""
    wanted = list(dict.fromkeys(lead_ids))[: MAX_BULK_LEADS + 1]
    rows = AgencyLead.objects.filter(
        agency=agency, lead_id__in=wanted, expires_at__gt=timezone.now()
    )
    return list(rows.order_by("-lead_created_at", "lead_id"))


def _followups(agency: Agency, leads: Sequence[AgencyLead]) -> tuple[list[LeadFollowup], set[str]]:
    """The leads' follow-ups, created from their index rows where missing; and the ids of
    those created here (an undo removes them again)."""
    ids = [lead.lead_id for lead in leads]
    existing = set(
        LeadFollowup.objects.filter(agency=agency, lead_id__in=ids).values_list(
            "lead_id", flat=True
        )
    )
    missing = [lead for lead in leads if lead.lead_id not in existing]
    LeadFollowup.objects.bulk_create(
        [
            LeadFollowup(
                agency=agency,
                lead_id=lead.lead_id,
                lead_type=lead.lead_type,
                portal=lead.portal,
                classified_id=lead.classified_id,
                lead_created_at=lead.lead_created_at,
                expires_at=lead.expires_at,
                status=_new_code(agency),
            )
            for lead in missing
        ],
        ignore_conflicts=True,
    )
    rows = list(
        LeadFollowup.objects.filter(agency=agency, lead_id__in=ids)
        .select_related("agency", "assignee", "lost_reason")
        .order_by("-lead_created_at", "lead_id")
    )
    return rows, {lead.lead_id for lead in missing}


def _new_code(agency: Agency) -> str:
    from leadsportal.followup.pipeline import new_stage_code

    return new_stage_code(agency)


def _snapshot(rows: Sequence[LeadFollowup]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.pk,
            "status": row.status,
            "lost_reason_id": row.lost_reason_id,
            "assignee_id": row.assignee_id,
            "first_status_change_at": (
                row.first_status_change_at.isoformat() if row.first_status_change_at else None
            ),
            "response_seconds": row.response_seconds,
        }
        for row in rows
    ]


def _last_event_id() -> int:
    return FollowupEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _keep_for_undo(*, agency: Agency, actor: User, action: Action, undo: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(16)
    cache.set(
        _undo_key(token),
        {"agency_id": agency.pk, "user_id": actor.pk, "action": action, **undo},
        UNDO_SECONDS,
    )
    return token


def _undo_key(token: str) -> str:
    return f"followup:bulk-undo:{token}"


def _follow_up_change(
    *,
    agency: Agency,
    actor: User,
    leads: Sequence[AgencyLead],
    action: Action,
    change: Any,
) -> BulkResult:
    """Run `change(row) -> bool` on each lead's follow-up in one transaction, noting first
    what an undo needs."""
    with transaction.atomic():
        before_events = _last_event_id()
        rows, created = _followups(agency, leads)
        snapshot = _snapshot(rows)
        changed = sum(1 for row in rows if change(row))
        events = _events_since(before_events, rows, actor)
    token = _keep_for_undo(
        agency=agency,
        actor=actor,
        action=action,
        undo={"rows": snapshot, "events": events, "created": sorted(created)},
    )
    return BulkResult(action=action, changed=changed, selected=len(rows), undo_token=token)


def _events_since(before: int, rows: Sequence[LeadFollowup], actor: User) -> list[int]:
    """The history the change wrote on these follow-ups (what an undo deletes)."""
    return list(
        FollowupEvent.objects.filter(id__gt=before, followup__in=rows, actor=actor).values_list(
            "id", flat=True
        )
    )


def bulk_assign(
    *, agency: Agency, actor: User, leads: Sequence[AgencyLead], assignee: User | None
) -> BulkResult:
    """Give the leads to `assignee` (an active member; None: nobody)."""
    return _follow_up_change(
        agency=agency,
        actor=actor,
        leads=leads,
        action="assign",
        change=lambda row: followup_assignee_set(followup=row, actor=actor, assignee=assignee),
    )


def bulk_stage(
    *,
    agency: Agency,
    actor: User,
    leads: Sequence[AgencyLead],
    status: str,
    lost_reason: LostReason | None = None,
) -> BulkResult:
    """Move the leads to a stage of the pipeline (a lost stage with its reason)."""

    def change(row: LeadFollowup) -> bool:
        before = (row.status, row.lost_reason_id)
        followup_status_set(followup=row, actor=actor, status=status, lost_reason=lost_reason)
        return (row.status, row.lost_reason_id) != before

    return _follow_up_change(agency=agency, actor=actor, leads=leads, action="stage", change=change)


def bulk_reminder(
    *,
    agency: Agency,
    actor: User,
    leads: Sequence[AgencyLead],
    person: User,
    due_at: datetime,
    text: str = "",
) -> BulkResult:
    """One reminder per lead, for `person`, all due at the same time."""
    with transaction.atomic():
        before_events = _last_event_id()
        rows, created = _followups(agency, leads)
        reminders = [
            reminder_set(followup=row, created_by=actor, person=person, due_at=due_at, text=text).pk
            for row in rows
        ]
        events = _events_since(before_events, rows, actor)
    token = _keep_for_undo(
        agency=agency,
        actor=actor,
        action="reminder",
        undo={"rows": [], "events": events, "created": sorted(created), "reminders": reminders},
    )
    return BulkResult(action="reminder", changed=len(rows), selected=len(rows), undo_token=token)


def bulk_read(*, membership: Membership, leads: Sequence[AgencyLead], read: bool) -> BulkResult:
    """Mark the leads read (or unread again) for the member.

    A lead older than the member's last "tout marquer comme lu" is read whatever its marks
    (followup/unread.py): marking it unread changes nothing, and it is not counted.
    """
    watermark = membership.leads_read_before
    with transaction.atomic():
        ids = [lead.lead_id for lead in leads]
        marks = LeadRead.objects.filter(
            user_id=membership.user_id, agency_id=membership.agency_id, lead_id__in=ids
        )
        already = set(marks.values_list("lead_id", flat=True))
        if read:
            fresh = [
                lead
                for lead in leads
                if lead.lead_id not in already
                and (watermark is None or lead.lead_created_at >= watermark)
            ]
            LeadRead.objects.bulk_create(
                [
                    LeadRead(
                        user_id=membership.user_id,
                        agency_id=membership.agency_id,
                        lead_id=lead.lead_id,
                        lead_type=lead.lead_type,
                        lead_created_at=lead.lead_created_at,
                        expires_at=lead.expires_at,
                    )
                    for lead in fresh
                ],
                ignore_conflicts=True,
            )
            undo = {"read_added": [lead.lead_id for lead in fresh]}
            changed = len(fresh)
        else:
            removed = [
                lead
                for lead in leads
                if lead.lead_id in already
                and (watermark is None or lead.lead_created_at >= watermark)
            ]
            marks.filter(lead_id__in=[lead.lead_id for lead in removed]).delete()
            undo = {"read_removed": [lead.lead_id for lead in removed]}
            changed = len(removed)
    action: Action = "read" if read else "unread"
    token = _keep_for_undo(
        agency=membership.agency, actor=membership.user, action=action, undo=undo
    )
    return BulkResult(action=action, changed=changed, selected=len(leads), undo_token=token)


def bulk_undo(*, membership: Membership, token: str) -> int | None:
    """Put back what the change of `token` did; the number of leads put back, or None when
    there is nothing to undo (too late, already undone, someone else's)."""
    key = _undo_key(token)
    undo = cache.get(key)
    if (
        not isinstance(undo, dict)
        or undo.get("agency_id") != membership.agency_id
        or undo.get("user_id") != membership.user_id
    ):
        return None
    cache.delete(key)  # once
    agency_id = membership.agency_id
    with transaction.atomic():
        if "read_added" in undo:
            LeadRead.objects.filter(
                user_id=membership.user_id, agency_id=agency_id, lead_id__in=undo["read_added"]
            ).delete()
            return len(undo["read_added"])
        if "read_removed" in undo:
            leads = AgencyLead.objects.filter(agency_id=agency_id, lead_id__in=undo["read_removed"])
            LeadRead.objects.bulk_create(
                [
                    LeadRead(
                        user_id=membership.user_id,
                        agency_id=agency_id,
                        lead_id=lead.lead_id,
                        lead_type=lead.lead_type,
                        lead_created_at=lead.lead_created_at,
                        expires_at=lead.expires_at,
                    )
                    for lead in leads
                ],
                ignore_conflicts=True,
            )
            return len(undo["read_removed"])
        Reminder.objects.filter(
            pk__in=undo.get("reminders", []), followup__agency_id=agency_id
        ).delete()
        FollowupEvent.objects.filter(pk__in=undo["events"], followup__agency_id=agency_id).delete()
        for saved in undo["rows"]:
            first = saved["first_status_change_at"]
            LeadFollowup.objects.filter(pk=saved["id"], agency_id=agency_id).update(
                status=saved["status"],
                lost_reason_id=saved["lost_reason_id"],
                assignee_id=saved["assignee_id"],
                first_status_change_at=datetime.fromisoformat(first) if first else None,
                response_seconds=saved["response_seconds"],
                updated_at=timezone.now(),
            )
        # Follow-ups the change created and nothing else has touched since.
        LeadFollowup.objects.filter(
            agency_id=agency_id, lead_id__in=undo["created"], events__isnull=True
        ).filter(notes__isnull=True, reminders__isnull=True).delete()
        transaction.on_commit(lambda: response_times_changed(agency_id))
    return len(undo["rows"]) or len(undo.get("reminders", []))
