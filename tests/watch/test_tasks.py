"""The scheduled work: the plan of polls, leases, the daily re-read (GDPR) and purge."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from leadsportal.followup.models import AgencyLead, ContactFingerprint
from leadsportal.watch import tasks
from leadsportal.watch.leases import lease_take, slot_of
from leadsportal.watch.models import AgencyWatch, WatchLease
from leadsportal.watch.poll import agency_poll
from tests.fixtures import PARIS_CLIENT

pytestmark = pytest.mark.django_db


def test_the_plan_polls_each_agency_once_per_interval_spread_over_it():
    now = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
    plan = tasks.polls_plan(now=now, agency_ids=[1, 2, 3], interval=10)
    # Two minutes ahead (every slot is planned by two consecutive minute ticks).
    assert len(plan) == 3 * 12
    for agency_id in (1, 2, 3):
        slots = [slot for a, slot, _ in plan if a == agency_id]
        assert slots == list(range(slot_of(now, 10), slot_of(now, 10) + 12))
        whens = [when for a, _, when in plan if a == agency_id]
        gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(whens)}
        assert gaps == {10.0}
    offsets = {tasks.poll_offset(agency_id, 10) for agency_id in range(1, 50)}
    assert min(offsets) < 1 and max(offsets) > 9  # agencies spread over the interval


def test_a_lease_has_one_holder_per_slot():
    assert lease_take("poll:1", 100) is True
    assert lease_take("poll:1", 100) is False
    assert lease_take("poll:1", 101) is True
    assert lease_take("poll:2", 100) is True
    assert WatchLease.objects.filter(name="poll:1").count() == 2


def test_a_slot_taken_elsewhere_or_long_past_is_not_polled(paris, sandbox, settings):
    settings.LEADS_WATCH_INTERVAL = 10
    slot = slot_of(timezone.now(), 10)
    assert lease_take(f"poll:{paris.pk}", slot)
    assert tasks.watch_poll.call_local(paris.pk, slot) is False
    assert tasks.watch_poll.call_local(paris.pk, slot - 5) is False  # missed while down
    assert sandbox.api_requests(paris.client_id) == 0
    assert tasks.watch_poll.call_local(paris.pk, slot + 1) is True
    assert AgencyWatch.objects.get(agency=paris).polls == 1


def test_the_daily_reread_forgets_the_contacts_erased_upstream(paris, add_lead, sandbox):
    agency_poll(agency=paris)
    lead_id = add_lead(email="gone@example.org", phones=["0611223344"])
    agency_poll(agency=paris)
    assert ContactFingerprint.objects.filter(agency=paris, lead_id=lead_id).count() == 2

    sandbox.erase_contact(PARIS_CLIENT[0], lead_id)
    tasks.agency_backfill.call_local(paris.pk, days=2)
    assert ContactFingerprint.objects.filter(agency=paris, lead_id=lead_id).count() == 0
    assert AgencyLead.objects.filter(agency=paris, lead_id=lead_id).exists()  # nothing personal


def test_a_new_agency_is_backfilled_by_the_workers(paris, sandbox):
    # Created by the fixture: the backfill was queued, not run in the request.
    assert AgencyLead.objects.filter(agency=paris).count() == 0
    tasks.agency_backfill.call_local(paris.pk, days=3)
    assert AgencyLead.objects.filter(agency=paris).count() > 0
    oldest = AgencyLead.objects.filter(agency=paris).earliest("lead_created_at")
    assert oldest.lead_created_at >= timezone.now() - timedelta(days=3, minutes=2)


def test_the_daily_purge_deletes_expired_index_rows(paris, add_lead):
    agency_poll(agency=paris)
    lead_id, kept = add_lead(), add_lead()
    agency_poll(agency=paris)
    AgencyLead.objects.filter(lead_id=lead_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    tasks.daily_purge.call_local()
    assert not AgencyLead.objects.filter(lead_id=lead_id).exists()
    assert AgencyLead.objects.filter(agency=paris, lead_id=kept).exists()
