"""Reminders as a domain: Paris wall-clock times (DST days included), due in the past, now and
later, each told once however many workers ask."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from leadsportal.followup.models import FollowupEvent, LeadFollowup, Reminder
from leadsportal.followup.reminders import (
    ReminderError,
    paris_time,
    reminder_cancel,
    reminder_done,
    reminder_set,
    reminder_snooze,
    reminders_claim_due,
    reminders_due_lead_ids,
    tomorrow_morning,
)

pytestmark = pytest.mark.django_db


def followup_of(agency, lead_id="L-1"):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return LeadFollowup.objects.create(
        agency=agency,
        lead_id=lead_id,
        lead_type="CLASSIFIED",
        lead_created_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=300),
    )


def test_a_paris_time_is_its_utc_moment_in_winter_and_in_summer():
    assert paris_time(datetime(2026, 1, 15, 10, 0)).moment == datetime(
        2026, 1, 15, 9, 0, tzinfo=UTC
    )
    assert paris_time(datetime(2026, 7, 15, 10, 0)).moment == datetime(
        2026, 7, 15, 8, 0, tzinfo=UTC
    )


def test_a_time_the_spring_change_skips_means_the_hour_after():
    # 29 March 2026: 02:00 becomes 03:00; "02:30" does not exist and means 03:30 CEST.
    chosen = paris_time(datetime(2026, 3, 29, 2, 30))
    assert chosen.shifted
    assert chosen.moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert not paris_time(datetime(2026, 3, 29, 3, 30)).shifted


def test_a_time_the_autumn_change_repeats_means_the_first_one():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; "02:30" happens twice, first at 00:30 UTC.
    chosen = paris_time(datetime(2026, 10, 25, 2, 30))
    assert not chosen.shifted
    assert chosen.moment == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_tomorrow_9h_is_9h_in_paris_across_a_clock_change():
    # Saturday evening before the spring change: Sunday 9:00 is CEST (UTC+2).
    saturday = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
    assert tomorrow_morning(saturday) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    # 23:30 UTC on 24 October is already the 25th in Paris: tomorrow is the 26th, CET.
    late = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert tomorrow_morning(late) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_reminder_in_the_past_is_refused_the_current_minute_is_not(paris, agent):
    followup = followup_of(paris)
    now = datetime(2026, 5, 4, 8, 0, 30, tzinfo=UTC)
    with pytest.raises(ReminderError):
        reminder_set(
            followup=followup,
            created_by=agent.user,
            person=agent.user,
            due_at=now - timedelta(minutes=1),
            now=now,
        )
    due_now = reminder_set(
        followup=followup,
        created_by=agent.user,
        person=agent.user,
        due_at=now.replace(second=0),
        now=now,
    )
    assert due_now.is_open
    assert Reminder.objects.count() == 1


def test_a_reminder_is_for_an_active_member_of_the_agency(paris, agent, lyon_agent, make_member):
    followup = followup_of(paris)
    later = timezone.now() + timedelta(hours=2)
    with pytest.raises(ReminderError):
        reminder_set(followup=followup, created_by=agent.user, person=lyon_agent.user, due_at=later)
    gone = make_member("gone", (paris, "agent"))
    gone.memberships.update(active=False)
    with pytest.raises(ReminderError):
        reminder_set(followup=followup, created_by=agent.user, person=gone, due_at=later)


def test_each_change_is_an_event_of_the_follow_up(paris, agent, manager):
    followup = followup_of(paris)
    start = timezone.now()
    reminder = reminder_set(
        followup=followup,
        created_by=agent.user,
        person=manager.user,
        due_at=start + timedelta(hours=1),
        text="  visite   jeudi ",
    )
    assert reminder.text == "visite jeudi"
    reminder_snooze(reminder=reminder, actor=manager.user, until=start + timedelta(days=1))
    reminder_done(reminder=reminder, actor=manager.user)
    with pytest.raises(ReminderError):
        reminder_cancel(reminder=reminder, actor=agent.user)  # already done
    other = reminder_set(
        followup=followup,
        created_by=agent.user,
        person=agent.user,
        due_at=start + timedelta(hours=3),
    )
    reminder_cancel(reminder=other, actor=agent.user)
    events = FollowupEvent.objects.filter(kind="reminder").order_by("id")
    assert [(e.actor.username, e.new_value) for e in events] == [
        ("agent.paris", "set"),
        ("manager.paris", "snoozed"),
        ("manager.paris", "done"),
        ("agent.paris", "set"),
        ("agent.paris", "cancelled"),
    ]
    assert "manager.paris" in events[0].old_value
    assert all("visite" not in e.old_value for e in events)  # the text stays in the reminder


def test_due_in_the_past_and_now_are_claimed_later_is_not(paris, agent):
    followup = followup_of(paris)
    now = timezone.now()
    past = Reminder.objects.create(
        followup=followup, person=agent.user, due_at=now - timedelta(hours=3)
    )
    due_now = Reminder.objects.create(followup=followup, person=agent.user, due_at=now)
    later = Reminder.objects.create(
        followup=followup, person=agent.user, due_at=now + timedelta(minutes=1)
    )
    done = Reminder.objects.create(
        followup=followup, person=agent.user, due_at=now - timedelta(hours=1), done_at=now
    )
    claimed = reminders_claim_due(now=now)
    assert {r.pk for r in claimed} == {past.pk, due_now.pk}
    assert reminders_claim_due(now=now) == []  # told once
    assert {r.pk for r in reminders_claim_due(now=now + timedelta(minutes=1))} == {later.pk}
    done.refresh_from_db()
    assert done.notified_at is None


def test_a_snoozed_reminder_is_due_again(paris, agent):
    followup = followup_of(paris)
    now = timezone.now()
    reminder = Reminder.objects.create(followup=followup, person=agent.user, due_at=now)
    assert len(reminders_claim_due(now=now)) == 1
    reminder_snooze(reminder=reminder, actor=agent.user, until=now + timedelta(hours=1), now=now)
    assert reminders_claim_due(now=now + timedelta(minutes=59)) == []
    assert [r.pk for r in reminders_claim_due(now=now + timedelta(hours=1))] == [reminder.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_asking_at_once_tell_each_reminder_once(paris, agent):
    followup = followup_of(paris)
    now = timezone.now()
    for minutes in range(20):
        Reminder.objects.create(
            followup=followup, person=agent.user, due_at=now - timedelta(minutes=minutes)
        )
    got: list[list[int]] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        barrier.wait()
        try:
            got.append([r.pk for r in reminders_claim_due(now=now)])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    told = [pk for batch in got for pk in batch]
    assert len(told) == len(set(told)) == 20


def test_to_call_back_today_in_paris_oldest_first(paris, agent, manager):
    # 22:30 UTC on 5 May is 00:30 on the 6th in Paris: "today" ends at 22:00 UTC on the 6th.
    now = datetime(2026, 5, 5, 22, 30, tzinfo=UTC)
    a, b, c, d = (followup_of(paris, f"L-{n}") for n in range(4))
    for followup in (a, b, c, d):
        followup.expires_at = now + timedelta(days=300)
        followup.save()
    Reminder.objects.create(followup=a, person=agent.user, due_at=now + timedelta(hours=23))
    Reminder.objects.create(followup=b, person=agent.user, due_at=now - timedelta(days=2))
    Reminder.objects.create(followup=c, person=agent.user, due_at=now + timedelta(hours=24))
    Reminder.objects.create(followup=d, person=manager.user, due_at=now)  # not mine
    Reminder.objects.create(
        followup=d, person=agent.user, due_at=now - timedelta(hours=1), cancelled_at=now
    )
    ids = reminders_due_lead_ids(agency=paris, person_id=agent.user.pk, now=now)
    assert list(ids) == ["L-1", "L-0"]
    assert ids.count() == 2
