"""One agency per tab: a page rendered for one agency never receives another agency's rows,
and a link to a lead of another of the person's agencies offers to switch: on both upstreams
(the `upstream` fixture of tests/fixtures.py; `upstream.other` is the second agency)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from leadsportal.agencies.access import AGENCY_HEADER
from leadsportal.followup.fingerprints import contacts_index_period
from tests.dashboard.test_isolation import other_lead_ids


@pytest.fixture
def both(make_member, upstream) -> Client:  # type: ignore[no-untyped-def]
    """A person in both agencies of the upstream, `upstream.agency` current (switched to: the
    first by name is not always that one)."""
    user = make_member("agent.both", (upstream.agency, "agent"), (upstream.other, "agent"))
    client = Client()
    client.force_login(user)
    assert client.post("/agence/changer", {"agency": upstream.agency.pk}).status_code == 302
    return client


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def index_other(upstream) -> str:  # type: ignore[no-untyped-def]
    """One of the other agency's leads, in its lead index (as its watcher would have it)."""
    now = timezone.now()
    contacts_index_period(
        agency=upstream.other, start=now - timedelta(days=7), end=now + timedelta(hours=1)
    )
    return next(iter(other_lead_ids(upstream)))


def htmx(agency_id: int, target: str = "results") -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target, AGENCY_HEADER: str(agency_id)}


def test_a_fragment_asked_by_a_page_of_another_agency_reloads_the_whole_page(both, upstream):
    # A tab still shows the other agency (rendered before the switch in another tab); its
    # filter changes.
    response = both.get("/leads/?page=2", headers=htmx(upstream.other.pk))
    assert response.status_code == 200
    assert response.headers["HX-Refresh"] == "true"
    assert not response.content.strip()  # no row of either agency in the old page
    # The reload shows the current agency, and says why.
    html = unescape(both.get("/leads/").content.decode())
    assert "Vous avez changé d'agence dans un autre onglet" in html
    assert upstream.agency.name in html
    assert not any(lead_id in html for lead_id in other_lead_ids(upstream))


def test_a_page_of_the_current_agency_gets_its_fragment(both, upstream):
    response = both.get("/leads/?page=2", headers=htmx(upstream.agency.pk))
    assert "HX-Refresh" not in response.headers
    assert 'id="results"' in response.content.decode()


def test_a_change_posted_by_a_page_of_another_agency_changes_nothing(both, upstream):
    lead_id = next(iter(other_lead_ids(upstream)))
    response = both.post(
        f"/lead/{lead_id}/suivi/statut/",
        {"status": "contacte"},
        headers=htmx(upstream.other.pk, "followup"),
    )
    assert response.headers["HX-Refresh"] == "true"
    from leadsportal.followup.models import LeadFollowup

    assert not LeadFollowup.objects.filter(lead_id=lead_id).exists()


def test_every_page_names_its_agency_for_htmx(both, upstream):
    html = both.get("/leads/").content.decode()
    assert f'"{AGENCY_HEADER}": "{upstream.agency.pk}"' in html


def test_a_lead_of_another_of_ones_agencies_offers_to_switch(both, upstream):
    lead_id = index_other(upstream)
    page = both.get(f"/lead/{lead_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ce lead est dans une autre de vos agences" in html
    assert upstream.other.name in html
    switched = both.post(
        "/agence/changer", {"agency": upstream.other.pk, "next": f"/lead/{lead_id}/"}
    )
    assert switched.status_code == 302 and switched["Location"] == f"/lead/{lead_id}/"
    detail = both.get(switched["Location"])
    assert detail.status_code == 200 and lead_id in detail.content.decode()


def test_for_anyone_else_it_stays_a_404_that_reveals_nothing(agent, upstream):
    lead_id = index_other(upstream)
    response = agent.client.get(f"/lead/{lead_id}/")
    assert response.status_code == 404
    city = upstream.other.name.split()[1]  # "Lyon", "Nantes"
    assert city not in response.content.decode()


def test_the_switch_never_sends_elsewhere(both, upstream):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = both.post("/agence/changer", {"agency": upstream.other.pk, "next": target})
        assert response["Location"] == "/leads/"


def test_the_tab_counts_of_a_page_of_another_agency_are_not_given(both, upstream):
    # static/js/app.js sends the page's agency with its fetch of the counts, and drops them
    # when the server answers with a reload.
    response = both.get("/suivi/compteurs/", headers={AGENCY_HEADER: str(upstream.other.pk)})
    assert response.headers["HX-Refresh"] == "true"
    assert b"tab-count" not in response.content


def test_a_person_in_agencies_on_both_upstreams_switches_between_them(make_member, paris, bordeaux):
    """Not parametrised: one agency on each upstream at once (the demo's admin has both)."""
    from leadsportal.leads_api import LeadFamily, SearchCriteria
    from tests.fixtures import BORDEAUX_CLIENT, UpstreamCase

    user = make_member("agent.two-apis", (paris, "agent"), (bordeaux, "agent"))
    client = Client()
    client.force_login(user)
    assert client.post("/agence/changer", {"agency": paris.pk}).status_code == 302
    now = timezone.now()
    contacts_index_period(
        agency=bordeaux, start=now - timedelta(days=7), end=now + timedelta(hours=1)
    )
    seeker = UpstreamCase("seeker", bordeaux, paris, None, BORDEAUX_CLIENT[0])
    week = SearchCriteria(start=now - timedelta(days=6), end=now)
    lead_id = seeker.expected(LeadFamily.ALL, week).lead_ids[0]
    # Paris (GSL) is current: the Seeker lead is offered behind a switch, then shown.
    html = client.get(f"/lead/{lead_id}/").content.decode()
    assert "Ce lead est dans une autre de vos agences" in html and bordeaux.name in html
    assert 'href="/leads/appels/"' not in client.get("/leads/").content.decode()
    client.post("/agence/changer", {"agency": bordeaux.pk})
    detail = client.get(f"/lead/{lead_id}/")
    assert detail.status_code == 200 and lead_id in detail.content.decode()
    assert 'href="/leads/appels/"' in client.get("/leads/").content.decode()
