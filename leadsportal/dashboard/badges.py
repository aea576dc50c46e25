"""How the follow-up shows in lists and pages: badges, and durations in French."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from leadsportal.agencies.members import member_label
from leadsportal.dashboard.marks import LeadMarks
from leadsportal.followup.models import FollowupStatus, LeadFollowup, StageKind
from leadsportal.followup.pipeline import Stage, default_stage_name
from leadsportal.leads_api import Lead

# The colour of a stage says what it means, whatever the agency calls it.
STATUS_BADGES = {
    StageKind.NEW: "badge--warning",
    StageKind.OPEN: "badge--info",
    StageKind.WON: "badge--success",
    StageKind.LOST: "badge--error",
    StageKind.CLOSED: "badge--muted",
}


def status_badge(code: str, stage: Stage | None = None, reason: str = "") -> SafeString:
    """A lead's stage, by the agency's name of it ("Perdu — Injoignable" with its reason); a
    code the pipeline no longer has shows its default name."""
    if stage is not None:
        name, kind = stage.name, stage.kind
    else:
        name = default_stage_name(code or FollowupStatus.NEW.value)
        kind = StageKind.NEW if code in ("", FollowupStatus.NEW) else StageKind.OPEN
    text = f"{name} — {reason}" if reason else name
    return format_html(
        '<span class="badge {} badge-status badge-status--{}" data-testid="status-badge">{}</span>',
        STATUS_BADGES.get(StageKind(kind), "badge--info"),
        kind,
        text,
    )


def followup_status_badge(followup: LeadFollowup, stage: Stage | None) -> SafeString:
    reason = followup.lost_reason.label if followup.lost_reason_id and followup.lost_reason else ""
    return status_badge(followup.status, stage, reason if stage is None or stage.is_lost else "")


def followup_badges(lead: Lead, marks: LeadMarks) -> SafeString:
    """The badges after a contact's name: new for this user, a reminder past its time,
    contact already known."""
    parts: list[SafeString] = []
    if marks.unread:
        parts.append(
            format_html(
                ' <span class="badge badge--new" data-testid="unread-badge">{}</span>',
                # Not "Nouveau": that is the first follow-up status, often on the same row.
                pgettext("unread marker", "Non lu"),
            )
        )
    if marks.overdue:
        parts.append(
            format_html(
                ' <span class="badge badge--error" data-testid="overdue-badge" title="{}">{}</span>',
                _("Un rappel de ce lead est passé sans être fait"),
                _("Rappel en retard"),
            )
        )
    if marks.known_contact:
        parts.append(
            format_html(
                ' <a class="badge badge--known" href="{}" data-testid="known-contact" title="{}">{}</a>',
                reverse("dashboard:contact_leads", args=[lead.lead_id]),
                _("Ce contact a déjà envoyé d'autres leads à l'agence : les voir"),
                _("Déjà connu"),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part is escaped by format_html


# New leads nobody has answered show how long they have waited, this long after creation.
WAITING_SHOWN_FOR = timedelta(hours=48)


def waiting_clock(
    created_at: datetime,
    followup: LeadFollowup | None,
    *,
    now: datetime | None = None,
    compact: bool = False,
) -> SafeString | str:
    """ "En attente depuis 12 min" on a lead nobody has answered yet (its status never
    changed), kept up to date by static/js/app.js; nothing after WAITING_SHOWN_FOR. Compact
    (a list's cell): a clock mark and "12 min", the full sentence for screen readers and on
    hover."""
    if followup is not None and followup.first_status_change_at is not None:
        return ""
    waited = (now or timezone.now()) - created_at
    if waited > WAITING_SHOWN_FOR:
        return ""
    duration = duration_label(waited.total_seconds())
    sentence = _("en attente depuis %(duration)s") % {"duration": duration}
    if compact:
        if waited.total_seconds() < 30:
            duration = "< 1 min"
        return format_html(
            '<time class="waiting nowrap" datetime="{}" data-waiting-since="{}" data-compact '
            'title="{}" aria-label="{}" data-testid="waiting">{}</time>',
            created_at.isoformat(),
            int(created_at.timestamp()),
            sentence,
            sentence,
            duration,
        )
    return format_html(
        '<time class="waiting nowrap" datetime="{}" data-waiting-since="{}" '
        'data-testid="waiting">{}</time>',
        created_at.isoformat(),
        int(created_at.timestamp()),
        sentence,
    )


def followup_cell(lead: Lead, marks: LeadMarks) -> SafeString | str:
    followup = marks.followup
    waiting = waiting_clock(lead.meta.creation_date, followup, compact=True)
    if followup is None:
        return format_html("{}<br>{}", "—", waiting) if waiting else "—"
    badge = followup_status_badge(followup, marks.stage)
    if followup.assignee_id is None:
        return format_html("{}<br>{}", badge, waiting) if waiting else badge
    return format_html(
        '{} <span class="small muted nowrap" data-testid="assignee">{}</span><br>{}',
        badge,
        member_label(followup.assignee),
        waiting,
    )


def duration_label(seconds: float | None) -> str:
    """ "3 min", "2 h 05", "4 j 3 h": a response time read at a glance."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("moins d'une minute")
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d j %(h)d h") % {"d": days, "h": hours}
