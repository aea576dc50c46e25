"""The scheduled work: the plan of polls, leases, the daily re-read (GDPR) and purge. The tests
that reach the upstream run for an agency on GSL v2 and one on Seeker Leads (`upstream`)."""

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


def test_a_slot_taken_elsewhere_or_long_past_is_not_polled(upstream, settings):
    settings.LEADS_WATCH_INTERVAL = 10
    agency = upstream.agency
    slot = slot_of(timezone.now(), 10)
    assert lease_take(f"poll:{agency.pk}", slot)
    assert tasks.watch_poll.call_local(agency.pk, slot) is False
    assert tasks.watch_poll.call_local(agency.pk, slot - 5) is False  # missed while down
    assert upstream.api_calls() == 0
    assert tasks.watch_poll.call_local(agency.pk, slot + 1) is True
    assert AgencyWatch.objects.get(agency=agency).polls == 1


def test_the_daily_reread_forgets_the_contacts_erased_upstream(upstream):
    agency = upstream.agency
    agency_poll(agency=agency)
    lead_id = upstream.add_contact_lead(email="gone@example.org", phones=["0611223344"])
    agency_poll(agency=agency)
    assert ContactFingerprint.objects.filter(agency=agency, lead_id=lead_id).count() == 2

    upstream.sandbox.erase_contact(upstream.client_id, lead_id)
    tasks.agency_backfill.call_local(agency.pk, days=2)
    assert ContactFingerprint.objects.filter(agency=agency, lead_id=lead_id).count() == 0
    assert AgencyLead.objects.filter(agency=agency, lead_id=lead_id).exists()  # nothing personal


def test_a_new_agency_is_backfilled_by_the_workers(upstream):
    agency = upstream.agency
    # Created by the fixture: the backfill was queued, not run in the request.
    assert AgencyLead.objects.filter(agency=agency).count() == 0
    tasks.agency_backfill.call_local(agency.pk, days=3)
    assert AgencyLead.objects.filter(agency=agency).count() > 0
    oldest = AgencyLead.objects.filter(agency=agency).earliest("lead_created_at")
    assert oldest.lead_created_at >= timezone.now() - timedelta(days=3, minutes=2)


def test_the_daily_purge_deletes_expired_index_rows(upstream):
    agency = upstream.agency
    agency_poll(agency=agency)
    lead_id, kept = upstream.add_lead(), upstream.add_lead()
    agency_poll(agency=agency)
    AgencyLead.objects.filter(lead_id=lead_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    tasks.daily_purge.call_local()
    assert not AgencyLead.objects.filter(lead_id=lead_id).exists()
    assert AgencyLead.objects.filter(agency=agency, lead_id=kept).exists()
