"""The lead detail page and the per-listing list, against the live sandboxes.

Each test runs once per upstream (the `upstream` fixture of tests/fixtures.py), except two that
are about one upstream's own data (docs/UPSTREAMS.md): a listing's link to its ad (GSL only)
and a tracked call's card (Seeker only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria
from leadsportal.leads_api.contract import Lead


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    """An agent of the upstream's agency (Paris on GSL, Bordeaux on Seeker)."""
    return login("agent.upstream", (upstream.agency, "agent"))


def recent_ids(upstream, family: LeadFamily, *, size: int = 100) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    end = start_of_day(today_in_paris() + timedelta(days=1))
    criteria = SearchCriteria(start=end - timedelta(days=60), end=end)
    return upstream.expected(family, criteria, PageRequest(size=size)).lead_ids


def recent(upstream, family: LeadFamily, *, size: int = 100) -> Iterator[Lead]:  # type: ignore[no-untyped-def]
    """The sandbox's leads of the last 60 days, newest first, read one by one as needed."""
    return (upstream.lead(lead_id) for lead_id in recent_ids(upstream, family, size=size))


def first_with_contact(leads: Iterator[Lead]) -> Lead:
    return next(lead for lead in leads if not lead.contact.is_erased and lead.contact.phone_numbers)


def test_a_classified_lead_shows_contact_message_and_listing(agent, upstream):
    lead = first_with_contact(recent(upstream, LeadFamily.CLASSIFIED))
    response = agent.client.get(f"/lead/{lead.lead_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert lead.contact.first_name and lead.contact.first_name in unescape(html)
    phone = lead.contact.phone_numbers[0].number
    digits = "".join(ch for ch in phone if ch.isdigit())
    national = "0" + digits[2:] if phone.startswith("+33") else digits
    # Dialled in E.164, shown in the national format, however the portal wrote it.
    assert f'href="tel:+33{national[1:]}"' in html
    assert " ".join(national[i : i + 2] for i in range(0, 10, 2)) in html
    if lead.contact.email:
        assert f'href="mailto:{lead.contact.email}"' in html
    assert lead.classified is not None
    assert f"/annonces/{lead.classified.classified_id}/leads/" in html
    assert "Annonce" in html and "Expire le" in html


def test_messages_keep_their_line_breaks(agent, upstream):
    lead_id = upstream.add_lead(
        contactRequest={"firstName": "Odile", "message": "Bonjour,\nest-il encore libre ?"}
    )
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    message = html.split('data-testid="lead-message"', 1)[1].split("</div>", 1)[0]
    assert "Bonjour,<br>est-il encore libre ?" in unescape(message)


@pytest.mark.parametrize(
    ("family", "block"),
    [
        (LeadFamily.SELLER, "Estimation demandée"),
        (LeadFamily.PROPERTY_SEARCH, "Recherche de bien"),
        (LeadFamily.AGENCY, "Demande"),
    ],
)
def test_each_lead_type_shows_its_block(agent, upstream, family, block):
    # An agency contact request shows "Demande" only when the portal sent its intention.
    lead = next(
        lead
        for lead in recent(upstream, family, size=50)
        if family is not LeadFamily.AGENCY or lead.meta.intention
    )
    html = agent.client.get(f"/lead/{lead.lead_id}/").content.decode()
    assert block in html


# Seeker only: tracked calls are Seeker Leads' own family (docs/UPSTREAMS.md, "Families").
def test_a_tracked_call_shows_its_call_card(login, bordeaux, seeker_state):
    agent = login("agent.bordeaux", (bordeaux, "agent"))
    lead_id = seeker_state.add_lead(
        "agence-bordeaux-demo",
        "CALL_TRACKING",
        callDetails={"duration": 185, "isVoiceMail": False, "status": "ANSWERED"},
    )
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    card = html.split('data-testid="call-details"', 1)[1].split("</section>", 1)[0]
    assert "Décroché" in card and "3 min 05 s" in card and "Non" in card


def test_an_erased_contact_is_said_so(agent, upstream):
    lead_id = upstream.add_lead(first_name="Gaspard")
    upstream.sandbox.erase_contact(upstream.client_id, lead_id)
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert "Données effacées (RGPD)" in html
    assert "Gaspard" not in html
    assert "None" not in html


def test_the_back_link_returns_to_the_list_with_its_filters(agent, upstream):
    lead_id = recent_ids(upstream, LeadFamily.SELLER, size=1)[0]
    back = "/leads/vendeurs/?portal=SLG-FRA&per_page=50"
    html = agent.client.get(f"/lead/{lead_id}/?back={quote(back)}").content.decode()
    assert 'href="/leads/vendeurs/?portal=SLG-FRA&amp;per_page=50"' in html


def test_list_rows_link_to_the_detail_with_the_way_back(agent, upstream):
    upstream.add_lead(family=LeadFamily.SELLER, portal="SLG-FRA")  # a row whatever the seed's week
    html = agent.client.get("/leads/vendeurs/?portal=SLG-FRA").content.decode()
    assert "back=%2Fleads%2Fvendeurs%2F%3Fportal%3DSLG-FRA" in html


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_back_link_never_leaves_the_site(agent, upstream, back):
    lead_id = recent_ids(upstream, LeadFamily.ALL, size=1)[0]
    html = agent.client.get(f"/lead/{lead_id}/?back={quote(back)}").content.decode()
    assert 'href="/leads/" data-testid="back-link"' in html


def test_another_agencys_lead_is_a_404_without_its_data(agent, upstream):
    other = upstream.on_other()
    # A named one: a call (Seeker's call tracking) may come with a phone number only.
    other_lead = next(
        lead
        for lead in recent(other, LeadFamily.ALL)
        if lead.contact.last_name and not lead.contact.is_erased
    )
    response = agent.client.get(f"/lead/{other_lead.lead_id}/")
    assert response.status_code == 404
    assert other_lead.contact.last_name not in unescape(response.content.decode())


@pytest.mark.parametrize("lead_id", ["unknown-id", "a" * 101, "..%2F..%2Fetc"])
def test_unknown_or_malformed_ids_are_404(agent, lead_id):
    assert agent.client.get(f"/lead/{lead_id}/").status_code == 404


def test_an_upstream_fault_on_detail_renders_a_banner(agent, upstream):
    lead_id = recent_ids(upstream, LeadFamily.ALL, size=1)[0]
    upstream.sandbox.configure(fault_mode="malformed", fault_next=5)
    response = agent.client.get(f"/lead/{lead_id}/")
    assert response.status_code == 502
    assert "réponse illisible" in response.content.decode()


def test_the_listing_page_lists_every_lead_of_the_listing(agent, upstream):
    lead = next(recent(upstream, LeadFamily.CLASSIFIED, size=1))
    assert lead.classified is not None
    listing_id = lead.classified.classified_id
    expected = upstream.listing_expected(listing_id, PageRequest(size=100))
    response = agent.client.get(f"/annonces/{listing_id}/leads/?per_page=100")
    assert response.status_code == 200
    html = response.content.decode()
    assert expected.lead_ids and lead.lead_id in expected.lead_ids
    for lead_id in expected.lead_ids:
        assert lead_id in html
    if lead.classified.reference:
        assert lead.classified.reference in unescape(html)
    partial = agent.client.get(
        f"/annonces/{listing_id}/leads/?per_page=20",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    assert b"<html" not in partial.content and b'id="results"' in partial.content


def test_an_unknown_listing_shows_an_empty_list(agent):
    response = agent.client.get("/annonces/999999999/leads/")
    assert response.status_code == 200
    assert "Aucun lead" in response.content.decode()


# GSL only: a listing's URL comes from GSL v2; Seeker Leads gives no link to the ad.
@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x"])
def test_a_listing_url_that_is_not_a_web_address_is_no_link(login, paris, add_lead, url):
    agent = login("agent.paris", (paris, "agent"))
    lead_id = add_lead(classified={"url": url})
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert "Voir l&#x27;annonce" not in html and "Voir l'annonce" not in html
    hrefs = [href.strip().lower() for href in re.findall(r'<a [^>]*href="([^"]*)"', html)]
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:", "vbscript:"))]
