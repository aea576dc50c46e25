"""Status, assignee and notes of a lead: shared by the agency, recorded, never across agencies."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsportal.followup.models import FollowupEvent, LeadFollowup, LeadNote
from tests.followup.conftest import LYON_CLIENT_ID, listed_ids, row_html


def post_status(client, lead_id: str, status: str, **headers):  # type: ignore[no-untyped-def]
    return client.post(f"/lead/{lead_id}/suivi/statut/", {"status": status}, **headers)


def test_a_status_change_without_javascript_redirects_to_the_lead(agent, add_lead):
    lead_id = add_lead()
    response = agent.client.post(
        f"/lead/{lead_id}/suivi/statut/", {"status": "contacte", "back": "/leads/?page=2"}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/lead/{lead_id}/?back=%2Fleads%2F%3Fpage%3D2"
    html = agent.client.get(response["Location"]).content.decode()
    assert "Statut enregistré : Contacté." in html
    panel = html.split('id="followup"', 1)[1]
    assert 'data-testid="status-badge">Contacté<' in panel
    followup = LeadFollowup.objects.get(lead_id=lead_id)
    assert followup.status == "contacte" and followup.agency.name == "Agence Paris Démo"


def test_a_status_change_with_htmx_returns_the_block_only(agent, add_lead):
    lead_id = add_lead()
    response = post_status(agent.client, lead_id, "rendez-vous", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="followup"')
    assert "Statut enregistré : Rendez-vous." in html
    assert 'hx-post="/lead/' in html and 'name="csrfmiddlewaretoken"' in html


def test_changes_are_recorded_with_who_and_when(agent, manager, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "contacte")
    post_status(manager.client, lead_id, "mandat")
    post_status(manager.client, lead_id, "mandat")  # no change, no event
    events = list(FollowupEvent.objects.order_by("created_at", "id"))
    assert [(e.actor.username, e.kind, e.old_value, e.new_value) for e in events] == [
        ("agent.paris", "status", "nouveau", "contacte"),
        ("manager.paris", "status", "contacte", "mandat"),
    ]
    assert all(event.created_at is not None for event in events)
    history = (
        agent.client.get(f"/lead/{lead_id}/").content.decode().split('data-testid="history"')[1]
    )
    assert "agent.paris</strong> : statut : Nouveau → Contacté" in history
    assert "manager.paris</strong> : statut : Contacté → Mandat signé" in history


def test_the_follow_up_is_shared_by_the_agency(agent, manager, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "contacte")
    agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Rappeler après 18 h"})
    html = manager.client.get(f"/lead/{lead_id}/").content.decode()
    assert 'data-testid="status-badge">Contacté<' in html
    assert "Rappeler après 18 h" in html


def test_the_assignee_is_a_member_of_the_agency(agent, manager, lyon_agent, add_lead):
    lead_id = add_lead()
    response = agent.client.post(
        f"/lead/{lead_id}/suivi/responsable/", {"assignee": manager.user.pk}
    )
    assert response.status_code == 303
    assert LeadFollowup.objects.get(lead_id=lead_id).assignee == manager.user
    refused = agent.client.post(
        f"/lead/{lead_id}/suivi/responsable/", {"assignee": lyon_agent.user.pk}
    )
    assert refused.status_code == 400
    assert "Choisissez un membre de l'agence." in unescape(refused.content.decode())
    assert LeadFollowup.objects.get(lead_id=lead_id).assignee == manager.user
    cleared = agent.client.post(f"/lead/{lead_id}/suivi/responsable/", {"assignee": ""})
    assert cleared.status_code == 303
    assert LeadFollowup.objects.get(lead_id=lead_id).assignee is None
    kinds = list(FollowupEvent.objects.values_list("kind", "new_value").order_by("id"))
    assert kinds == [("assignee", "manager.paris"), ("assignee", "")]


def test_the_assignee_select_offers_only_the_agencys_members(agent, manager, lyon_agent, add_lead):
    lead_id = add_lead()
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    select = re.search(r'<select name="assignee"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "manager.paris" in select and "agent.paris" in select
    assert "agent.lyon" not in select


def test_notes_form_a_thread_with_author_and_time(agent, manager, add_lead):
    lead_id = add_lead()
    agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Premier appel : messagerie"})
    response = manager.client.post(
        f"/lead/{lead_id}/suivi/notes/",
        {"body": "Visite le <b>12</b>\nà 10 h"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    notes = response.content.decode().split('data-testid="notes"')[1].split("</ol>")[0]
    assert notes.index("Premier appel") < notes.index("Visite le")
    assert "<strong>agent.paris</strong> ·" in notes and "<strong>manager.paris</strong> ·" in notes
    assert "Visite le &lt;b&gt;12&lt;/b&gt;<br>à 10 h" in notes
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", notes)
    assert [note.author.username for note in LeadNote.objects.order_by("id")] == [
        "agent.paris",
        "manager.paris",
    ]
    # The history says a note was added, never what it says.
    assert FollowupEvent.objects.filter(kind="note").count() == 2
    assert not FollowupEvent.objects.filter(new_value__contains="Visite").exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_empty_or_long_notes_are_refused_with_a_message(agent, add_lead, body):
    lead_id = add_lead()
    response = agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Écrivez la note" in html or "2000 caractères" in html
    assert not LeadNote.objects.exists()


def test_a_bad_status_is_refused(agent, add_lead):
    lead_id = add_lead()
    # "Clos" was a status of the first follow-up: the seeded pipeline has no such stage.
    response = post_status(agent.client, lead_id, "clos")
    assert response.status_code == 400
    assert "Statut inconnu" in response.content.decode()
    htmx = post_status(agent.client, lead_id, "clos", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "Statut inconnu" in htmx.content.decode()


def test_a_lyon_user_can_neither_change_nor_see_a_paris_follow_up(agent, lyon_agent, add_lead):
    lead_id = add_lead()
    post_status(agent.client, lead_id, "rendez-vous")
    agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Note interne Paris"})
    for url, data in [
        (f"/lead/{lead_id}/suivi/statut/", {"status": "mandat"}),
        (f"/lead/{lead_id}/suivi/responsable/", {"assignee": lyon_agent.user.pk}),
        (f"/lead/{lead_id}/suivi/notes/", {"body": "Note de Lyon"}),
    ]:
        assert lyon_agent.client.post(url, data).status_code == 404
        assert lyon_agent.client.post(url, data, HTTP_HX_REQUEST="true").status_code == 404
    assert lyon_agent.client.get(f"/lead/{lead_id}/").status_code == 404
    assert lyon_agent.client.get(f"/lead/{lead_id}/meme-contact/").status_code == 404
    paris = LeadFollowup.objects.get(lead_id=lead_id)
    assert (paris.status, paris.assignee) == ("rendez-vous", None)
    assert list(LeadNote.objects.values_list("body", flat=True)) == ["Note interne Paris"]
    assert LeadFollowup.objects.count() == 1  # nothing stored for Lyon


def test_a_lyon_list_never_shows_paris_follow_up(agent, lyon_agent, add_lead, sandbox):
    paris_lead = add_lead()
    lyon_lead = add_lead(client_id=LYON_CLIENT_ID)
    post_status(agent.client, paris_lead, "rendez-vous")
    html = lyon_agent.client.get("/leads/?status=rendez-vous").content.decode()
    assert listed_ids(html) == []
    html = lyon_agent.client.get("/leads/").content.decode()
    assert lyon_lead in listed_ids(html) and paris_lead not in html
    assert "Rendez-vous</span>" not in row_html(html, lyon_lead)


@pytest.mark.parametrize("lead_id", ["unknown-id", "a" * 101])
def test_unknown_leads_are_404_and_store_nothing(agent, lead_id):
    response = agent.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "mandat"})
    assert response.status_code == 404
    assert not LeadFollowup.objects.exists()


def test_changes_need_post_and_csrf(agent, add_lead):
    lead_id = add_lead()
    assert agent.client.get(f"/lead/{lead_id}/suivi/statut/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)
    assert strict.post(f"/lead/{lead_id}/suivi/statut/", {"status": "mandat"}).status_code == 403
    page = strict.get(f"/lead/{lead_id}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(
        f"/lead/{lead_id}/suivi/statut/", {"status": "mandat", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303


def test_changes_require_login(client, db, add_lead):
    lead_id = add_lead()
    response = client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "mandat"})
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_lists_show_the_status_and_the_assignee(agent, manager, add_lead):
    lead_id, other = add_lead(), add_lead()
    post_status(agent.client, lead_id, "contacte")
    agent.client.post(f"/lead/{lead_id}/suivi/responsable/", {"assignee": manager.user.pk})
    html = agent.client.get("/leads/").content.decode()
    row = row_html(html, lead_id)
    assert 'data-testid="status-badge">Contacté<' in row
    assert 'data-testid="assignee">manager.paris<' in row
    assert "status-badge" not in row_html(html, other)


def test_status_and_mes_leads_filters(agent, manager, add_lead):
    contacted, qualified, mine, untouched = add_lead(), add_lead(), add_lead(), add_lead()
    post_status(agent.client, contacted, "contacte")
    post_status(manager.client, qualified, "rendez-vous")
    agent.client.post(f"/lead/{mine}/suivi/responsable/", {"assignee": agent.user.pk})
    manager.client.post(f"/lead/{qualified}/suivi/responsable/", {"assignee": manager.user.pk})

    assert listed_ids(agent.client.get("/leads/?status=contacte").content.decode()) == [contacted]
    assert listed_ids(agent.client.get("/leads/?assignee=moi").content.decode()) == [mine]
    assert listed_ids(manager.client.get("/leads/?assignee=moi").content.decode()) == [qualified]
    by_member = agent.client.get(f"/leads/?assignee={manager.user.pk}").content.decode()
    assert listed_ids(by_member) == [qualified]
    both = agent.client.get("/leads/?status=nouveau&assignee=moi").content.decode()
    assert listed_ids(both) == [mine]
    assert listed_ids(agent.client.get("/leads/vendeurs/?status=contacte").content.decode()) == []
    assert untouched in listed_ids(agent.client.get("/leads/").content.decode())
    # The filters are part of the form and of the page's URL.
    assert (
        '<option value="moi" selected>Mes leads</option>'
        in agent.client.get("/leads/?assignee=moi").content.decode()
    )


def test_an_unknown_assignee_filter_is_a_message(agent, lyon_agent):
    response = agent.client.get(f"/leads/?assignee={lyon_agent.user.pk}")
    assert response.status_code == 400
    assert "n'est pas membre de l'agence" in unescape(response.content.decode())


FILTER_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**12).map(str),
    st.sampled_from(["moi", "nouveau", "contacte", "clos", "%00", "' OR 1=1", "0", "-1"]),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(status=FILTER_VALUES, assignee=FILTER_VALUES)
def test_any_follow_up_parameter_is_a_page_never_a_500(agent, status, assignee):
    params = {"status": status, "assignee": assignee}
    assert agent.client.get("/leads/", params).status_code in (200, 400)
    post = agent.client.post("/suivi/tout-lu/?" + urlencode({**params, "tab": ""}))
    assert post.status_code == 303


def test_a_deactivated_colleague_gets_no_lead(paris, manager, make_member):
    from leadsportal.agencies.models import Membership
    from leadsportal.followup.records import (
        FollowupError,
        followup_assignee_set,
        followup_from_lead,
    )
    from tests.followup.conftest import recent_leads

    gone = make_member("agent.gone", (paris, "agent"))
    Membership.objects.filter(user=gone).update(active=False)
    followup = followup_from_lead(agency=paris, lead=recent_leads(paris)[0])
    with pytest.raises(FollowupError, match="not an active member"):
        followup_assignee_set(followup=followup, actor=manager.user, assignee=gone)
    assert LeadFollowup.objects.get(pk=followup.pk).assignee is None
