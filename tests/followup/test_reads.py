"""New (unread) leads per user, the tabs' counts and "Tout marquer comme lu"."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from leadsportal.agencies.models import Membership
from leadsportal.dashboard.dates import today_in_paris
from leadsportal.followup.models import LeadRead
from tests.followup.conftest import listed_ids, unread_ids


def tab_counts(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{family: the number shown on its tab ("0" when none is shown)}."""
    response = client.get("/suivi/compteurs/")
    assert response.status_code == 200
    fragments = re.findall(
        r'<span class="tab-count" id="new-count-(\w+)"[^>]*>(.*)',
        response.content.decode(),
    )
    assert len(fragments) == 5
    counts = {}
    for family, body in fragments:
        value = re.search(r'<span class="tab-count__value">([^<]+)</span>', body)
        counts[family] = value.group(1) if value else "0"
    return counts


def test_leads_from_before_the_membership_are_not_new(agent):
    html = agent.client.get("/leads/?per_page=100").content.decode()
    assert len(listed_ids(html)) > 20
    assert unread_ids(html) == set()


def test_a_lead_is_new_until_the_user_opens_it(agent, add_lead):
    lead_id = add_lead()
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {lead_id}
    assert agent.client.get(f"/lead/{lead_id}/").status_code == 200
    html = agent.client.get("/leads/").content.decode()
    assert lead_id in listed_ids(html)
    assert unread_ids(html) == set()


def test_two_users_of_one_agency_see_their_own_state(agent, manager, add_lead):
    first, second = add_lead(), add_lead()
    agent.client.get(f"/lead/{first}/")
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {second}
    assert unread_ids(manager.client.get("/leads/").content.decode()) == {first, second}
    manager.client.get(f"/lead/{second}/")
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {second}
    assert unread_ids(manager.client.get("/leads/").content.decode()) == {first}


def test_new_leads_are_marked_on_the_family_tab_and_the_listing_page(agent, add_lead):
    lead_id = add_lead(lead_type="CLASSIFIED", classified_id=987654321)
    assert lead_id in unread_ids(agent.client.get("/leads/annonces/").content.decode())
    assert lead_id in unread_ids(agent.client.get("/annonces/987654321/leads/").content.decode())


def test_the_tabs_count_new_leads_in_one_upstream_call(agent, add_lead, sandbox):
    classified = [add_lead(lead_type="CLASSIFIED") for _ in range(2)]
    add_lead(lead_type="SELLER")
    page = agent.client.get("/leads/").content.decode()
    assert 'data-tab-counts-url="/suivi/compteurs/"' in page
    sandbox.reset_counters()
    assert tab_counts(agent.client) == {
        "all": "3",
        "classified": "2",
        "agency": "0",
        "seller": "1",
        "property_search": "0",
    }
    assert sandbox.api_requests() == 1
    agent.client.get(f"/lead/{classified[0]}/")
    counts = tab_counts(agent.client)
    assert counts["all"] == "2" and counts["classified"] == "1"


def test_the_counts_are_per_user(agent, manager, add_lead):
    lead_id = add_lead()
    manager.client.get(f"/lead/{lead_id}/")
    assert tab_counts(agent.client)["all"] == "1"
    assert tab_counts(manager.client)["all"] == "0"


def test_mark_all_read_marks_the_current_filter_only(agent, add_lead):
    seloger = add_lead(portal="SLG-FRA")
    logic_immo = add_lead(portal="LIM-FRA")
    response = agent.client.post("/suivi/tout-lu/?portal=SLG-FRA&tab=")
    assert response.status_code == 303
    assert response["Location"] == "/leads/?portal=SLG-FRA"
    assert "1 lead marqué comme lu" in agent.client.get(response["Location"]).content.decode()
    html = agent.client.get("/leads/").content.decode()
    assert unread_ids(html) == {logic_immo}
    assert seloger in listed_ids(html)
    assert LeadRead.objects.filter(lead_id=seloger, user=agent.user).exists()


def test_mark_all_read_on_a_family_tab_leaves_the_other_families(agent, add_lead):
    seller = add_lead(lead_type="SELLER")
    agency = add_lead(lead_type="AGENCY")
    agent.client.post("/suivi/tout-lu/?tab=vendeurs")
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {agency}
    assert seller not in unread_ids(agent.client.get("/leads/vendeurs/").content.decode())


def test_mark_all_read_over_everything_moves_the_watermark_without_upstream_calls(
    agent, manager, add_lead, sandbox
):
    lead_ids = {add_lead(), add_lead(lead_type="SELLER")}
    today = today_in_paris()
    query = f"start={(today - timedelta(days=40)).isoformat()}&end={today.isoformat()}"
    sandbox.reset_counters()
    response = agent.client.post(f"/suivi/tout-lu/?{query}&tab=")
    assert response.status_code == 303
    assert sandbox.api_requests() == 0
    assert Membership.objects.get(user=agent.user).leads_read_before is not None
    assert unread_ids(agent.client.get("/leads/").content.decode()) == set()
    assert unread_ids(manager.client.get("/leads/").content.decode()) == lead_ids
    # A lead arriving afterwards is new. (The API's dates are whole seconds: "afterwards" is
    # made unambiguous by a creation date two seconds ahead.)
    later = add_lead(creation_date=timezone.now() + timedelta(seconds=2))
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {later}


def test_mark_all_read_needs_a_post_with_csrf(agent, add_lead):
    add_lead()
    assert agent.client.get("/suivi/tout-lu/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)
    assert strict.post("/suivi/tout-lu/?tab=").status_code == 403
    assert not LeadRead.objects.exists()
    assert not Membership.objects.exclude(leads_read_before=None).exists()


def test_mark_all_read_with_bad_input_is_a_message_not_an_error(agent):
    assert agent.client.post("/suivi/tout-lu/?tab=nope").status_code == 400
    response = agent.client.post("/suivi/tout-lu/?start=demain&tab=", follow=True)
    assert response.status_code in (200, 400)
    assert "Corrigez les filtres" in response.content.decode()


def test_the_list_has_a_mark_all_read_form_that_works_without_javascript(agent, add_lead):
    add_lead()
    html = agent.client.get("/leads/annonces/?portal=SLG-FRA").content.decode()
    form = re.search(
        r'<form method="post" action="(/suivi/tout-lu/[^"]*)"[^>]*>(.*?)</form>', html, re.S
    )
    assert form, "no mark-all-read form"
    assert "portal=SLG-FRA" in form.group(1)
    assert "tab=annonces" in form.group(1)
    assert 'name="csrfmiddlewaretoken"' in form.group(2)


def test_mark_all_read_on_a_follow_up_filter_needs_no_upstream_call(agent, add_lead, sandbox):
    mine, other = add_lead(), add_lead()
    agent.client.post(f"/lead/{mine}/suivi/responsable/", {"assignee": agent.user.pk})
    LeadRead.objects.all().delete()  # assigning happened without opening the lead
    sandbox.reset_counters()
    response = agent.client.post("/suivi/tout-lu/?assignee=moi&tab=")
    assert response.status_code == 303
    assert sandbox.api_requests() == 0
    assert unread_ids(agent.client.get("/leads/").content.decode()) == {other}
