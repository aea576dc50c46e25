"""The scheduled telling of reminders: on time, to their person only, once; a real worker too."""

from __future__ import annotations

import queue
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from leadsportal.followup.models import LeadFollowup, Reminder
from leadsportal.followup.reminders import reminder_snooze
from leadsportal.watch import tasks
from leadsportal.watch.events import latest_event_id
from leadsportal.watch.leases import lease_take, slot_of
from leadsportal.watch.models import LiveEvent
from tests.watch.test_live_stream import open_stream
from tests.watch.test_live_stream import streams as streams
from tests.watch.test_workers import start_worker

pytestmark = pytest.mark.django_db(transaction=True)


def followup_of(agency, lead_id="L-1"):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return LeadFollowup.objects.create(
        agency=agency,
        lead_id=lead_id,
        lead_type="CLASSIFIED",
        portal="SL",
        lead_created_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=300),
    )


def test_the_minute_sweep_tells_what_is_due_once_and_nothing_later(paris, agent):
    followup = followup_of(paris)
    now = timezone.now()
    overdue = Reminder.objects.create(
        followup=followup, person=agent.user, due_at=now - timedelta(hours=2)
    )
    Reminder.objects.create(followup=followup, person=agent.user, due_at=now + timedelta(hours=1))
    assert tasks.reminders_due_minute.call_local() == 1
    assert tasks.reminders_due_minute.call_local() == 0
    event = LiveEvent.objects.get()
    assert (event.kind, event.recipient_id, event.reminder_id) == (
        "reminder",
        agent.user.pk,
        overdue.pk,
    )
    assert event.lead_id == "L-1" and event.due_at == overdue.due_at


def test_a_reminder_task_at_its_due_time_tells_it_unless_it_moved(paris, agent):
    followup = followup_of(paris)
    now = timezone.now()
    reminder = Reminder.objects.create(followup=followup, person=agent.user, due_at=now)
    later = reminder_snooze(
        reminder=reminder, actor=agent.user, until=now + timedelta(hours=1), now=now
    )
    assert tasks.reminder_due_task.call_local(reminder.pk) is False  # snoozed: not due yet
    Reminder.objects.filter(pk=later.pk).update(due_at=timezone.now())
    assert tasks.reminder_due_task.call_local(reminder.pk) is True
    assert tasks.reminder_due_task.call_local(reminder.pk) is False
    assert LiveEvent.objects.count() == 1


def test_setting_a_reminder_on_a_lead_plans_its_task_at_the_due_time(agent, add_lead):
    HUEY.storage.flush_all()
    lead_id = add_lead()
    due = (timezone.now() + timedelta(days=1)).astimezone(timezone.get_current_timezone())
    response = agent.client.post(
        f"/lead/{lead_id}/rappels/",
        {"due": due.strftime("%Y-%m-%dT%H:%M"), "person": agent.user.pk, "text": ""},
    )
    assert response.status_code == 303
    reminder = Reminder.objects.get()
    planned = [t for t in HUEY.pending() if t.name.endswith("reminder_due_task")]
    assert [t.args for t in planned] == [(reminder.pk,)]
    assert abs((planned[0].eta - reminder.due_at.replace(tzinfo=None)).total_seconds()) < 1


def test_only_the_reminders_person_is_told_on_every_open_page(
    paris, agent, manager, streams, sandbox_server
):
    followup = followup_of(paris)
    before = latest_event_id(agency=paris)
    pages = [open_stream(streams, sandbox_server, agent, after=before) for _ in range(2)]
    colleague = open_stream(streams, sandbox_server, manager, after=before)
    reminder = Reminder.objects.create(
        followup=followup, person=agent.user, due_at=timezone.now(), text="Rappeler M. Dupont"
    )
    tasks.reminders_due_minute.call_local()
    for page in pages:
        message = page.next()
        assert message.event == "reminder"
        assert f'data-reminder="{reminder.pk}"' in message.data
        assert "Rappel : un lead à rappeler" in message.data
        assert "Dupont" not in message.data  # the reminder's text stays off lock screens
        assert f"/rappels/{reminder.pk}/" in message.data  # done, snooze, cancel
    with pytest.raises(queue.Empty):
        colleague.next(timeout=1.5)


def test_a_real_worker_tells_a_reminder_due_now_once(paris, agent, tmp_path):
    # The daily jobs are done already: the worker's only work here is the reminder.
    today = slot_of(timezone.now(), 86_400)
    for job in ("reread", "purge"):
        lease_take(job, today)
    followup = followup_of(paris)
    reminder = Reminder.objects.create(followup=followup, person=agent.user, due_at=timezone.now())
    worker = start_worker(tmp_path, f"leadsportal-test-{uuid.uuid4().hex[:8]}", "reminders")
    try:
        # The worker's minute sweep runs at the start of the next minute.
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline and not LiveEvent.objects.filter(kind="reminder"):
            time.sleep(0.5)
        time.sleep(2)  # anything told twice would be there by now
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    log = (tmp_path / "reminders.log").read_text()
    events = list(LiveEvent.objects.filter(kind="reminder"))
    assert [(e.reminder_id, e.recipient_id) for e in events] == [(reminder.pk, agent.user.pk)], log
    reminder.refresh_from_db()
    assert reminder.notified_at is not None
