"""Follow-up journey: new-lead marks, the tabs' counts, the live banner pushed by the watcher
and the follow-up block swapped in place, under the strict CSP.

The leads are added to the sandbox as they would arrive from the portals; the watcher's poll
(`agency_poll`, what the workers run every interval) is called by the test. For an agency on
each upstream (GSL v2, AVIV Seeker Leads v1): on Seeker the list is cut from a cached window of
the feed, so this also checks that the watcher's new leads are not hidden by that cache.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from leadsportal.leads_api import LeadFamily
from leadsportal.watch.poll import agency_poll
from tests.e2e.helpers import add_lead, htmx_swap

pytestmark = pytest.mark.browser


def test_new_leads_arrive_live_and_the_follow_up_changes_in_place(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    agent = make_member("camille", (agency, "agent"))
    agency_poll(agency=agency)  # the watcher is running
    first = add_lead(agency, LeadFamily.SELLER)
    agency_poll(agency=agency)
    page = browse(agent)
    page.goto("/leads/")

    # The new lead is marked, and counted on its tabs (loaded after the page).
    row = page.locator(f'tr[data-lead-id="{first}"]')
    expect(row.get_by_test_id("unread-badge")).to_have_text("Non lu")
    expect(page.get_by_test_id("tab-count-all")).to_contain_text("1")
    expect(page.get_by_test_id("tab-count-seller")).to_contain_text("1")
    expect(page.get_by_test_id("tab-count-agency")).to_have_text("")
    page.wait_for_load_state("networkidle")

    # The watcher sees new leads: the list's banner, the title and the tabs' counts follow,
    # with no request from the page.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    second = add_lead(agency, LeadFamily.AGENCY)
    agency_poll(agency=agency)
    banner = page.get_by_test_id("new-leads-banner")
    expect(banner).to_contain_text("1 nouveau lead")
    expect(page).to_have_title("(1) Tous les leads — leadsportal")
    expect(page.get_by_test_id("tab-count-agency")).to_contain_text("1")
    third = add_lead(agency, LeadFamily.CLASSIFIED)
    agency_poll(agency=agency)
    expect(banner).to_contain_text("2 nouveaux leads")
    expect(page).to_have_title("(2) Tous les leads — leadsportal")
    assert requests == []

    # "Afficher" refreshes the list in place: the new leads are listed, the banner is gone.
    with htmx_swap(page):
        banner.get_by_role("link", name="Afficher").click()
    for lead_id in (first, second, third):
        expect(
            page.locator(f'tr[data-lead-id="{lead_id}"]').get_by_test_id("unread-badge")
        ).to_be_visible()
    expect(page.get_by_test_id("new-leads-banner")).to_have_count(0)
    expect(page.get_by_test_id("tab-count-all")).to_contain_text("3")

    # The follow-up block of a lead changes in place (htmx), with the CSRF token.
    page.goto(f"/lead/{first}/")
    panel = page.get_by_test_id("followup-panel")
    panel.get_by_label("Statut").select_option("contacte")
    with htmx_swap(page):
        panel.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_test_id("followup-saved")).to_have_text("Statut enregistré : Contacté.")
    panel.get_by_label("Nouvelle note").fill("Rappeler lundi")
    with htmx_swap(page):
        panel.get_by_role("button", name="Ajouter la note").click()
    expect(page.get_by_test_id("notes")).to_contain_text("Rappeler lundi")
    expect(page.get_by_test_id("notes")).to_contain_text("camille")

    # Back in the list: opened, so no longer new; its status shows.
    page.goto("/leads/")
    row = page.locator(f'tr[data-lead-id="{first}"]')
    expect(row.get_by_test_id("status-badge")).to_have_text("Contacté")
    expect(row.get_by_test_id("unread-badge")).to_have_count(0)
    expect(page.get_by_test_id("tab-count-all")).to_contain_text("2")
