"""Telling a member that a reminder fell due: a live event on their open pages, once.

Run by the scheduled tasks only (watch/tasks.py: a task at each reminder's due time, and a
sweep every minute for what a busy or restarted queue missed), never by a page load. The
claim of `notified_at` and the event are one transaction: a worker that dies between them
leaves the reminder for the next sweep, and two workers never tell it twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from leadsportal.followup.models import AgencyLead, Reminder
from leadsportal.followup.reminders import reminders_claim_due
from leadsportal.watch.events import event_publish
from leadsportal.watch.models import LiveEvent


def reminders_tell_due(
    *, now: datetime | None = None, reminder_ids: list[int] | None = None
) -> list[Reminder]:
    """Tell the person of each open reminder due by `now` not told yet; those told."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = reminders_claim_due(now=now, reminder_ids=reminder_ids)
        if not claimed:
            return []
        # The listing's reference, as a new lead's toast shows it (one query).
        references = {
            (agency_id, lead_id): reference
            for agency_id, lead_id, reference in AgencyLead.objects.filter(
                lead_id__in=[r.followup.lead_id for r in claimed],
                agency_id__in={r.followup.agency_id for r in claimed},
            ).values_list("agency_id", "lead_id", "classified_reference")
        }
        for reminder in claimed:
            followup = reminder.followup
            event_publish(
                agency=followup.agency,
                kind=LiveEvent.Kind.REMINDER,
                lead_id=followup.lead_id,
                lead_type=followup.lead_type,
                portal=followup.portal,
                classified_id=followup.classified_id,
                classified_reference=references.get((followup.agency_id, followup.lead_id), ""),
                recipient_id=reminder.person_id,
                reminder_id=reminder.pk,
                due_at=reminder.due_at,
            )
    return claimed
