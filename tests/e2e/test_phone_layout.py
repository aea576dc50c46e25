"""Journey 8: on a phone (390×844), the list and a lead read without scrolling the page sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.e2e.helpers import (
    expect_list,
    expected_page,
    overflowing_elements,
    page_scrolls_sideways,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def fits_across(element: Locator) -> bool:
    """Visible, and as wide as the phone's screen at most, without sideways scrolling."""
    expect(element).to_be_visible()
    box = element.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


def test_it_reads_the_list_and_a_lead_on_a_phone(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **PHONE)
    listed = expected_page(paris)
    expect_list(page, listed)

    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    # The table may be wider than the phone: it scrolls inside its own box.
    scroll_box = page.locator(".table-scroll").first
    assert scroll_box.evaluate("box => getComputedStyle(box).overflowX") in {"auto", "scroll"}
    assert fits_across(page.get_by_test_id("pagination-summary").first)
    browse.screenshot(page, "list")

    # The lead with the longest contact details of the page: the hardest to fit.
    lead = max(
        (lead for lead in listed.leads if not lead.contact.is_erased),
        key=lambda lead: len(lead.contact.email or "") + len(lead.contact.full_name or ""),
    )
    page.locator(f'#results a.lead-link[href^="/lead/{lead.lead_id}/"]').click()
    expect(page).to_have_url(re.compile(rf"/lead/{lead.lead_id}/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    if lead.contact.email:
        assert fits_across(page.get_by_test_id("email-link"))
    for phone in page.get_by_test_id("phone-link").all():
        assert fits_across(phone)
