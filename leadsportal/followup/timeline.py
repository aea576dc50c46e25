"""One timeline per lead: everything the agency did with it, newest first.

Built from the rows that already record each thing (no table of its own): the lead's arrival
(the agency lead index, else its follow-up), the follow-up's events (assignments, stage
changes, notes, reminders set / done / snoozed / cancelled), the calls and e-mails started
from the dashboard (ContactAttempt), the exports that wrote it and its openings (the access
record; repeated openings by one person on one day are one entry). Five queries at most,
whatever the lead's history. Never a note's body or a reminder's text: what happened, who,
when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Agency
from leadsportal.followup.models import (
    AccessRecord,
    AccessRecordLead,
    AgencyLead,
    ContactAttempt,
    FollowupEvent,
    LeadFollowup,
)
from leadsportal.followup.pipeline import Stage, event_description

PARIS: Final = ZoneInfo("Europe/Paris")
# Bounds of what one lead's page reads of each source (a lead opened every day for a year).
MAX_EVENTS: Final = 300
MAX_OPENINGS: Final = 1000


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # arrival, status, assignee, note, reminder, call, email, export, opened
    actor: str  # who did it ("" for the arrival; the rule's name for an automatic assignment)
    text: str
    automatic: bool = False
    # A call or an e-mail: its id and outcome, for "joint / messagerie / pas de réponse".
    attempt_id: int | None = None
    outcome: str = ""


@dataclass(frozen=True)
class Timeline:
    lead_id: str
    entries: tuple[TimelineEntry, ...]
    # The latest call or e-mail, when nobody said yet how it went: the page offers the outcome.
    attempt_to_qualify: int | None = None

    def __len__(self) -> int:
        return len(self.entries)


def _paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _event_entry(event: FollowupEvent, stages: Mapping[str, Stage]) -> TimelineEntry:
    actor = _("Attribution automatique") if event.automatic else member_label(event.actor)
    return TimelineEntry(
        at=event.created_at,
        kind=event.kind,
        actor=actor or _("Un ancien membre"),
        # Stage changes by the agency's names of its stages, with the reason of a loss.
        text=event_description(event, stages),
        automatic=event.automatic,
    )


def _attempt_entry(attempt: ContactAttempt) -> TimelineEntry:
    if attempt.channel == ContactAttempt.Channel.CALL:
        text = _("appel lancé depuis le tableau de bord")
    else:
        text = _("e-mail ouvert depuis le tableau de bord")
    if attempt.outcome:
        text = f"{text} : {ContactAttempt.Outcome(attempt.outcome).label}"
    return TimelineEntry(
        at=attempt.created_at,
        kind="call" if attempt.channel == ContactAttempt.Channel.CALL else "email",
        actor=member_label(attempt.actor) or _("Un ancien membre"),
        text=text,
        attempt_id=attempt.pk,
        outcome=attempt.outcome,
    )


def _openings(agency: Agency, lead_id: str) -> list[TimelineEntry]:
    """One entry per person and Paris day: the day's last opening, and how many there were."""
    rows = (
        AccessRecord.objects.filter(agency=agency, kind=AccessRecord.Kind.OPENED, lead_id=lead_id)
        .order_by("-at", "-pk")
        .values_list("username", "at")[:MAX_OPENINGS]
    )
    groups: dict[tuple[str, date], tuple[datetime, int]] = {}
    for username, at in rows:
        key = (username, _paris_day(at))
        latest, count = groups.get(key, (at, 0))
        groups[key] = (latest, count + 1)
    entries = []
    for (username, _day), (latest, count) in groups.items():
        text = npgettext(
            "timeline", "a ouvert le lead", "a ouvert le lead (%(count)d fois ce jour-là)", count
        ) % {"count": count}
        entries.append(TimelineEntry(at=latest, kind="opened", actor=username, text=text))
    return entries


def _exports(agency: Agency, lead_id: str) -> list[TimelineEntry]:
    rows = (
        AccessRecordLead.objects.filter(
            lead_id=lead_id, record__agency=agency, record__kind=AccessRecord.Kind.EXPORTED
        )
        .select_related("record")
        .order_by("-record__at")[:MAX_EVENTS]
    )
    entries = []
    for row in rows:
        record = row.record
        text = ngettext(
            "l'a exporté (export de %(count)d lead)",
            "l'a exporté (export de %(count)d leads)",
            record.lead_count,
        ) % {"count": record.lead_count}
        entries.append(TimelineEntry(at=record.at, kind="export", actor=record.username, text=text))
    return entries


def lead_timeline(
    *,
    agency: Agency,
    lead_id: str,
    followup: LeadFollowup | None,
    lead_created_at: datetime | None = None,
    stages: Mapping[str, Stage] | None = None,
) -> Timeline:
    """The lead's timeline, newest first (five queries at most, two without a follow-up)."""
    entries: list[TimelineEntry] = []
    attempt_to_qualify: int | None = None
    if followup is not None:
        events = followup.events.select_related("actor", "lost_reason").order_by(
            "-created_at", "-id"
        )
        # The agency's names of its stages, from the page that has them (else the default
        # names, as FollowupEvent.description says them).
        entries.extend(_event_entry(event, stages or {}) for event in events[:MAX_EVENTS])
        attempts = list(
            followup.contact_attempts.select_related("actor").order_by("-created_at", "-id")[
                :MAX_EVENTS
            ]
        )
        entries.extend(_attempt_entry(attempt) for attempt in attempts)
        if attempts and not attempts[0].outcome:
            attempt_to_qualify = attempts[0].pk
        lead_created_at = lead_created_at or followup.lead_created_at
    entries.extend(_openings(agency, lead_id))
    entries.extend(_exports(agency, lead_id))
    if lead_created_at is None:
        lead_created_at = (
            AgencyLead.objects.filter(agency=agency, lead_id=lead_id)
            .values_list("lead_created_at", flat=True)
            .first()
        )
    if lead_created_at is not None:
        entries.append(
            TimelineEntry(at=lead_created_at, kind="arrival", actor="", text=_("Lead reçu"))
        )
    # Newest first; at the same instant the arrival stays last and a later row first.
    order = {"arrival": 0}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 1)), reverse=True)
    return Timeline(lead_id=lead_id, entries=tuple(entries), attempt_to_qualify=attempt_to_qualify)


def contact_attempt_record(
    *, followup: LeadFollowup, actor_id: int, channel: str
) -> ContactAttempt:
    """A call or an e-mail was started from the lead's page (the link was clicked)."""
    if channel not in ContactAttempt.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    return ContactAttempt.objects.create(followup=followup, actor_id=actor_id, channel=channel)


def contact_attempt_outcome_set(*, followup: LeadFollowup, attempt_id: int, outcome: str) -> bool:
    """How a call or an e-mail of this lead went; False for an unknown attempt or outcome."""
    if outcome not in ContactAttempt.Outcome.values:
        return False
    changed = ContactAttempt.objects.filter(pk=attempt_id, followup=followup).update(
        outcome=outcome
    )
    return bool(changed)
