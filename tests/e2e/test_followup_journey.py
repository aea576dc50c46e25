"""Follow-up journey: new-lead marks, the tabs' counts, the live banner (paused while the browser
tab is hidden) and the follow-up block swapped in place, under the strict CSP.

The page's clock is Playwright's fake one: "a minute later" is a jump of the fake clock, not a
wait. The leads are added to the sandbox as they would arrive from the portals.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import htmx_swap

pytestmark = pytest.mark.browser

PARIS = "agence-paris-demo"


def set_visibility(page: Page, state: str) -> None:
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_new_leads_arrive_live_and_the_follow_up_changes_in_place(
    browse, paris, make_member, sandbox
):
    agent = make_member("agent.paris", (paris, "agent"))
    first = sandbox.add_lead(PARIS, lead_type="SELLER")
    page = browse(agent)
    polls: list[str] = []
    page.on(
        "request", lambda request: "/suivi/nouveaux/" in request.url and polls.append(request.url)
    )
    page.clock.install()
    page.goto("/leads/")

    # The new lead is marked, and counted on its tabs (loaded after the page).
    row = page.locator(f'tr[data-lead-id="{first}"]')
    expect(row.get_by_test_id("unread-badge")).to_have_text("Nouveau")
    expect(page.get_by_test_id("tab-count-all")).to_contain_text("1")
    expect(page.get_by_test_id("tab-count-seller")).to_contain_text("1")
    expect(page.get_by_test_id("tab-count-agency")).to_have_text("")

    # A minute later the list asks for new leads: the banner shows the one that arrived.
    second = sandbox.add_lead(PARIS, lead_type="AGENCY")
    page.clock.fast_forward(61_000)
    banner = page.get_by_test_id("new-leads-banner")
    expect(banner).to_contain_text("1 nouveau lead")
    assert len(polls) == 1

    # Browser tab hidden: no polling at all. Visible again: it asks at once.
    set_visibility(page, "hidden")
    third = sandbox.add_lead(PARIS, lead_type="CLASSIFIED")
    page.clock.fast_forward(180_000)
    assert len(polls) == 1
    set_visibility(page, "visible")
    expect(banner).to_contain_text("2 nouveaux leads")
    assert len(polls) == 2

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
    expect(page.get_by_test_id("notes")).to_contain_text("agent.paris")

    # Back in the list: opened, so no longer new; its status shows.
    page.goto("/leads/")
    row = page.locator(f'tr[data-lead-id="{first}"]')
    expect(row.get_by_test_id("status-badge")).to_have_text("Contacté")
    expect(row.get_by_test_id("unread-badge")).to_have_count(0)
    expect(page.get_by_test_id("tab-count-all")).to_contain_text("2")
