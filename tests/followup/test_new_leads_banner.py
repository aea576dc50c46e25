"""The live "N nouveaux leads" banner: a poller on open lists, one cheap upstream call a beat."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from leadsportal.dashboard.dates import today_in_paris
from tests.followup.conftest import poll_url


def banner_text(response) -> str:  # type: ignore[no-untyped-def]
    """The banner's words; "" when there is no new lead (a 204: htmx swaps nothing)."""
    if response.status_code == 204:
        return ""
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode())).strip()


def test_the_banner_counts_new_leads_as_the_sandbox_adds_them(agent, add_lead, sandbox):
    url = poll_url(agent.client.get("/leads/").content.decode())
    sandbox.reset_counters()
    assert banner_text(agent.client.get(url, HTTP_HX_REQUEST="true")) == ""
    assert sandbox.api_requests() == 1

    add_lead()
    first = agent.client.get(url, HTTP_HX_REQUEST="true")
    assert banner_text(first).startswith("1 nouveau lead ·")
    assert sandbox.api_requests() == 2

    add_lead(lead_type="SELLER")
    add_lead(lead_type="AGENCY")
    third = agent.client.get(url, HTTP_HX_REQUEST="true")
    assert banner_text(third).startswith("3 nouveaux leads ·")
    assert sandbox.api_requests() == 3
    assert sandbox.api_requests(route="searchLeads") == 3


def test_the_banner_links_to_the_refreshed_list_with_its_filters(agent, add_lead):
    url = poll_url(
        agent.client.get("/leads/vendeurs/?portal=SLG-FRA&per_page=50&page=2").content.decode()
    )
    add_lead(lead_type="SELLER", portal="SLG-FRA")
    html = agent.client.get(url, HTTP_HX_REQUEST="true").content.decode()
    link = re.search(r'<a href="([^"]+)" hx-get="([^"]+)" hx-target="#browser"', html)
    assert link, html
    target = link.group(1).replace("&amp;", "&")
    assert target.startswith("/leads/vendeurs/?")
    assert "portal=SLG-FRA" in target and "per_page=50" in target
    assert "page=2" not in target and "since" not in target and "tab=" not in target
    refreshed = agent.client.get(target, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="browser")
    assert 'id="browser"' in refreshed.content.decode()


def test_the_banner_follows_the_lists_family_and_filters(agent, add_lead):
    url = poll_url(agent.client.get("/leads/vendeurs/?portal=SLG-FRA").content.decode())
    add_lead(lead_type="CLASSIFIED", portal="SLG-FRA")
    add_lead(lead_type="SELLER", portal="LIM-FRA")
    assert banner_text(agent.client.get(url)) == ""
    add_lead(lead_type="SELLER", portal="SLG-FRA")
    assert banner_text(agent.client.get(url)).startswith("1 nouveau lead")


def test_the_banner_counts_only_leads_after_the_newest_one_shown(agent, add_lead):
    add_lead()  # already on the page when it is shown
    html = agent.client.get("/leads/").content.decode()
    url = poll_url(html)
    assert banner_text(agent.client.get(url)) == ""


def test_the_poller_is_driven_by_an_event_not_an_eval_filter(agent):
    html = agent.client.get("/leads/").content.decode()
    poller = re.search(r"<div id=\"new-leads\"[^>]*>", html).group(0)
    assert 'hx-trigger="leads:poll from:body"' in poller
    assert "visibilityState" not in html  # htmx runs with allowEval=false
    script = Path(settings.BASE_DIR, "static/js/app.js").read_text()
    assert '"leads:poll"' in script and "visibilitychange" in script
    assert "60000" in script


def test_no_poller_on_a_period_that_has_ended_or_a_follow_up_filter(agent):
    today = today_in_paris()
    past = agent.client.get(
        f"/leads/?start={(today - timedelta(days=20)).isoformat()}&end={(today - timedelta(days=10)).isoformat()}"
    ).content.decode()
    assert "data-leads-poll" not in past
    assert "data-leads-poll" not in agent.client.get("/leads/?assignee=moi").content.decode()


def test_bad_poll_parameters_are_a_400_not_a_500(agent):
    for query in ("", "tab=&since=abc", "tab=nope&since=1", "tab=&since=1&portal=XYZ"):
        assert agent.client.get(f"/suivi/nouveaux/?{query}").status_code == 400
    # Out-of-range instants are bounded, not refused.
    assert agent.client.get("/suivi/nouveaux/?tab=&since=99999999999999").status_code == 204
    # From 92 days ago at most: every lead of the window is "new" then.
    assert "nouveaux leads" in banner_text(agent.client.get("/suivi/nouveaux/?tab=&since=0"))


def test_an_upstream_fault_during_a_poll_is_silent(agent, sandbox):
    url = poll_url(agent.client.get("/leads/").content.decode())
    sandbox.configure(fault_mode="unavailable503", fault_next=100)
    response = agent.client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204


def test_polling_requires_login_and_an_agency(client, db, login, sandbox_server):
    response = client.get("/suivi/nouveaux/?tab=&since=1")
    assert response.status_code == 302
    nobody = login("nobody")
    assert nobody.client.get("/suivi/nouveaux/?tab=&since=1").status_code == 403


def test_a_lead_of_the_same_second_as_the_newest_shown_is_still_new(agent, add_lead, sandbox):
    from django.utils import timezone

    moment = timezone.now().replace(microsecond=0)
    add_lead(creation_date=moment)
    url = poll_url(agent.client.get("/leads/").content.decode())
    # The list shows that lead: nothing new yet.
    assert banner_text(agent.client.get(url, HTTP_HX_REQUEST="true")) == ""
    # Another lead of the very same second arrives after the page was shown.
    add_lead(lead_type="SELLER", creation_date=moment)
    assert banner_text(agent.client.get(url, HTTP_HX_REQUEST="true")).startswith("1 nouveau lead")
