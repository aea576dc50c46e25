"""The reminders block of a lead's page and the lead's timeline, as the templates show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.reminder_forms import ReminderForm, local_input_value
from leadsportal.followup.models import LeadFollowup, Reminder
from leadsportal.followup.reminders import reminders_open_of_lead

# The buttons of a reminder, on the lead's page and in its toast: the snoozes are "until" values.
REMINDER_ACTIONS = (
    ("done", _("Fait")),
    ("1h", _("Dans 1 h")),
    ("tomorrow", _("Demain 9 h")),
    ("cancel", _("Annuler le rappel")),
)


@dataclass
class ReminderBlock:
    lead_id: str
    reminders: list[Reminder]
    form: ReminderForm
    now: datetime
    back_url: str = ""
    saved: str = ""
    error: str = ""
    snooze_errors: dict[int, str] = field(default_factory=dict)

    @property
    def overdue(self) -> bool:
        return any(reminder.due_at <= self.now for reminder in self.reminders)

    @property
    def rows(self) -> list[tuple[Reminder, bool, str]]:
        """Each open reminder, whether it is past its time, and its snooze error if any."""
        return [
            (reminder, reminder.due_at <= self.now, self.snooze_errors.get(reminder.pk, ""))
            for reminder in self.reminders
        ]

    @property
    def actions(self) -> list[tuple[str, str]]:
        """The buttons of each reminder: done, snooze 1 h, tomorrow 9 h, cancel."""
        return [(action, str(label)) for action, label in REMINDER_ACTIONS]

    @property
    def min_value(self) -> str:
        return local_input_value(self.now)


def reminder_block_build(
    *,
    membership: Membership,
    lead_id: str,
    followup: LeadFollowup | None,
    form: ReminderForm | None = None,
    back_url: str = "",
    saved: str = "",
    error: str = "",
    snooze_errors: dict[int, str] | None = None,
    now: datetime | None = None,
) -> ReminderBlock:
    """The block: the lead's open reminders (one query) and the form of a new one."""
    now = now or timezone.now()
    return ReminderBlock(
        lead_id=lead_id,
        reminders=reminders_open_of_lead(followup=followup),
        form=form or ReminderForm(agency=membership.agency, user=membership.user, now=now),
        now=now,
        back_url=back_url,
        saved=saved,
        error=error,
        snooze_errors=snooze_errors or {},
    )
