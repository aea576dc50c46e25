"""Bulk changes (issue 17): one transaction per action, counted, within one agency, undoable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from leadsportal.agencies.models import Membership
from leadsportal.followup.bulk import (
    _undo_key,
    bulk_assign,
    bulk_leads,
    bulk_read,
    bulk_reminder,
    bulk_stage,
    bulk_undo,
)
from leadsportal.followup.fingerprints import lead_index_write
from leadsportal.followup.models import FollowupEvent, LeadFollowup, LeadRead, Reminder
from leadsportal.followup.pipeline import lost_reasons_of
from leadsportal.followup.records import followup_status_set
from tests.followup.conftest import recent_leads


@pytest.fixture
def indexed(paris, lyon):  # type: ignore[no-untyped-def]
    """Both agencies' newest leads, in their lead index as the watcher writes them."""
    now = timezone.now()
    paris_leads = recent_leads(paris, size=30)
    lead_index_write(agency=paris, leads=paris_leads, now=now)
    lead_index_write(agency=lyon, leads=recent_leads(lyon, size=5), now=now)
    return paris_leads


@pytest.fixture
def people(make_member, paris, lyon):  # type: ignore[no-untyped-def]
    agent = make_member("agent.paris", (paris, "agent"))
    colleague = make_member("colleague.paris", (paris, "agent"))
    return agent, colleague


def test_only_the_agencys_leads_are_selected(paris, lyon, indexed):  # type: ignore[no-untyped-def]
    lyon_ids = [lead.lead_id for lead in recent_leads(lyon, size=5)]
    chosen = [lead.lead_id for lead in indexed[:10]] + lyon_ids + ["made-up-id"]
    selected = bulk_leads(agency=paris, lead_ids=chosen)
    assert {row.lead_id for row in selected} == {lead.lead_id for lead in indexed[:10]}


def test_assign_then_undo(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, colleague = people
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:12]])
    result = bulk_assign(agency=paris, actor=agent, leads=leads, assignee=colleague)
    assert (result.changed, result.selected) == (12, 12)
    rows = LeadFollowup.objects.filter(agency=paris, lead_id__in=[row.lead_id for row in leads])
    assert {row.assignee_id for row in rows} == {colleague.pk}
    assert FollowupEvent.objects.filter(kind="assignee", followup__in=rows).count() == 12

    # Again: nothing changes, and it says so.
    again = bulk_assign(agency=paris, actor=agent, leads=leads, assignee=colleague)
    assert again.changed == 0

    membership = Membership.objects.get(user=agent, agency=paris)
    assert bulk_undo(membership=membership, token=result.undo_token) == 12
    # As before: no follow-up was there, none is left, and no event either.
    assert not LeadFollowup.objects.filter(agency=paris).exists()
    assert not FollowupEvent.objects.exists()
    # An undo works once.
    assert bulk_undo(membership=membership, token=result.undo_token) is None


def test_stage_with_a_lost_reason_and_its_undo_restores_the_first_response(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, _ = people
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:6]])
    # One lead was already contacted a while ago: its first response must survive the undo.
    first = LeadFollowup.objects.create(
        agency=paris,
        lead_id=leads[0].lead_id,
        lead_type=leads[0].lead_type,
        lead_created_at=leads[0].lead_created_at,
        expires_at=leads[0].expires_at,
    )
    first = LeadFollowup.objects.select_related("agency").get(pk=first.pk)
    followup_status_set(followup=first, actor=agent, status="contacte")
    first.refresh_from_db()
    answered_at, answered_in = first.first_status_change_at, first.response_seconds

    unreachable = next(r for r in lost_reasons_of(paris) if r.label == "Injoignable")
    result = bulk_stage(
        agency=paris, actor=agent, leads=leads, status="perdu", lost_reason=unreachable
    )
    assert result.changed == 6
    rows = LeadFollowup.objects.filter(agency=paris, lead_id__in=[row.lead_id for row in leads])
    assert {(row.status, row.lost_reason_id) for row in rows} == {("perdu", unreachable.pk)}
    assert all(row.response_seconds is not None for row in rows)

    membership = Membership.objects.get(user=agent, agency=paris)
    assert bulk_undo(membership=membership, token=result.undo_token) == 6
    first.refresh_from_db()
    assert (first.status, first.lost_reason_id) == ("contacte", None)
    assert (first.first_status_change_at, first.response_seconds) == (answered_at, answered_in)
    assert first.events.filter(kind="status").count() == 1  # the bulk change's event is gone
    # The five others had no follow-up: they have none again.
    assert LeadFollowup.objects.filter(agency=paris).count() == 1


def test_a_lost_stage_without_a_reason_changes_nothing(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, _ = people
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:4]])
    with pytest.raises(ValueError):
        bulk_stage(agency=paris, actor=agent, leads=leads, status="perdu")
    # One transaction: not even the follow-ups were created.
    assert not LeadFollowup.objects.filter(agency=paris).exists()


def test_reminders_for_a_colleague_then_undo(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, colleague = people
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:5]])
    due = timezone.now() + timedelta(hours=2)
    result = bulk_reminder(
        agency=paris, actor=agent, leads=leads, person=colleague, due_at=due, text="Rappeler"
    )
    assert result.changed == 5
    assert Reminder.objects.filter(person=colleague, due_at=due).count() == 5
    membership = Membership.objects.get(user=agent, agency=paris)
    assert bulk_undo(membership=membership, token=result.undo_token) == 5
    assert not Reminder.objects.exists()
    assert not FollowupEvent.objects.filter(kind="reminder").exists()


def test_read_and_unread_then_undo(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, _ = people
    membership = Membership.objects.get(user=agent, agency=paris)
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:8]])
    read = bulk_read(membership=membership, leads=leads, read=True)
    assert read.changed == 8
    assert LeadRead.objects.filter(user=agent).count() == 8
    unread = bulk_read(membership=membership, leads=leads[:3], read=False)
    assert unread.changed == 3
    assert LeadRead.objects.filter(user=agent).count() == 5
    assert bulk_undo(membership=membership, token=unread.undo_token) == 3
    assert LeadRead.objects.filter(user=agent).count() == 8
    assert bulk_undo(membership=membership, token=read.undo_token) == 8
    assert not LeadRead.objects.filter(user=agent).exists()


def test_only_its_author_can_undo_and_only_for_a_minute(paris, indexed, people):  # type: ignore[no-untyped-def]
    agent, colleague = people
    leads = bulk_leads(agency=paris, lead_ids=[lead.lead_id for lead in indexed[:3]])
    result = bulk_assign(agency=paris, actor=agent, leads=leads, assignee=agent)
    theirs = Membership.objects.get(user=colleague, agency=paris)
    assert bulk_undo(membership=theirs, token=result.undo_token) is None
    cache.delete(_undo_key(result.undo_token))  # the minute is over
    mine = Membership.objects.get(user=agent, agency=paris)
    assert bulk_undo(membership=mine, token=result.undo_token) is None
    assert LeadFollowup.objects.filter(assignee=agent).count() == 3
