"""One agency per tab: a page rendered for one agency never receives another agency's rows,
and a link to a lead of another of the person's agencies offers to switch."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from leadsportal.agencies.access import AGENCY_HEADER
from leadsportal.followup.fingerprints import contacts_index_period
from tests.dashboard.test_isolation import lyon_lead_ids


@pytest.fixture
def both(make_member, paris, lyon) -> Client:  # type: ignore[no-untyped-def]
    """A person in both agencies, Paris current (the first by name is Lyon: switch to Paris)."""
    user = make_member("agent.both", (paris, "agent"), (lyon, "agent"))
    client = Client()
    client.force_login(user)
    assert client.post("/agence/changer", {"agency": paris.pk}).status_code == 302
    return client


def htmx(agency_id: int, target: str = "results") -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target, AGENCY_HEADER: str(agency_id)}


def test_a_fragment_asked_by_a_page_of_another_agency_reloads_the_whole_page(both, paris, lyon):
    # A tab still shows Lyon (rendered before the switch in another tab); its filter changes.
    response = both.get("/leads/?page=2", headers=htmx(lyon.pk))
    assert response.status_code == 200
    assert response.headers["HX-Refresh"] == "true"
    assert not response.content.strip()  # no row of either agency in the old page
    # The reload shows the current agency, and says why.
    html = unescape(both.get("/leads/").content.decode())
    assert "Vous avez changé d'agence dans un autre onglet" in html
    assert "Agence Paris Démo" in html
    assert not any(lead_id in html for lead_id in lyon_lead_ids(lyon))


def test_a_page_of_the_current_agency_gets_its_fragment(both, paris):
    response = both.get("/leads/?page=2", headers=htmx(paris.pk))
    assert "HX-Refresh" not in response.headers
    assert 'id="results"' in response.content.decode()


def test_a_change_posted_by_a_page_of_another_agency_changes_nothing(both, lyon, paris):
    lead_id = next(iter(lyon_lead_ids(lyon)))
    response = both.post(
        f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"}, headers=htmx(lyon.pk, "followup")
    )
    assert response.headers["HX-Refresh"] == "true"
    from leadsportal.followup.models import LeadFollowup

    assert not LeadFollowup.objects.filter(lead_id=lead_id).exists()


def test_every_page_names_its_agency_for_htmx(both, paris):
    html = both.get("/leads/").content.decode()
    assert f'"{AGENCY_HEADER}": "{paris.pk}"' in html


def test_a_lead_of_another_of_ones_agencies_offers_to_switch(both, lyon):
    now = timezone.now()
    contacts_index_period(agency=lyon, start=now - timedelta(days=7), end=now + timedelta(hours=1))
    lead_id = next(iter(lyon_lead_ids(lyon)))
    page = both.get(f"/lead/{lead_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ce lead est dans une autre de vos agences" in html
    assert "Agence Lyon Démo" in html
    switched = both.post("/agence/changer", {"agency": lyon.pk, "next": f"/lead/{lead_id}/"})
    assert switched.status_code == 302 and switched["Location"] == f"/lead/{lead_id}/"
    detail = both.get(switched["Location"])
    assert detail.status_code == 200 and lead_id in detail.content.decode()


def test_for_anyone_else_it_stays_a_404_that_reveals_nothing(agent, lyon):
    now = timezone.now()
    contacts_index_period(agency=lyon, start=now - timedelta(days=7), end=now + timedelta(hours=1))
    lead_id = next(iter(lyon_lead_ids(lyon)))
    response = agent.client.get(f"/lead/{lead_id}/")
    assert response.status_code == 404
    assert "Lyon" not in response.content.decode()


def test_the_switch_never_sends_elsewhere(both, lyon):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = both.post("/agence/changer", {"agency": lyon.pk, "next": target})
        assert response["Location"] == "/leads/"


def test_the_tab_counts_of_a_page_of_another_agency_are_not_given(both, lyon):
    # static/js/app.js sends the page's agency with its fetch of the counts, and drops them
    # when the server answers with a reload.
    response = both.get("/suivi/compteurs/", headers={AGENCY_HEADER: str(lyon.pk)})
    assert response.headers["HX-Refresh"] == "true"
    assert b"tab-count" not in response.content
