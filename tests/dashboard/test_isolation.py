"""An agent of one agency never gets another agency's leads, whatever the URL or parameter: on
both upstreams (the `upstream` fixture of tests/fixtures.py: Paris and Lyon on GSL v2, Bordeaux
and Nantes on Seeker Leads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsportal.agencies.access import SESSION_KEY
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def other_lead_ids(upstream) -> set[str]:  # type: ignore[no-untyped-def]
    """The newest leads of the other agency on the same upstream, by its sandbox."""
    end = start_of_day(today_in_paris() + timedelta(days=1))
    criteria = SearchCriteria(start=end - timedelta(days=7), end=end)
    return set(
        upstream.on_other().expected(LeadFamily.ALL, criteria, PageRequest(size=100)).lead_ids
    )


def test_a_forged_session_agency_falls_back_to_the_users_own(agent, upstream):
    session = agent.client.session
    session[SESSION_KEY] = upstream.other.pk
    session.save()
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in html for lead_id in other_lead_ids(upstream))
    assert upstream.agency.name in html


def test_switching_to_an_agency_one_is_not_a_member_of_is_refused(agent, upstream):
    response = agent.client.post("/agence/changer", {"agency": upstream.other.pk})
    assert response.status_code in (400, 403)
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in html for lead_id in other_lead_ids(upstream))


def test_a_member_of_two_agencies_sees_each_agency_in_turn(login, upstream):
    both = login("multi", (upstream.agency, "manager"), (upstream.other, "agent"))
    other_ids = other_lead_ids(upstream)
    both.client.post("/agence/changer", {"agency": upstream.agency.pk})
    first = both.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in first for lead_id in other_ids)
    both.client.post("/agence/changer", {"agency": upstream.other.pk})
    second = both.client.get("/leads/?per_page=100").content.decode()
    assert any(lead_id in second for lead_id in other_ids)


def test_a_user_without_agency_gets_a_clear_page(login, db, sandbox_server):
    nobody = login("nobody")
    response = nobody.client.get("/leads/")
    assert response.status_code == 403
    assert "agence" in response.content.decode().lower()


QUERY_KEYS = st.sampled_from(["start", "end", "classified", "portal", "per_page", "page", "x"])
QUERY_VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["SLG-FRA", "20", "100", "2026-02-30", "1e9", "0x10", "%00", "' OR 1=1"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=5))
def test_any_query_string_is_a_page_never_a_500(agent, query):
    params = {key: value for key, value in query}
    response = agent.client.get("/leads/annonces/", params)
    assert response.status_code in (200, 400)
