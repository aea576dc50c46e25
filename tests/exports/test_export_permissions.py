"""Managers export; agents only when their agency allows it; never another agency's leads."""

from __future__ import annotations

import html

import pytest

from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import all_leads, body, criteria_for, read_csv, window

pytest_plugins = ["tests.fixtures"]

EXPORT_URLS = [
    "/exports/leads/?format=csv",
    "/exports/leads/vendeurs/?format=xlsx",
    "/exports/annonces/1/?format=csv-excel",
]


@pytest.mark.parametrize("url", EXPORT_URLS)
def test_an_agent_cannot_export_by_default(agent, sandbox, url):
    response = agent.client.get(url)
    assert response.status_code == 403
    page = html.unescape(response.content.decode())
    assert "Vous ne pouvez pas exporter de leads" in page
    assert "seuls les responsables peuvent exporter" in page
    assert sandbox.api_requests() == 0  # refused before any upstream call
    assert not ExportRecord.objects.exists()


def test_an_agent_sees_no_export_menu_by_default(agent):
    page = agent.client.get("/leads/").content.decode()
    assert 'data-testid="results"' in page
    assert 'data-testid="export-menu"' not in page
    assert "/exports/" not in page


def test_an_agent_exports_when_the_agency_allows_it(agent, paris):
    paris.agents_can_export = True
    paris.save()
    page = agent.client.get("/leads/").content.decode()
    assert 'data-testid="export-menu"' in page
    assert "/exports/historique/" not in page  # the history stays for managers
    response = agent.client.get("/exports/leads/?format=csv")
    assert response.status_code == 200
    assert len(read_csv(body(response), excel_fr=False)) > 1


def test_a_manager_exports_and_sees_the_history_link(manager):
    page = manager.client.get("/leads/").content.decode()
    assert 'data-testid="export-menu"' in page
    assert "/exports/historique/" in page
    assert manager.client.get("/exports/leads/agence/?format=xlsx").status_code == 200


def test_exports_require_login(client, db):
    response = client.get("/exports/leads/?format=csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_an_export_only_ever_holds_the_current_agencys_leads(login, paris, lyon):
    lyon.agents_can_export = True
    lyon.save()
    user = login("agent.lyon", (lyon, "agent"))
    start, end = window(30)
    rows = read_csv(
        body(user.client.get(f"/exports/leads/?start={start}&end={end}&format=csv")),
        excel_fr=False,
    )
    exported = {row[1] for row in rows[1:]}
    lyon_ids = {
        lead.lead_id for lead in all_leads(lyon, LeadFamily.ALL, criteria_for(start, end))[0]
    }
    paris_leads, _count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    assert exported == lyon_ids
    assert not exported & {lead.lead_id for lead in paris_leads}

    # A Paris listing asked for by number from Lyon: the API answers for Lyon's credentials only.
    paris_listing = next(lead.classified for lead in paris_leads if lead.classified)
    response = user.client.get(f"/exports/annonces/{paris_listing.classified_id}/?format=csv")
    assert response.status_code == 200
    assert read_csv(body(response), excel_fr=False)[1:] == []


def test_the_history_is_for_managers_of_the_agency_only(agent, manager, login, lyon):
    manager.client.get("/exports/leads/?format=csv").getvalue()
    lyon_manager = login("manager.lyon", (lyon, "manager"))
    lyon_manager.client.get("/exports/leads/?format=csv").getvalue()

    response = agent.client.get("/exports/historique/")
    assert response.status_code == 403
    assert "réservé aux responsables" in html.unescape(response.content.decode())

    page = manager.client.get("/exports/historique/").content.decode()
    assert "manager.paris" in page
    assert "manager.lyon" not in page
