"""Focus after a swap (issue 14): whoever works with the keyboard or a screen reader stays on
the control they used when htmx replaces part of the page, instead of falling back to the top.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import SIZES, expected_page, htmx_swap

pytestmark = pytest.mark.browser


def focused_text(page: Page) -> str:
    return page.evaluate(
        "() => (document.activeElement.getAttribute('aria-label')"
        " || document.activeElement.textContent || '').trim()"
    )


@pytest.mark.parametrize("size", SIZES)
def test_focus_stays_on_the_follow_up_control_that_was_used(browse, paris, make_member, size):
    agent = make_member("agent.paris", (paris, "agent"))
    lead = expected_page(paris).leads[0]
    page = browse(agent, path=f"/lead/{lead.lead_id}/", **SIZES[size])
    panel = page.get_by_test_id("followup-panel")

    panel.get_by_label("Statut").select_option("contacte")
    save_status = panel.get_by_role("button", name="Enregistrer le statut")
    save_status.focus()
    with htmx_swap(page):
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("followup-saved")).to_have_text("Statut enregistré : Contacté.")
    # The block was replaced; its new button has the focus, not the page.
    expect(
        page.get_by_test_id("followup-panel").get_by_role("button", name="Enregistrer le statut")
    ).to_be_focused()

    note = page.get_by_test_id("followup-panel").get_by_label("Nouvelle note")
    note.fill("Rappeler lundi")
    page.get_by_test_id("followup-panel").get_by_role("button", name="Ajouter la note").focus()
    with htmx_swap(page):
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("notes")).to_contain_text("Rappeler lundi")
    expect(
        page.get_by_test_id("followup-panel").get_by_role("button", name="Ajouter la note")
    ).to_be_focused()
    # The next key goes on from there: Shift+Tab reaches the (emptied) note field.
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_test_id("followup-panel").get_by_label("Nouvelle note")).to_be_focused()
    expect(page.get_by_test_id("followup-panel").get_by_label("Nouvelle note")).to_have_value("")


@pytest.mark.parametrize("size", ("1440x900", "1280x800"))
def test_focus_stays_on_the_tab_and_the_page_link_that_were_used(
    browse, paris, make_member, sandbox, size
):
    # On a phone the top pagination shows its count only: the page links are at the bottom.
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **SIZES[size])
    assert expected_page(paris).count > 20, "the seeded agency has more than one page"

    # "Suivante" at the top of the list: page 2, and the focus on the new "Suivante".
    top = page.get_by_role("navigation", name="Pagination", exact=True)
    top.get_by_role("link", name="Suivante").focus()
    with htmx_swap(page):
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_test_id("page-position").first).to_contain_text("page 2 sur")
    expect(
        page.get_by_role("navigation", name="Pagination", exact=True).get_by_role(
            "link", name="Suivante"
        )
    ).to_be_focused()

    # "Dernière page": that page has no "Suivante" nor "»", so the list region takes the focus.
    page.get_by_role("navigation", name="Pagination", exact=True).get_by_role(
        "link", name="Dernière page"
    ).focus()
    with htmx_swap(page):
        page.keyboard.press("Enter")
    expect(
        page.get_by_role("navigation", name="Pagination", exact=True).get_by_role(
            "link", name="Dernière page"
        )
    ).to_have_count(0)
    expect(page.get_by_test_id("results")).to_be_focused()

    # A tab: the whole list is replaced, the tab that was used keeps the focus.
    sellers = page.locator('a[data-tab="seller"]')
    sellers.focus()
    with htmx_swap(page):
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/leads/vendeurs/"))
    expect(page.locator('a[data-tab="seller"]')).to_have_attribute("aria-current", "page")
    expect(page.locator('a[data-tab="seller"]')).to_be_focused()
    assert focused_text(page).startswith("Vendeurs")
