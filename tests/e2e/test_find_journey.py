"""Journey of issue 13: a manager types a listing's reference in the listing filter, then a
phone number in the search box of the header, saves a view, then opens the statistics and
reads a chart's table; at 1440×900 and on a phone for an agency on GSL v2, at 1440×900 for one on
AVIV Seeker Leads v1 (the phone is about the layout, already seen on GSL; CI time counts)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import AgencyLead
from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import add_lead, overflowing_elements, page_scrolls_sideways
from tests.e2e.test_phone_layout import PHONE

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
CONTACT = {
    "first_name": "Bérénice",
    "last_name": "Quatrefages",
    "email": "b.quatrefages@example.org",
    "phone": "+33645781290",
}


@pytest.mark.parametrize(
    ("upstream_agency", "screen"),
    [
        pytest.param("gsl", "desktop", id="gsl-desktop"),
        pytest.param("gsl", "phone", id="gsl-phone"),
        pytest.param("seeker", "desktop", id="seeker-desktop"),
    ],
    indirect=["upstream_agency"],
)
def test_a_manager_finds_leads_by_reference_phone_and_reads_the_statistics(
    browse, upstream_agency, make_member, screen
):
    agency = upstream_agency
    manager = make_member("manager", (agency, "manager"))
    lead_id = add_lead(agency, LeadFamily.CLASSIFIED, **CONTACT)
    now = timezone.now()
    contacts_index_period(
        agency=agency, start=now - timedelta(days=6), end=now + timedelta(hours=1)
    )
    listing = (
        AgencyLead.objects.filter(agency=agency)
        .exclude(classified_reference="")
        .order_by("-lead_created_at")
        .first()
    )
    assert listing is not None
    page = browse(manager, path="/leads/annonces/", **(PHONE if screen == "phone" else DESKTOP))

    # The reference as the list shows it, typed in lower case, with the suggestions offered.
    if screen == "phone":
        page.get_by_test_id("filters-toggle").click()  # folded behind "Filtres" on a phone
    field = page.get_by_label("Annonce", exact=True)
    typed = listing.classified_reference.lower()
    # The suggestions for what was typed (250 ms after the last key) have arrived.
    with page.expect_response(lambda response: f"classified={typed}" in response.url):
        field.fill(typed)
    expect(page.locator("#classified-options option").first).to_be_attached()
    field.press("Enter")
    expect(page).to_have_url(re.compile(rf"classified={listing.classified_reference.lower()}"))
    rows = page.locator("#results a.lead-link")
    expect(rows.first).to_be_visible()
    for href in page.locator("#results td a[href^='/annonces/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    ):
        assert f"/annonces/{listing.classified_id}/leads/" in href
    browse.screenshot(page, "listing-by-reference")

    # A phone number, written as the caller said it, in the header's search box.
    search = page.get_by_test_id("header-search")
    search.fill("06 45 78 12 90")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/recherche/\?q=06"))
    expect(page.get_by_test_id("search-summary")).to_have_text(
        re.compile(r"1 lead trouvé pour « 06 45 78 12 90 »")
    )
    expect(page.locator(f'#results a.lead-link[href^="/lead/{lead_id}/"]')).to_be_visible()
    assert not page_scrolls_sideways(page)
    browse.screenshot(page, "search")

    # A ready-made view, then one's own.
    page.goto("/leads/")
    page.get_by_test_id("views-bar").get_by_role("link", name="Non assignés").click()
    expect(page).to_have_url(re.compile(r"assignee=personne"))
    page.get_by_text("Enregistrer cette vue").click()
    page.get_by_placeholder("Nom de la vue").fill("À distribuer")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_test_id("my-view")).to_have_text("À distribuer")
    expect(page.get_by_role("status")).to_contain_text("Vue « À distribuer » enregistrée.")
    assert overflowing_elements(page) == []
    browse.screenshot(page, "views")

    # The statistics, and a chart's numbers in its table.
    page.goto("/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    table = page.locator("table").first
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 1
    browse.screenshot(page, "statistics")
