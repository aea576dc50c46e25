"""Views of the lists: the ready-made ones ("Mes leads", "Non assignés", "Sans réponse depuis
plus d'1 h", "Non lus") and each person's saved ones, round-trip; the URL stays the truth. On
both upstreams (tests/fixtures.py, `upstream`)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from leadsportal.dashboard.models import SavedView
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
)

LEAD_LINK = re.compile(r'href="/lead/([A-Za-z0-9_-]+)/')


def index_now(agency) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    contacts_index_period(
        agency=agency, start=now - timedelta(days=1), end=now + timedelta(hours=1)
    )


def listed(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    results = response.content.decode().split('data-testid="results"', 1)[1]
    return list(dict.fromkeys(LEAD_LINK.findall(results)))


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def test_the_ready_made_views_sit_above_the_tabs(agent):
    html = unescape(agent.client.get("/leads/").content.decode())
    bar = html.split('data-testid="views-bar"', 1)[1].split("</nav>", 1)[0]
    for label, url in (
        ("Mes leads", "/leads/?assignee=moi"),
        ("Non assignés", "/leads/?assignee=personne"),
        ("Sans réponse depuis plus d'1 h", "/leads/?waiting=1h"),
        ("Non lus", "/leads/?unread=1"),
    ):
        assert f'href="{url}"' in bar and label in bar
    assert html.index('data-testid="views-bar"') < html.index('class="tabs"')


def test_unassigned_are_the_leads_nobody_has(agent, manager, upstream):
    taken, free = upstream.add_lead(minutes_ago=5), upstream.add_lead(minutes_ago=4)
    index_now(upstream.agency)
    followup = followup_from_lead(agency=upstream.agency, lead=upstream.lead(taken))
    followup_assignee_set(followup=followup, actor=manager.user, assignee=agent.user)
    shown = listed(agent.client, "/leads/?assignee=personne&per_page=100")
    assert free in shown and taken not in shown
    assert "Mes leads" in agent.client.get("/leads/?assignee=personne").content.decode()


def test_unanswered_for_over_an_hour(agent, manager, upstream):
    late, recent, answered = (
        upstream.add_lead(minutes_ago=90),
        upstream.add_lead(minutes_ago=10),
        upstream.add_lead(minutes_ago=120),
    )
    index_now(upstream.agency)
    followup = followup_from_lead(agency=upstream.agency, lead=upstream.lead(answered))
    followup_status_set(followup=followup, actor=manager.user, status="contacte")
    shown = listed(agent.client, "/leads/?waiting=1h&per_page=100")
    assert late in shown
    assert recent not in shown and answered not in shown


def test_unread_are_those_i_have_not_opened(agent, upstream):
    opened, unopened = upstream.add_lead(), upstream.add_lead()  # after the agent joined: new
    index_now(upstream.agency)
    assert agent.client.get(f"/lead/{opened}/").status_code == 200
    shown = listed(agent.client, "/leads/?unread=1")
    assert shown == [unopened]


def test_a_view_saved_renamed_and_removed(agent):
    url = "/leads/vendeurs/?portal=SLG-FRA&status=contacte&page=3"
    saved = agent.client.post("/vues/", {"name": "  Vendeurs  SeLoger ", "url": url})
    assert saved.status_code == 303
    assert saved["Location"] == "/leads/vendeurs/?portal=SLG-FRA&status=contacte"  # no page
    view = SavedView.objects.get()
    assert view.name == "Vendeurs SeLoger"
    page = unescape(agent.client.get(saved["Location"]).content.decode())
    assert "Vue « Vendeurs SeLoger » enregistrée." in page
    assert re.search(r'class="view-link view-link--mine is-active"[^>]*>Vendeurs SeLoger<', page)

    renamed = agent.client.post(f"/vues/{view.pk}/renommer/", {"name": "SeLoger vendeurs"})
    assert renamed.status_code == 303
    assert "SeLoger vendeurs" in agent.client.get("/leads/").content.decode()
    removed = agent.client.post(f"/vues/{view.pk}/supprimer/")
    assert removed.status_code == 303 and not SavedView.objects.exists()


def test_views_are_ones_own(agent, manager):
    agent.client.post("/vues/", {"name": "Mine", "url": "/leads/?portal=SLG-FRA"})
    view = SavedView.objects.get()
    assert "Mine" not in manager.client.get("/leads/").content.decode()
    manager.client.post(f"/vues/{view.pk}/supprimer/")
    page = unescape(manager.client.get("/vues/").content.decode())
    assert "Cette vue n'existe pas (ou plus)." in page
    assert SavedView.objects.filter(pk=view.pk).exists()


# The form refuses these before any list is read: one upstream suffices.
@pytest.mark.parametrize("upstream", ["gsl"], indirect=True)
@pytest.mark.parametrize(
    ("name", "url", "message"),
    [
        ("", "/leads/", "Donnez un nom à cette vue."),
        ("x", "https://evil.example/leads/", "Seules les listes de leads"),
        ("x", "/agence/reglages/", "Seules les listes de leads"),
        ("x" * 61, "/leads/", "60 caractères au plus"),
    ],
)
def test_what_cannot_be_saved_says_why(agent, name, url, message):
    response = agent.client.post("/vues/", {"name": name, "url": url}, follow=True)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not SavedView.objects.exists()


def test_two_views_of_one_name_are_refused(agent):
    agent.client.post("/vues/", {"name": "A", "url": "/leads/"})
    response = agent.client.post("/vues/", {"name": "A", "url": "/leads/?unread=1"}, follow=True)
    assert "Vous avez déjà une vue de ce nom." in unescape(response.content.decode())
    assert SavedView.objects.count() == 1
