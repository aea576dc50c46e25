"""The lead list's query object: what the filters become, as criteria, links and audit."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.dashboard.families import TABS_BY_SLUG
from leadsportal.dashboard.forms import LeadListForm
from leadsportal.dashboard.query import LeadQuery, audit_description
from leadsportal.leads_api import LeadFamily


@pytest.fixture
def membership(agent) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.select_related("agency", "user").get(user=agent.user)


def query_of(membership: Membership, raw: str, tab: str = "") -> LeadQuery:
    form = LeadListForm(QueryDict(raw), membership=membership)
    assert form.is_valid(), form.errors
    return form.query(TABS_BY_SLUG[tab])


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_filters_become_api_criteria_and_a_local_filter(membership):
    query = query_of(
        membership, "start=2026-11-02&end=2026-11-08&classified=40512&portal=SLG-FRA", "vendeurs"
    )
    criteria = query.criteria
    assert criteria.start == start_of_day(date(2026, 11, 2))
    assert criteria.end == start_of_day(date(2026, 11, 9))  # the end day is included
    assert criteria.classified_ids == (40512,) and criteria.portals == ("SLG-FRA",)
    assert not query.local.active
    mine = query_of(membership, "status=contacte&assignee=moi")
    assert mine.local.active
    assert (mine.local.status, mine.local.assignee_id) == ("contacte", membership.user_id)


def test_a_query_read_back_from_its_own_links_is_the_same_query(membership):
    raw = (
        "start=2026-11-02&end=2026-11-08&portal=LIM-FRA&status=rendez-vous&assignee=moi&per_page=50"
    )
    query = query_of(membership, raw, "annonces")
    again = query_of(membership, urlsplit(query.page_url(3)).query, "annonces")
    assert again == query.__class__(**{**query.__dict__, "page": 3})
    assert urlsplit(query.page_url(3)).path == "/leads/annonces/"


def test_the_default_window_stays_rolling_in_links_but_not_in_exports(membership):
    query = query_of(membership, "portal=SLG-FRA")
    assert (query.start, query.end) == (default_start(), today_in_paris())
    assert "start" not in params(query.page_url(2)) and "end" not in params(query.url)
    export = params(query.export_url("csv"))
    assert export["start"] == [default_start().isoformat()]
    assert export["end"] == [today_in_paris().isoformat()]
    assert export["portal"] == ["SLG-FRA"] and export["format"] == ["csv"]
    assert "page" not in export and "per_page" not in export


def test_the_mark_all_read_url_keeps_the_list(membership):
    query = query_of(membership, "portal=SLG-FRA&per_page=50&page=4", "agence")
    mark = params(query.mark_all_read_url)
    assert mark["tab"] == ["agence"] and mark["portal"] == ["SLG-FRA"] and "page" not in mark


def test_the_audit_says_what_the_history_shows(membership, manager):
    query = query_of(
        membership,
        f"start=2026-11-21&end=2026-11-27&portal=SLG-FRA&status=contacte&assignee={manager.user.pk}",
        "vendeurs",
    )
    audit = query.audit()
    assert audit["status"] == "contacte" and audit["assignee"] == manager.user.pk
    assert audit["assignee_name"] == "manager.paris"
    assert query.description() == (
        "Vendeurs · du 21/11/2026 au 27/11/2026 · SeLoger · suivi : Contacté · "
        "responsable : manager.paris"
    )
    # "Mes leads" is recorded with the name of the person it meant.
    assert query_of(membership, "assignee=moi").audit()["assignee_name"] == "agent.paris"


def test_an_old_or_odd_audit_still_reads(membership):
    assert audit_description(LeadFamily.SELLER.value, {}) == "Vendeurs"
    assert audit_description("NOPE", {"start": "x"}) == "NOPE"
    assert audit_description(LeadFamily.ALL.value, {"status": "inconnu"}) == "Tous les leads"


def test_an_unknown_assignee_is_refused_with_a_message(membership, lyon_agent):
    form = LeadListForm(QueryDict(f"assignee={lyon_agent.user.pk}"), membership=membership)
    assert not form.is_valid()
    assert "pas membre de l'agence" in form.errors["assignee"][0]


def test_a_week_ago_is_the_default_start(membership):
    assert query_of(membership, "").start == today_in_paris() - timedelta(days=6)


def test_links_with_the_old_french_keys_still_lead_to_the_same_list(agent):
    response = agent.client.get("/leads/vendeurs/?statut=contacte&responsable=moi&portal=SLG-FRA")
    assert response.status_code == 301
    assert response["Location"] == "/leads/vendeurs/?status=contacte&assignee=moi&portal=SLG-FRA"
    detail = agent.client.get("/lead/abc/?retour=%2Fleads%2F")
    assert detail.status_code == 301 and detail["Location"] == "/lead/abc/?back=%2Fleads%2F"
