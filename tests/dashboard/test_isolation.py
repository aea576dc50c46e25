"""An agent of one agency never gets another agency's leads, whatever the URL or parameter."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsportal.agencies.access import SESSION_KEY
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria, get_client


def lyon_lead_ids(lyon) -> set[str]:
    end = start_of_day(today_in_paris() + timedelta(days=1))
    page = get_client(lyon.api_credentials()).search(
        LeadFamily.ALL,
        SearchCriteria(start=end - timedelta(days=7), end=end),
        PageRequest(size=100),
    )
    return {lead.lead_id for lead in page.leads}


def test_a_forged_session_agency_falls_back_to_the_users_own(agent, paris, lyon):
    session = agent.client.session
    session[SESSION_KEY] = lyon.pk
    session.save()
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in html for lead_id in lyon_lead_ids(lyon))
    assert "Agence Paris Démo" in html


def test_switching_to_an_agency_one_is_not_a_member_of_is_refused(agent, lyon):
    response = agent.client.post("/agence/changer", {"agency": lyon.pk})
    assert response.status_code in (400, 403)
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in html for lead_id in lyon_lead_ids(lyon))


def test_a_member_of_two_agencies_sees_each_agency_in_turn(login, paris, lyon):
    both = login("multi", (paris, "manager"), (lyon, "agent"))
    lyon_ids = lyon_lead_ids(lyon)
    both.client.post("/agence/changer", {"agency": paris.pk})
    first = both.client.get("/leads/?per_page=100").content.decode()
    assert not any(lead_id in first for lead_id in lyon_ids)
    both.client.post("/agence/changer", {"agency": lyon.pk})
    second = both.client.get("/leads/?per_page=100").content.decode()
    assert any(lead_id in second for lead_id in lyon_ids)


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
