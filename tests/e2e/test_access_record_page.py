"""Journey: a manager reads who opened which lead, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import expected_page, overflowing_elements, page_scrolls_sideways
from tests.e2e.test_phone_layout import PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_manager_sees_who_opened_a_lead_and_filters_by_member(browse, paris, make_member, screen):
    agent = make_member("agent.paris", (paris, "agent"))
    manager = make_member("manager.paris", (paris, "manager"))
    lead = expected_page(paris).leads[0]
    options = PHONE if screen == "phone" else {"viewport": {"width": 1440, "height": 900}}

    agent_page = browse(agent, path=f"/lead/{lead.lead_id}/", **options)
    expect(agent_page.get_by_role("heading", level=1)).to_be_visible()

    page = browse(manager, path="/agence/reglages/", **options)
    page.get_by_test_id("access-record-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qui a consulté quoi")
    row = page.get_by_test_id("access-record").locator("tbody tr").first
    expect(row).to_contain_text("agent.paris")
    expect(row).to_contain_text("a ouvert le lead")
    expect(row.get_by_role("link", name=lead.lead_id)).to_be_visible()
    assert not page_scrolls_sideways(page)
    browse.screenshot(page, "record")

    page.get_by_label("Membre").select_option(label="manager.paris")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(rf"member={manager.pk}"))
    expect(page.get_by_test_id("access-record-empty")).to_have_text(
        "Aucun accès ne correspond à ces filtres."
    )
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
