"""A Seeker Leads agency's lists cost few upstream calls (issue 16): the feed's window is read as
aligned slices, closed days cached on their own (leadsportal/agencies/seeker_windows.py), against
the embedded Seeker sandbox over HTTP with an agency of about 500 leads a week."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from leadsportal.agencies import seeker_windows
from leadsportal.agencies.seeker_windows import DAY, WEEK, Slice, slices_of
from leadsportal.agencies.upstream import agency_leads_changed
from leadsportal.leads_api import LeadFamily
from leadsportal.seeker_api import MAX_WINDOW_SECONDS
from tests.dashboard.test_both_upstreams import default_criteria, shown_ids, total_of
from tests.fixtures import BORDEAUX_CLIENT, UpstreamCase

CLIENT_ID = BORDEAUX_CLIENT[0]
# 8,600 leads over the Seeker sandbox's 120 days: about 500 a week.
BUSY_AGENCY_LEADS = 8_600


@pytest.fixture
def busy(settings, db, bordeaux, nantes, seeker_state, monkeypatch) -> UpstreamCase:  # type: ignore[no-untyped-def]
    settings.SEEKER_SANDBOX_LEADS_PER_CLIENT = BUSY_AGENCY_LEADS
    # These tests count calls on an ordinary day: yesterday settled (for 5 minutes after
    # midnight UTC it is read like today, test_only_todays_slice_is_open), and no midnight
    # during the test (then today's slice is a new one).
    monkeypatch.setattr(seeker_windows, "SETTLE_SECONDS", 0)
    until_midnight = DAY - now_ts() % DAY
    if until_midnight < 30:
        time.sleep(until_midnight + 1)
    return UpstreamCase("seeker", bordeaux, nantes, seeker_state, CLIENT_ID)


@pytest.fixture
def agent(busy, login):  # type: ignore[no-untyped-def]
    return login("agent.busy", (busy.agency, "agent"))


def now_ts() -> int:
    return int(time.time())


def test_the_slices_cover_a_period_once_each_within_the_apis_seven_days():
    now = int(datetime(2026, 12, 1, 19, 30, tzinfo=UTC).timestamp())
    low = now - 92 * DAY - 1234
    slices = slices_of(low, now + 3 * 3600, now)
    assert slices[0].low <= low and slices[-1].high > now
    for before, after in itertools.pairwise(slices):
        assert before.high == after.low  # no gap, no overlap
    assert all(0 < piece.high - piece.low <= MAX_WINDOW_SECONDS for piece in slices)
    # The last 8 days (today included) are UTC days; older ones are Monday-aligned weeks.
    days = slices[-8:]
    assert all(piece.high - piece.low == DAY and piece.low % DAY == 0 for piece in days)
    assert days[-1].low <= now < days[-1].high
    weeks = [piece for piece in slices[1:-8] if piece.high - piece.low == WEEK]
    assert weeks and all(datetime.fromtimestamp(piece.low, UTC).weekday() == 0 for piece in weeks)
    # Another list starting a few hours later asks for the same slices (they share the cache).
    assert slices_of(low + 5 * 3600, now + 3600, now) == slices
    # Nothing after now: tomorrow is not asked for.
    assert slices_of(now - 3600, now + 2 * DAY, now) == [days[-1]]


def test_only_todays_slice_is_open():
    now = int(datetime(2026, 12, 1, 19, 30, tzinfo=UTC).timestamp())
    today = Slice(now - now % DAY, now - now % DAY + DAY)
    yesterday = Slice(today.low - DAY, today.low)
    assert today.is_open(now) and not yesterday.is_open(now)
    # Just after midnight, yesterday may still be receiving what the feed is ingesting.
    assert yesterday.is_open(today.low + 60)


def test_the_default_list_of_a_busy_agency_costs_at_most_two_calls_once_its_past_days_are_read(
    agent, busy
):
    expected = busy.expected(LeadFamily.ALL, default_criteria())
    # The agency gets about 500 leads a week; the default list holds fewer just after midnight in
    # Paris, when its 7 days are 6 and a few minutes.
    assert expected.count >= 350

    html = agent.client.get("/leads/").content.decode()
    assert total_of(html.split('id="results"', 1)[1]) == expected.count
    assert shown_ids(html) == list(expected.lead_ids)
    cold = busy.api_calls()
    # The first read: one slice a day, each within a page or two of 100.
    assert len(busy.sandbox.windows(CLIENT_ID)) <= seeker_windows.RECENT_DAYS + 1
    assert cold <= 2 * (seeker_windows.RECENT_DAYS + 1)

    # A new lead arrives; the watcher moves the agency's generation.
    newest = busy.add_lead(first_name="Apolline")
    agency_leads_changed(agency=busy.agency)
    windows_before = len(busy.sandbox.windows(CLIENT_ID))
    html = agent.client.get("/leads/").content.decode()
    assert busy.api_calls() - cold <= 2
    # Only today's slice was read again, and the list shows the lead with the new total.
    read_again = busy.sandbox.windows(CLIENT_ID)[windows_before:]
    assert len(read_again) == 1 and read_again[0][0] <= now_ts() <= read_again[0][1]
    assert shown_ids(html)[0] == newest
    assert total_of(html.split('id="results"', 1)[1]) == expected.count + 1

    # Other tabs, pages and filters of the same period cost nothing more.
    calls = busy.api_calls()
    for url in ("/leads/annonces/", "/leads/?page=3", "/leads/appels/", "/leads/?portal=SLG-FRA"):
        assert agent.client.get(url).status_code == 200
    assert busy.api_calls() == calls


def test_a_closed_day_is_read_again_once_its_cache_lapses(agent, busy):
    agent.client.get("/leads/")
    first = set(busy.sandbox.windows(CLIENT_ID))
    seen = len(busy.sandbox.windows(CLIENT_ID))
    # The closed days' entries lapse (CLOSED_SECONDS in production): emptied here by hand.
    from django.core.cache import cache

    cache.clear()
    agent.client.get("/leads/")
    assert set(busy.sandbox.windows(CLIENT_ID)[seen:]) >= first  # the same slices, read again


def test_a_lead_past_its_ttl_leaves_the_list_even_from_a_cached_slice(agent, busy):
    soon = now_ts() + 3
    lead_id = busy.add_lead(minutes_ago=120, metadata={"TTL": soon})
    assert lead_id in shown_ids(agent.client.get("/leads/?per_page=100").content.decode())
    calls = busy.api_calls()
    while now_ts() <= soon:
        time.sleep(0.2)
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert busy.api_calls() == calls  # the same cached slices...
    assert lead_id not in shown_ids(html)  # ...without the expired lead


def test_a_slice_that_fails_leaves_the_banner_and_nothing_cached(agent, busy):
    busy.sandbox.configure(fault_next=100, fault_mode="error500")
    response = agent.client.get("/leads/")
    assert response.status_code == 502
    assert 'data-testid="upstream-banner"' in response.content.decode()
    busy.sandbox.configure(fault_next=0, fault_mode=None)
    html = agent.client.get("/leads/").content.decode()
    expected = busy.expected(LeadFamily.ALL, default_criteria())
    assert total_of(html.split('id="results"', 1)[1]) == expected.count


def test_a_period_older_than_the_recent_days_is_read_in_weeks(agent, busy):
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=60), today - timedelta(days=31)
    response = agent.client.get(f"/leads/?start={start.isoformat()}&end={end.isoformat()}")
    assert response.status_code == 200
    # The list's period: whole Monday-aligned weeks (the page's other parts read recent days).
    older = [w for w in busy.sandbox.windows(CLIENT_ID) if w[0] < now_ts() - 20 * DAY]
    assert 5 <= len(older) <= 6
    assert all(high - low + 1 == WEEK for low, high in older)
    assert all(datetime.fromtimestamp(low, UTC).weekday() == 0 for low, _ in older)


def test_while_the_lists_are_in_use_the_watcher_keeps_their_past_days_so_a_list_costs_one_call(
    agent, busy
):
    from django.core.cache import cache

    from leadsportal.watch.poll import agency_poll

    # Half an hour later nothing is cached any more (emptied here by hand); someone opens
    # today's leads only: the agency's lists are in use again.
    agency_poll(agency=busy.agency)  # the watcher is running
    agent.client.get("/leads/")
    cache.clear()
    today = datetime.now(UTC).date().isoformat()
    agent.client.get(f"/leads/?start={today}&end={today}")
    # A lead arrives; the watcher's poll, in the worker, sees it and reads the past days again.
    newest = busy.add_lead(first_name="Apolline")
    before = busy.api_calls()
    assert agency_poll(agency=busy.agency).polled
    assert busy.api_calls() - before >= seeker_windows.RECENT_DAYS - 1
    # The default list then costs one call (today's slice, for the new lead).
    before = busy.api_calls()
    html = agent.client.get("/leads/").content.decode()
    assert busy.api_calls() - before == 1
    assert shown_ids(html)[0] == newest
    expected = busy.expected(LeadFamily.ALL, default_criteria())
    assert total_of(html.split('id="results"', 1)[1]) == expected.count
    # A poll right after reads no day again.
    before = busy.api_calls()
    agency_poll(agency=busy.agency)
    assert busy.api_calls() - before == 1  # the poll's own read


def test_nobody_using_the_lists_costs_no_warming(busy):
    from leadsportal.watch.poll import agency_poll

    agency_poll(agency=busy.agency)
    before = busy.api_calls()
    agency_poll(agency=busy.agency)
    assert busy.api_calls() - before == 1  # the poll's own read, no day of the lists


def test_a_lead_opened_from_a_link_costs_one_call_and_none_once_its_day_is_cached(agent, busy):
    lead_id = busy.expected(LeadFamily.ALL, default_criteria()).lead_ids[5]
    before = busy.api_calls()
    response = agent.client.get(f"/lead/{lead_id}/")
    assert response.status_code == 200
    assert busy.api_calls() - before == 1  # GET /leads/{leadId}, not the quarter's feed
    assert busy.sandbox.api_requests(CLIENT_ID, route="getLead") == 1

    agent.client.get("/leads/")  # its days are now cached
    other = busy.expected(LeadFamily.ALL, default_criteria()).lead_ids[7]
    before = busy.api_calls()
    assert agent.client.get(f"/lead/{other}/").status_code == 200
    assert busy.api_calls() == before


def test_a_lead_past_its_ttl_does_not_open_even_when_the_api_still_serves_it(agent, busy):
    lead_id = busy.add_lead(
        minutes_ago=60 * 24 * 30, first_name="Théodule", metadata={"TTL": now_ts() - 60}
    )
    assert busy.lead(lead_id).lead_id == lead_id  # the sandbox still answers GET /leads/{id}
    response = agent.client.get(f"/lead/{lead_id}/")
    assert response.status_code == 404
    assert "Théodule" not in response.content.decode()
