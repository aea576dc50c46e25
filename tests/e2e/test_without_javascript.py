"""Journey 7: with JavaScript off, filters, pagination and the bulk bar work through full page
loads, for an agency on each upstream (GSL v2, AVIV Seeker Leads v1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from leadsportal.dashboard.dates import today_in_paris
from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import criteria, expect_list, expected_page, page_count

pytestmark = pytest.mark.browser


def test_it_filters_and_pages_with_javascript_disabled(browse, upstream_agency, make_member):
    agency = upstream_agency
    manager = make_member("manager", (agency, "manager"))
    page = browse(manager, path="/leads/", java_script_enabled=False)
    expect_list(page, expected_page(agency))

    # Tabs are plain links.
    page.get_by_role("link", name="Annonces", exact=True).click()
    expect(page).to_have_url(re.compile(r"/leads/annonces/$"))
    family = LeadFamily.CLASSIFIED
    expect_list(page, expected_page(agency, family))

    # Journey 2 through the "Filtrer" button: dates first, then listing and portal.
    today = today_in_paris()
    start, end = today - timedelta(days=40), today - timedelta(days=10)
    page.get_by_label("Du", exact=True).fill(start.isoformat())
    page.get_by_label("Au", exact=True).fill(end.isoformat())
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(rf"start={start.isoformat()}&end={end.isoformat()}"))
    in_window = expected_page(agency, family, criteria(start, end))
    expect_list(page, in_window)

    classified = next(lead.classified for lead in in_window.leads if lead.classified)
    listing = classified.classified_id
    typed = classified.number_label  # the number as the list shows it (Seeker: the portal's id)
    of_listing = expected_page(agency, family, criteria(start, end, classified=listing))
    portal = of_listing.leads[0].meta.portal
    page.get_by_label("Annonce", exact=True).fill(typed)
    page.get_by_label("Portail", exact=True).select_option(portal)
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(rf"classified={re.escape(typed)}&portal={portal}"))
    expect_list(
        page, expected_page(agency, family, criteria(start, end, classified=listing, portal=portal))
    )

    page.go_back()
    expect(page).to_have_url(re.compile(r"portal=(&|$)"))
    expect_list(page, in_window)

    # Journey 3 through plain links and the page size field.
    page.get_by_role("link", name="Suivante", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    search = criteria(start, end)
    expect_list(page, expected_page(agency, family, search, page=2))

    page.get_by_label("Par page", exact=True).select_option("50")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"per_page=50"))
    expect(page).not_to_have_url(re.compile(r"[?&]page="))
    expect_list(page, expected_page(agency, family, search, size=50))

    last = page_count(in_window.count, 50)
    assert last >= 2
    page.get_by_role("link", name="Dernière page", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"[?&]page={last}\b"))
    expect_list(page, expected_page(agency, family, search, page=last, size=50))


def test_bulk_actions_and_their_undo_with_javascript_disabled(browse, upstream_agency, make_member):
    """Issue 17: the bulk bar is plain forms: tick, choose, apply, undo, each a page load."""
    from leadsportal.followup.models import LeadFollowup
    from tests.e2e.helpers import lead_ids

    agent = make_member("agent", (upstream_agency, "agent"))
    page = browse(agent, path="/leads/", java_script_enabled=False)
    ids = lead_ids(page)[:2]
    for lead_id in ids:
        page.locator(f'tr[data-lead-id="{lead_id}"] input.row-select').check()
    bar = page.get_by_test_id("bulk-bar")
    bar.locator("summary").click()
    bar.get_by_label("Action").select_option("stage")
    # The stage's fields show once it is chosen (CSS, no script).
    expect(bar.get_by_label("Étape", exact=True)).to_be_visible()
    bar.get_by_label("Étape", exact=True).select_option(label="Contacté")
    bar.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-notice")).to_contain_text(
        "2 leads passés à l'étape « Contacté »."
    )
    assert set(LeadFollowup.objects.values_list("status", flat=True)) == {"contacte"}
    page.get_by_test_id("bulk-undo").click()
    expect(page.get_by_test_id("bulk-notice")).to_contain_text("Modification annulée")
    assert not LeadFollowup.objects.exists()
