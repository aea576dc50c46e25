"""The follow-up block of the lead detail page, and what opening a lead does to our records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse
from django.utils.safestring import SafeString

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.badges import followup_status_badge, status_badge
from leadsportal.dashboard.forms import AssigneeForm, NoteForm, StatusForm
from leadsportal.dashboard.reminder_blocks import ReminderBlock, reminder_block_build
from leadsportal.followup.fingerprints import contact_fingerprints_sync
from leadsportal.followup.models import FollowupEvent, FollowupStatus, LeadFollowup, LeadNote
from leadsportal.followup.pipeline import Stage, stage_label
from leadsportal.followup.records import followup_get, followup_history
from leadsportal.followup.timeline import Timeline, lead_timeline
from leadsportal.followup.unread import lead_read_mark
from leadsportal.leads_api import Lead


@dataclass
class FollowupPanel:
    lead_id: str
    followup: LeadFollowup | None
    status_form: StatusForm
    assignee_form: AssigneeForm
    note_form: NoteForm
    back_url: str = ""
    notes: list[LeadNote] = field(default_factory=list)
    events: list[FollowupEvent] = field(default_factory=list)
    saved: str = ""  # what was just saved, said to screen readers and sighted users alike
    error: str = ""
    # The agency's pipeline, by code: the names of the badge, the select and the history.
    stages: dict[str, Stage] = field(default_factory=dict)
    # The lead's history, newest first (followup/timeline.py): the panel's "Historique".
    timeline: Timeline | None = None

    @property
    def status(self) -> str:
        return self.followup.status if self.followup else FollowupStatus.NEW.value

    @property
    def stage(self) -> Stage | None:
        return self.stages.get(self.status)

    @property
    def status_label(self) -> str:
        """ "Perdu — Injoignable": the stage's name, with the reason of a lost lead."""
        return stage_label(self.stages, self.status) + (
            f" — {self.lost_reason}" if self.lost_reason else ""
        )

    @property
    def lost_reason(self) -> str:
        if self.followup is None or self.followup.lost_reason is None:
            return ""
        return self.followup.lost_reason.label

    @property
    def status_badge(self) -> SafeString:
        if self.followup is None:
            return status_badge(self.status, self.stage)
        return followup_status_badge(self.followup, self.stage)

    @property
    def response_seconds(self) -> int | None:
        return self.followup.response_seconds if self.followup else None

    @property
    def first_status_change_at(self) -> datetime | None:
        return self.followup.first_status_change_at if self.followup else None


def followup_panel_build(
    *,
    membership: Membership,
    lead_id: str,
    followup: LeadFollowup | None,
    back_url: str = "",
    status_form: StatusForm | None = None,
    assignee_form: AssigneeForm | None = None,
    note_form: NoteForm | None = None,
    saved: str = "",
    error: str = "",
) -> FollowupPanel:
    history = followup_history(followup=followup)
    status_form = status_form or StatusForm(
        agency=membership.agency,
        initial={
            "status": followup.status if followup else FollowupStatus.NEW.value,
            "lost_reason": followup.lost_reason_id if followup else None,
        },
    )
    return FollowupPanel(
        lead_id=lead_id,
        followup=followup,
        stages=status_form.stages,
        status_form=status_form,
        assignee_form=assignee_form
        or AssigneeForm(
            agency=membership.agency,
            initial={"assignee": followup.assignee_id if followup else None},
        ),
        note_form=note_form or NoteForm(),
        back_url=back_url,
        notes=history.notes,
        events=history.events,
        saved=saved,
        error=error,
        timeline=lead_timeline(
            agency=membership.agency,
            lead_id=lead_id,
            followup=followup,
            stages=status_form.stages,
        ),
    )


@dataclass
class LeadDetailFollowup:
    panel: FollowupPanel
    known_contact: bool
    other_leads_url: str
    reminders: ReminderBlock | None = None


def lead_detail_followup(
    *, membership: Membership, lead: Lead, back_url: str = ""
) -> LeadDetailFollowup:
    """Opening a lead: it is read for this member, its contact is indexed; its follow-up."""
    lead_read_mark(membership=membership, lead=lead)
    known = contact_fingerprints_sync(agency=membership.agency, leads=[lead]).known
    followup = followup_get(agency=membership.agency, lead_id=lead.lead_id)
    return LeadDetailFollowup(
        panel=followup_panel_build(
            membership=membership, lead_id=lead.lead_id, followup=followup, back_url=back_url
        ),
        known_contact=lead.lead_id in known,
        other_leads_url=reverse("dashboard:contact_leads", args=[lead.lead_id]),
        reminders=reminder_block_build(
            membership=membership, lead_id=lead.lead_id, followup=followup, back_url=back_url
        ),
    )
