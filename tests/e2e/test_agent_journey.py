"""Journey 1: an agent logs in, lands on the newest leads, opens one and comes back to the list,
for an agency on each upstream (GSL v2, AVIV Seeker Leads v1)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from leadsportal.leads_api import Lead
from tests.e2e.helpers import (
    PASSWORD,
    criteria,
    expect_list,
    expected_page,
    htmx_swap,
    query,
)

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")


def reachable(lead: Lead) -> bool:
    """A lead whose contact can be called and mailed."""
    contact = lead.contact
    return not contact.is_erased and bool(contact.phone_numbers) and bool(contact.email)


def national_digits(number: str) -> str:
    """The sandbox's French numbers (+33…, 06…, dotted, spaced) as their 10 national digits."""
    digits = re.sub(r"\D", "", number)
    return "0" + digits[2:] if digits.startswith("33") else digits


def dialable(number: str) -> str:
    """What a phone dials: E.164."""
    return "+33" + national_digits(number)[1:]


def national(number: str) -> str:
    """How the pages show it: 06 12 34 56 78."""
    digits = national_digits(number)
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def expect_filtered_list(page: Page, portal: str, listed) -> None:  # type: ignore[no-untyped-def]
    expect(page).to_have_url(re.compile(rf"[?&]portal={portal}\b"))
    expect(page.get_by_label("Portail", exact=True)).to_have_value(portal)
    expect_list(page, listed)


def test_it_logs_in_opens_a_lead_and_comes_back_to_the_filtered_list(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    make_member("agent", (agency, "agent"))
    page = browse()

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next="))
    page.get_by_label("Identifiant", exact=True).fill("agent")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # The newest leads of the last 7 days, newest first.
    expect(page).to_have_url(re.compile(r"/leads/$"))
    expect(page.get_by_role("link", name="Tous les leads", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # Tracked calls have their tab where the upstream has them (docs/UPSTREAMS.md, "Families").
    calls_tab = page.get_by_role("link", name="Appels", exact=True)
    expect(calls_tab).to_have_count(1 if agency.is_seeker else 0)
    newest = expected_page(agency)
    assert newest.leads, "the sandbox has leads in the last 7 days"
    expect_list(page, newest)
    first_date = newest.leads[0].meta.creation_date.astimezone(PARIS)
    expect(page.locator("#results tbody tr").first.locator("td.col-date")).to_have_text(
        first_date.strftime("%d/%m/%Y %H:%M")
    )

    # Narrow to one portal, then open a lead that has a phone and an e-mail.
    portal = next(lead for lead in newest.leads if reachable(lead)).meta.portal
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option(portal)
    listed = expected_page(agency, search=criteria(portal=portal))
    expect_filtered_list(page, portal, listed)
    lead = next(lead for lead in listed.leads if reachable(lead))
    lead_link = page.locator(f'#results a.lead-link[href^="/lead/{lead.lead_id}/"]')

    lead_link.click()
    expect(page).to_have_url(re.compile(rf"/lead/{lead.lead_id}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lead.contact.full_name or "")
    phone_links = page.get_by_test_id("phone-link")
    expect(phone_links).to_have_count(len(lead.contact.phone_numbers))
    for link, phone in zip(phone_links.all(), lead.contact.phone_numbers, strict=True):
        expect(link).to_have_attribute("href", f"tel:{dialable(phone.number)}")
        expect(link).to_contain_text(national(phone.number))
    email_link = page.get_by_test_id("email-link")
    expect(email_link).to_have_attribute("href", f"mailto:{lead.contact.email}")
    expect(email_link).to_have_text(lead.contact.email or "")

    # The browser's Back button: the list with its filter.
    page.go_back()
    expect_filtered_list(page, portal, listed)

    # The page's own back link: the same.
    lead_link.click()
    expect(page).to_have_url(re.compile(rf"/lead/{lead.lead_id}/"))
    page.get_by_test_id("back-link").click()
    expect_filtered_list(page, portal, listed)
    assert query(page)["portal"] == [portal]
