"""Response time: from a lead's creation to its first status change; the agency's median."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from leadsportal.dashboard.badges import duration_label
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.records import followup_from_lead, followup_status_set
from leadsportal.leads_api import Lead, LeadFamily, PageRequest, SearchCriteria, get_client
from tests.followup.conftest import recent_leads


def respond(agency, lead, user, *, after: timedelta, status: str = "contacte") -> LeadFollowup:  # type: ignore[no-untyped-def]
    followup = followup_from_lead(agency=agency, lead=lead)
    return followup_status_set(
        followup=followup, actor=user, status=status, now=lead.meta.creation_date + after
    )


def old_lead(agency, *, days_ago: int) -> Lead:  # type: ignore[no-untyped-def]
    end = start_of_day(today_in_paris() - timedelta(days=days_ago - 1))
    criteria = SearchCriteria(start=end - timedelta(days=1), end=end)
    page = get_client(agency.api_credentials()).search(
        LeadFamily.ALL, criteria, PageRequest(size=1)
    )
    return page.leads[0]


def median_text(html: str) -> str:
    block = html.split('data-testid="median-response"', 1)[1].split("</p>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", block)).strip(" >")


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (20, "moins d'une minute"),
        (12 * 60, "12 min"),
        (2 * 3600 + 5 * 60, "2 h 05"),
        (3 * 86400 + 4 * 3600, "3 j 4 h"),
    ],
)
def test_durations_read_in_french(seconds, label):
    assert duration_label(seconds) == label


def test_the_response_time_is_the_first_status_change_only(agent, paris):
    lead = recent_leads(paris)[0]
    first = respond(paris, lead, agent.user, after=timedelta(hours=2, minutes=5))
    assert first.response_seconds == 2 * 3600 + 5 * 60
    later = respond(paris, lead, agent.user, after=timedelta(days=2), status="rendez-vous")
    assert later.response_seconds == 2 * 3600 + 5 * 60
    assert later.first_status_change_at == lead.meta.creation_date + timedelta(hours=2, minutes=5)
    html = agent.client.get(f"/lead/{lead.lead_id}/").content.decode()
    shown = html.split('data-testid="response-time">', 1)[1].split("</dd>", 1)[0]
    assert shown.startswith("2 h 05 après réception")


def test_a_lead_without_status_change_has_no_response_time_yet(agent, add_lead):
    lead_id = add_lead()
    agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Pas joignable"})
    agent.client.post(f"/lead/{lead_id}/suivi/responsable/", {"assignee": agent.user.pk})
    assert LeadFollowup.objects.get(lead_id=lead_id).response_seconds is None
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert "pas encore" in html.split('data-testid="response-time">', 1)[1].split("</dd>", 1)[0]


def test_a_status_change_through_the_page_sets_the_response_time(agent, add_lead):
    lead_id = add_lead(minutes_ago=45)
    agent.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    followup = LeadFollowup.objects.get(lead_id=lead_id)
    expected = followup.first_status_change_at - followup.lead_created_at
    assert followup.response_seconds == int(expected.total_seconds())
    assert 45 * 60 <= followup.response_seconds < 24 * 3600


def test_the_all_tab_shows_the_agencys_median_over_the_filtered_period(agent, manager, paris):
    leads = recent_leads(paris, days=7)
    for item, minutes in zip(leads[:4], (10, 30, 50, 600), strict=True):
        respond(paris, item, manager.user, after=timedelta(minutes=minutes))
    html = agent.client.get("/leads/").content.decode()
    assert (
        median_text(html)
        == "Délai médian de première réponse sur la période : 40 min (sur 4 leads suivis)"
    )


def test_the_median_follows_the_filtered_period(agent, paris):
    today = today_in_paris()
    newest = recent_leads(paris, days=7)[:3]
    old = old_lead(paris, days_ago=20)
    for item, minutes in zip(newest, (5, 15, 45), strict=True):
        respond(paris, item, agent.user, after=timedelta(minutes=minutes))
    respond(paris, old, agent.user, after=timedelta(days=3))
    default = agent.client.get("/leads/").content.decode()
    assert median_text(default).endswith(": 15 min (sur 3 leads suivis)")
    month = (today - timedelta(days=29)).isoformat()
    wider = agent.client.get(f"/leads/?start={month}&end={today.isoformat()}").content.decode()
    assert median_text(wider).endswith(": 30 min (sur 4 leads suivis)")
    empty = agent.client.get("/leads/?start=2025-01-01&end=2025-01-31").content.decode()
    assert "aucun lead traité sur la période" in median_text(empty)


def test_the_median_is_on_the_all_tab_only(agent):
    assert 'data-testid="median-response"' in agent.client.get("/leads/").content.decode()
    assert (
        'data-testid="median-response"' not in agent.client.get("/leads/vendeurs/").content.decode()
    )


def test_the_median_costs_one_query(paris, agent, django_assert_num_queries):
    from leadsportal.followup.records import response_time_median

    leads = recent_leads(paris, family=LeadFamily.ALL)[:5]
    for index, item in enumerate(leads):
        respond(paris, item, agent.user, after=timedelta(minutes=index + 1))
    start = min(item.meta.creation_date for item in leads)
    end = max(item.meta.creation_date for item in leads) + timedelta(seconds=1)
    with django_assert_num_queries(1):
        summary = response_time_median(agency=paris, start=start, end=end)
    assert (summary.median_seconds, summary.count) == (180.0, 5)


def test_a_first_response_moves_the_median_shown_at_once(agent, manager, paris):
    leads = recent_leads(paris, days=7)
    respond(paris, leads[0], manager.user, after=timedelta(minutes=10))
    assert "10 min (sur 1 lead suivi)" in median_text(agent.client.get("/leads/").content.decode())
    # Seen again without a change: the same figure (remembered, not recomputed).
    assert "10 min (sur 1 lead suivi)" in median_text(agent.client.get("/leads/").content.decode())
    respond(paris, leads[1], manager.user, after=timedelta(minutes=30))
    assert "20 min (sur 2 leads suivis)" in median_text(
        agent.client.get("/leads/").content.decode()
    )
