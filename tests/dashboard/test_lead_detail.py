"""The lead detail page and the per-listing list, against the live sandbox."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria, get_client
from leadsportal.leads_api.contract import Lead


def recent(agency, family: LeadFamily, *, size: int = 100) -> list[Lead]:
    end = start_of_day(today_in_paris() + timedelta(days=1))
    criteria = SearchCriteria(start=end - timedelta(days=60), end=end)
    return list(
        get_client(agency.api_credentials()).search(family, criteria, PageRequest(size=size)).leads
    )


def first_with_contact(leads: list[Lead]) -> Lead:
    return next(lead for lead in leads if not lead.contact.is_erased and lead.contact.phone_numbers)


def test_a_classified_lead_shows_contact_message_and_listing(agent, paris):
    lead = first_with_contact(recent(paris, LeadFamily.CLASSIFIED))
    response = agent.client.get(f"/lead/{lead.lead_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert lead.contact.first_name in html or lead.contact.first_name.replace("'", "&#x27;") in html
    phone = lead.contact.phone_numbers[0].number
    digits = "".join(ch for ch in phone if ch.isdigit())
    national = "0" + digits[2:] if phone.startswith("+33") else digits
    # Dialled in E.164, shown in the national format, however the portal wrote it.
    assert f'href="tel:+33{national[1:]}"' in html
    assert " ".join(national[i : i + 2] for i in range(0, 10, 2)) in html
    if lead.contact.email:
        assert f'href="mailto:{lead.contact.email}"' in html
    assert f"/annonces/{lead.classified.classified_id}/leads/" in html
    assert "Annonce" in html and "Expire le" in html


def test_messages_keep_their_line_breaks(agent, paris):
    leads = recent(paris, LeadFamily.ALL)
    lead = next(lead for lead in leads if lead.contact.message and "\n" in lead.contact.message)
    html = agent.client.get(f"/lead/{lead.lead_id}/").content.decode()
    assert "<br>" in html.split('data-testid="lead-message"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    ("family", "block"),
    [
        (LeadFamily.SELLER, "Estimation demandée"),
        (LeadFamily.PROPERTY_SEARCH, "Recherche de bien"),
        (LeadFamily.AGENCY, "Demande"),
    ],
)
def test_each_lead_type_shows_its_block(agent, paris, family, block):
    # An agency contact request shows "Demande" only when the portal sent its intention.
    lead = next(
        lead
        for lead in recent(paris, family, size=50)
        if family is not LeadFamily.AGENCY or lead.meta.intention
    )
    html = agent.client.get(f"/lead/{lead.lead_id}/").content.decode()
    assert block in html


def test_an_erased_contact_is_said_so(agent, paris):
    end = start_of_day(today_in_paris() + timedelta(days=1))
    client = get_client(paris.api_credentials())
    erased = None
    for index in range(1, 20):
        page = client.search(
            LeadFamily.ALL,
            SearchCriteria(start=end - timedelta(days=89), end=end),
            PageRequest(index=index, size=100),
        )
        erased = next((lead for lead in page.leads if lead.contact.is_erased), None)
        if erased or index >= page.page_count:
            break
    assert erased is not None
    html = agent.client.get(f"/lead/{erased.lead_id}/").content.decode()
    assert "Données effacées (RGPD)" in html
    assert "None" not in html


def test_the_back_link_returns_to_the_list_with_its_filters(agent, paris):
    lead = recent(paris, LeadFamily.SELLER, size=1)[0]
    back = "/leads/vendeurs/?portal=SLG-FRA&per_page=50"
    html = agent.client.get(f"/lead/{lead.lead_id}/?back={quote(back)}").content.decode()
    assert 'href="/leads/vendeurs/?portal=SLG-FRA&amp;per_page=50"' in html


def test_list_rows_link_to_the_detail_with_the_way_back(agent, paris):
    html = agent.client.get("/leads/vendeurs/?portal=SLG-FRA").content.decode()
    assert "back=%2Fleads%2Fvendeurs%2F%3Fportal%3DSLG-FRA" in html


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_back_link_never_leaves_the_site(agent, paris, back):
    lead = recent(paris, LeadFamily.ALL, size=1)[0]
    html = agent.client.get(f"/lead/{lead.lead_id}/?back={quote(back)}").content.decode()
    assert 'href="/leads/" data-testid="back-link"' in html


def test_another_agencys_lead_is_a_404_without_its_data(agent, lyon):
    lyon_lead = first_with_contact(recent(lyon, LeadFamily.ALL))
    response = agent.client.get(f"/lead/{lyon_lead.lead_id}/")
    assert response.status_code == 404
    assert lyon_lead.contact.last_name not in response.content.decode()


@pytest.mark.parametrize("lead_id", ["unknown-id", "a" * 101, "..%2F..%2Fetc"])
def test_unknown_or_malformed_ids_are_404(agent, lead_id):
    assert agent.client.get(f"/lead/{lead_id}/").status_code == 404


def test_an_upstream_fault_on_detail_renders_a_banner(agent, paris, sandbox):
    lead = recent(paris, LeadFamily.ALL, size=1)[0]
    sandbox.configure(fault_mode="malformed", fault_next=5)
    response = agent.client.get(f"/lead/{lead.lead_id}/")
    assert response.status_code == 502
    assert "réponse illisible" in response.content.decode()


def test_the_listing_page_lists_every_lead_of_the_listing(agent, paris):
    lead = recent(paris, LeadFamily.CLASSIFIED, size=1)[0]
    listing_id = lead.classified.classified_id
    expected = get_client(paris.api_credentials()).classified_leads(
        listing_id, PageRequest(size=100)
    )
    response = agent.client.get(f"/annonces/{listing_id}/leads/?per_page=100")
    assert response.status_code == 200
    html = response.content.decode()
    for listed in expected.leads:
        assert listed.lead_id in html
    if lead.classified.reference:
        assert lead.classified.reference in html
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


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x"])
def test_a_listing_url_that_is_not_a_web_address_is_no_link(agent, add_lead, url):
    lead_id = add_lead(classified={"url": url})
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert "Voir l&#x27;annonce" not in html and "Voir l'annonce" not in html
    hrefs = [href.strip().lower() for href in re.findall(r'<a [^>]*href="([^"]*)"', html)]
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:", "vbscript:"))]
