"""Reminders: call-backs on a lead ("rappeler mardi 10 h") for one member of the agency.

Times are entered as a wall-clock time in Europe/Paris and stored in UTC. Each change (set,
done, snoozed, cancelled) is a FollowupEvent of kind REMINDER, so that the lead's timeline
shows it. Telling a person that a reminder fell due is the scheduled task's job
(watch/reminders.py): `reminders_claim_due` hands each due reminder out once, whatever the
number of workers asking at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.models import FollowupEvent, LeadFollowup, Reminder

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PARIS: Final = ZoneInfo("Europe/Paris")
REMINDER_TEXT_MAX_LENGTH: Final = 200
# "Demain 9 h": the hour an agency's day starts.
MORNING: Final = time(9, 0)
SNOOZE_HOUR: Final = timedelta(hours=1)


class ReminderError(ValueError):
    """A reminder the rules refuse; the message is for the person."""


@dataclass(frozen=True)
class ParisTime:
    """A wall-clock time typed in Paris, as the moment it means.

    `shifted` is set when the time does not exist that day (the clocks jump from 02:00 to 03:00
    on the last Sunday of March): 02:30 then means 03:30, one hour after 01:30. A time that
    happens twice (02:30 on the last Sunday of October) means the first one, summer time: a
    call-back "at 02:30" is due at the earliest of them.
    """

    moment: datetime  # aware, UTC
    shifted: bool = False


def paris_time(wall: datetime) -> ParisTime:
    """The moment a naive wall-clock time of Paris means (see ParisTime for the DST days)."""
    if wall.tzinfo is not None:
        wall = wall.astimezone(PARIS).replace(tzinfo=None)
    local = wall.replace(tzinfo=PARIS, fold=0)
    moment = local.astimezone(ZoneInfo("UTC"))
    # A time in the spring gap comes back different from the UTC round trip.
    shifted = moment.astimezone(PARIS).replace(tzinfo=None) != wall
    return ParisTime(moment=moment, shifted=shifted)


def paris_wall(moment: datetime) -> datetime:
    """The naive Paris wall-clock time of a moment (what a datetime-local input shows)."""
    return moment.astimezone(PARIS).replace(tzinfo=None)


def reminder_when_label(moment: datetime) -> str:
    """dd/mm/yyyy HH:MM in Paris, as the history says it."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def tomorrow_morning(now: datetime) -> datetime:
    """9:00 in Paris the day after `now` (in Paris), whatever the offset of either day."""
    day: date = now.astimezone(PARIS).date() + timedelta(days=1)
    return paris_time(datetime.combine(day, MORNING)).moment


def end_of_paris_day(now: datetime) -> datetime:
    day = now.astimezone(PARIS).date() + timedelta(days=1)
    return paris_time(datetime.combine(day, time.min)).moment


def _check_person(agency_id: int, person: User) -> None:
    if not Membership.objects.filter(agency_id=agency_id, user=person, active=True).exists():
        raise ReminderError("not an active member")


def _check_future(due_at: datetime, now: datetime) -> None:
    # The input has minutes: the current minute is "now", accepted (told at once).
    if due_at < now.replace(second=0, microsecond=0):
        raise ReminderError("in the past")


def _record(reminder: Reminder, actor: User | None, action: str) -> None:
    FollowupEvent.objects.create(
        followup_id=reminder.followup_id,
        actor=actor,
        kind=FollowupEvent.Kind.REMINDER,
        new_value=action,
        old_value=f"{member_label(reminder.person)}, {reminder_when_label(reminder.due_at)}"[:150],
    )
    LeadFollowup.objects.filter(pk=reminder.followup_id).update(updated_at=timezone.now())


def reminder_set(
    *,
    followup: LeadFollowup,
    created_by: User,
    person: User,
    due_at: datetime,
    text: str = "",
    now: datetime | None = None,
) -> Reminder:
    """A new reminder for `person` (the creator or an active colleague), due at `due_at`."""
    now = now or timezone.now()
    _check_person(followup.agency_id, person)
    _check_future(due_at, now)
    cleaned = " ".join(text.split())
    if len(cleaned) > REMINDER_TEXT_MAX_LENGTH:
        raise ReminderError("text too long")
    with transaction.atomic():
        reminder = Reminder.objects.create(
            followup=followup, person=person, created_by=created_by, due_at=due_at, text=cleaned
        )
        _record(reminder, created_by, "set")
    return reminder


def _locked_open(reminder: Reminder) -> Reminder:
    row = Reminder.objects.select_for_update().select_related("person").get(pk=reminder.pk)
    if not row.is_open:
        raise ReminderError("closed")
    return row


def reminder_done(*, reminder: Reminder, actor: User, now: datetime | None = None) -> Reminder:
    with transaction.atomic():
        row = _locked_open(reminder)
        row.done_at = now or timezone.now()
        row.save(update_fields=["done_at"])
        _record(row, actor, "done")
    return row


def reminder_cancel(*, reminder: Reminder, actor: User, now: datetime | None = None) -> Reminder:
    with transaction.atomic():
        row = _locked_open(reminder)
        row.cancelled_at = now or timezone.now()
        row.save(update_fields=["cancelled_at"])
        _record(row, actor, "cancelled")
    return row


def reminder_snooze(
    *, reminder: Reminder, actor: User, until: datetime, now: datetime | None = None
) -> Reminder:
    """Due again at `until`, and told again then (its person learns of it once more)."""
    now = now or timezone.now()
    _check_future(until, now)
    with transaction.atomic():
        row = _locked_open(reminder)
        row.due_at = until
        row.notified_at = None
        row.save(update_fields=["due_at", "notified_at"])
        _record(row, actor, "snoozed")
    return row


def reminder_of_agency(*, agency: Agency, reminder_id: int) -> Reminder | None:
    """A reminder of one of the agency's leads; None for another agency's (or no) reminder."""
    return (
        Reminder.objects.filter(pk=reminder_id, followup__agency=agency)
        .select_related("followup", "person")
        .first()
    )


def reminders_open_of_lead(*, followup: LeadFollowup | None) -> list[Reminder]:
    """The lead's open reminders, soonest first, with their person (one query)."""
    if followup is None:
        return []
    return list(
        Reminder.objects.filter(
            followup=followup, done_at__isnull=True, cancelled_at__isnull=True
        ).select_related("person")
    )


def _open() -> QuerySet[Reminder]:
    return Reminder.objects.filter(done_at__isnull=True, cancelled_at__isnull=True)


def reminders_due_lead_ids(
    *, agency: Agency, person_id: int, now: datetime | None = None
) -> QuerySet[Any]:
    """The ids of the leads with an open reminder of this person due today (Paris) or earlier,
    the oldest due first (unevaluated: a page of them is read, and their count)."""
    now = now or timezone.now()
    return (
        _open()
        .filter(
            followup__agency=agency,
            followup__expires_at__gt=now,
            person_id=person_id,
            due_at__lt=end_of_paris_day(now),
        )
        .values("followup__lead_id")
        .annotate(first_due=Min("due_at"))
        .order_by("first_due", "followup__lead_id")
        .values_list("followup__lead_id", flat=True)
    )


def overdue_lead_ids(
    *, agency: Agency, lead_ids: list[str], now: datetime | None = None
) -> frozenset[str]:
    """Which of these leads have an open reminder past its time (anyone's): one query."""
    if not lead_ids:
        return frozenset()
    rows = _open().filter(
        followup__agency=agency,
        followup__lead_id__in=lead_ids,
        due_at__lte=now or timezone.now(),
    )
    return frozenset(rows.values_list("followup__lead_id", flat=True).distinct())


def reminders_claim_due(
    *, now: datetime | None = None, reminder_ids: list[int] | None = None, limit: int = 500
) -> list[Reminder]:
    """The open reminders due by `now` that nobody was told of yet, each marked told
    (`notified_at`) by this call only: a conditional update per reminder, so that two workers
    asking at the same time never both get one. Call inside a transaction to tell them in it."""
    now = now or timezone.now()
    candidates = _open().filter(notified_at__isnull=True, due_at__lte=now)
    if reminder_ids is not None:
        candidates = candidates.filter(pk__in=reminder_ids)
    claimed: list[Reminder] = []
    for row in candidates.select_related("followup__agency").order_by("due_at", "id")[:limit]:
        taken = Reminder.objects.filter(
            pk=row.pk, notified_at__isnull=True, due_at=row.due_at
        ).update(notified_at=now)
        if taken:
            row.notified_at = now
            claimed.append(row)
    return claimed
