"""The lead watcher against the sandboxes over HTTP: new leads, the overlap, faults and back-off
per agency, the index without personal data. Each test runs for an agency on GSL v2 and one on
Seeker Leads (tests/fixtures.py, `upstream`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadsportal.followup.models import AgencyLead, ContactFingerprint, LeadFollowup
from leadsportal.leads_api import LeadFamily
from leadsportal.watch.models import AgencyWatch, LiveEvent
from leadsportal.watch.poll import agency_poll

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def started(agency):  # type: ignore[no-untyped-def]
    """The first poll: what the agency had before the watcher started is not news."""
    result = agency_poll(agency=agency)
    assert result.polled and not result.new_lead_ids and not result.error
    return result


def test_the_first_poll_announces_nothing_then_each_new_lead_once(upstream):
    agency = upstream.agency
    started(agency)
    assert LiveEvent.objects.count() == 0

    first = upstream.add_contact_lead(email="a@example.org")
    second = upstream.add_lead(family=LeadFamily.SELLER)
    result = agency_poll(agency=agency)
    assert set(result.new_lead_ids) == {first, second}
    assert result.upstream_calls == 1
    events = LiveEvent.objects.filter(agency=agency)
    assert sorted((e.kind, e.lead_id) for e in events) == sorted(
        [("lead", first), ("lead", second)]
    )
    seller = events.get(lead_id=second)
    assert (seller.lead_type, seller.classified_reference) == ("SELLER", "")
    # Each new lead has its arrival recorded, and a follow-up to be assigned on.
    rows = AgencyLead.objects.filter(agency=agency, lead_id__in=[first, second])
    assert all(row.announced_at and row.first_seen_at for row in rows)
    assert LeadFollowup.objects.filter(agency=agency, lead_id__in=[first, second]).count() == 2

    # The next polls read the same leads again (the overlap) and announce nothing more.
    assert agency_poll(agency=agency).new_lead_ids == ()
    assert agency_poll(agency=agency).new_lead_ids == ()
    assert LiveEvent.objects.filter(agency=agency).count() == 2


def test_a_lead_the_api_shows_late_within_the_overlap_is_still_news(upstream, settings):
    settings.LEADS_WATCH_OVERLAP = 600
    started(upstream.agency)
    newest = upstream.add_lead()
    assert agency_poll(agency=upstream.agency).new_lead_ids == (newest,)
    # Created (ingested, on Seeker) four minutes ago, seen only now: inside the overlap.
    late = upstream.add_lead(minutes_ago=4)
    assert agency_poll(agency=upstream.agency).new_lead_ids == (late,)


def test_a_lead_already_on_a_list_is_still_announced(upstream, agent):
    agency = upstream.agency
    started(agency)
    lead_id = upstream.add_lead()
    assert lead_id in agent.client.get("/leads/").content.decode()  # indexed by the list
    assert AgencyLead.objects.filter(agency=agency, lead_id=lead_id, announced_at=None).exists()
    assert agency_poll(agency=agency).new_lead_ids == (lead_id,)


def test_the_index_holds_no_personal_data(upstream):
    agency = upstream.agency
    started(agency)
    lead_id = upstream.add_contact_lead(
        email="Jeanne.Lefevre@Example.org",
        phones=["+33 6 12 34 56 78"],
        contactRequest={"firstName": "Jeanne", "lastName": "Lefèvre", "message": "Rappelez-moi"},
    )
    agency_poll(agency=agency)
    secrets = ["jeanne", "lefevre", "lefèvre", "example.org", "0612345678", "612345678", "rappelez"]
    for model in (AgencyLead, ContactFingerprint, LiveEvent):
        for row in model.objects.values():
            text = " ".join(str(value) for value in row.values()).lower()
            assert not [s for s in secrets if s in text], (model.__name__, row)
    row = AgencyLead.objects.get(agency=agency, lead_id=lead_id)
    assert row.lead_type == "CLASSIFIED" and row.classified_id and row.classified_reference
    assert ContactFingerprint.objects.filter(agency=agency, lead_id=lead_id).count() == 2


def test_faults_slow_down_one_agency_and_never_the_other(upstream, settings):
    settings.LEADS_WATCH_INTERVAL = 10
    settings.LEADS_API_MAX_RETRIES = 0
    agency, other = upstream.agency, upstream.on_other()
    started(agency)
    started(other.agency)
    upstream.sandbox.configure(fault_mode="unavailable503", fault_next=1)
    now = timezone.now()
    failed = agency_poll(agency=agency, now=now)
    assert failed.error == "LeadsApiUnavailable"
    watch = AgencyWatch.objects.get(agency=agency)
    assert watch.state == AgencyWatch.State.FAILING and watch.consecutive_failures == 1
    assert watch.next_poll_at == now + timedelta(seconds=20)

    # The other agency is polled as usual and gets its new lead.
    other_lead = other.add_lead()
    assert agency_poll(agency=other.agency).new_lead_ids == (other_lead,)
    # This one waits out its pause: no upstream call before next_poll_at.
    calls = upstream.api_calls()
    assert agency_poll(agency=agency, now=now + timedelta(seconds=5)).polled is False
    assert upstream.api_calls() == calls
    # Each failure doubles the pause, up to the maximum.
    upstream.sandbox.configure(fault_next=3)
    pauses = []
    moment = now
    for _ in range(3):
        moment = AgencyWatch.objects.get(agency=agency).next_poll_at
        agency_poll(agency=agency, now=moment)
        pauses.append((AgencyWatch.objects.get(agency=agency).next_poll_at - moment).seconds)
    assert pauses == [40, 80, 160]
    # Back to normal after a success, and the lead that came meanwhile is announced.
    new_lead = upstream.add_lead()
    result = agency_poll(agency=agency, now=AgencyWatch.objects.get(agency=agency).next_poll_at)
    assert result.new_lead_ids == (new_lead,)
    watch = AgencyWatch.objects.get(agency=agency)
    assert watch.state == AgencyWatch.State.OK and watch.consecutive_failures == 0


def test_a_429_waits_at_least_what_the_api_asks(upstream, settings):
    settings.LEADS_API_MAX_RETRIES = 0
    started(upstream.agency)
    # One request per window, on a clock that stands still: every request after the next is
    # refused, however fast or slow this machine.
    upstream.sandbox.configure(rate_limit=1)
    upstream.sandbox.clock = lambda: 1_000.0
    now = timezone.now()
    for _ in range(3):
        result = agency_poll(agency=upstream.agency, now=now, force=True)
    assert result.error == "LeadsApiRateLimited"
    watch = AgencyWatch.objects.get(agency=upstream.agency)
    assert watch.state == AgencyWatch.State.RATE_LIMITED
    assert watch.next_poll_at >= now + timedelta(seconds=1)


def test_refused_credentials_back_off_for_minutes_and_show_to_managers(upstream, manager, settings):
    settings.LEADS_API_MAX_RETRIES = 0
    agency = upstream.agency
    agency.set_client_secret("wrong-secret")
    agency.save()
    now = timezone.now()
    result = agency_poll(agency=agency, now=now)
    assert result.error == "LeadsApiAuthError"
    watch = AgencyWatch.objects.get(agency=agency)
    assert watch.state == AgencyWatch.State.REFUSED
    assert watch.next_poll_at == now + timedelta(seconds=60)

    page = manager.client.get("/agence/reglages/").content.decode()
    assert "Identifiants refusés par l&#x27;API" in page
    # Every page tells the agency's managers (and them only).
    assert 'data-testid="watch-banner"' in manager.client.get("/leads/").content.decode()


def test_after_a_long_outage_the_watcher_walks_forward_and_misses_nothing(upstream):
    agency = upstream.agency
    started(agency)
    two_days_ago = timezone.now() - timedelta(days=2)
    AgencyWatch.objects.filter(agency=agency).update(newest_created_at=two_days_ago)
    yesterday = upstream.add_lead(minutes_ago=60 * 30)
    fresh = upstream.add_lead()
    announced: list[str] = []
    for _ in range(12):
        announced += agency_poll(agency=agency).new_lead_ids
        if AgencyWatch.objects.get(agency=agency).newest_created_at >= timezone.now() - timedelta(
            minutes=2
        ):
            break
    assert (
        AgencyLead.objects.filter(agency=agency, lead_id=yesterday)
        .exclude(announced_at=None)
        .exists()
    )
    # Yesterday's lead is indexed without a toast; the fresh one is news.
    assert announced == [fresh]
    assert list(LiveEvent.objects.values_list("lead_id", flat=True)) == [fresh]


def test_a_lead_whose_arrival_fails_is_announced_by_the_next_poll(upstream, monkeypatch):
    from leadsportal.watch import poll

    agency = upstream.agency
    started(agency)
    lead_id = upstream.add_lead()
    real = poll.followup_from_lead

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database is locked")

    monkeypatch.setattr(poll, "followup_from_lead", broken)
    result = agency_poll(agency=agency)
    assert result.error == "RuntimeError"
    assert AgencyLead.objects.get(agency=agency, lead_id=lead_id).announced_at is None
    assert not LiveEvent.objects.exists()
    assert AgencyWatch.objects.get(agency=agency).state == AgencyWatch.State.FAILING

    monkeypatch.setattr(poll, "followup_from_lead", real)
    assert agency_poll(agency=agency, force=True).new_lead_ids == (lead_id,)


def test_one_poll_of_an_agency_at_a_time(upstream):
    agency = upstream.agency
    started(agency)
    calls = upstream.api_calls()
    AgencyWatch.objects.filter(agency=agency).update(
        busy_until=timezone.now() + timedelta(seconds=15)
    )
    assert agency_poll(agency=agency).polled is False  # another worker is on it
    assert upstream.api_calls() == calls
    # A claim left by a worker that died lapses.
    AgencyWatch.objects.filter(agency=agency).update(
        busy_until=timezone.now() - timedelta(seconds=1)
    )
    assert agency_poll(agency=agency).polled is True
    assert AgencyWatch.objects.get(agency=agency).busy_until is None
