"""Keyboard (issue 14): going through a select's options with the arrow keys sends one request,
not one per key; Escape closes the export menu and gives the focus back to its button. At each
size for an agency on GSL v2; on AVIV Seeker Leads v1 at one size (the sizes are about the layout,
the second upstream about the lists: once is enough, and CI time counts)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SIZES, show_filters

pytestmark = pytest.mark.browser

UPSTREAM_AND_SIZE = [pytest.param("gsl", size, id=f"gsl-{size}") for size in SIZES] + [
    pytest.param("seeker", "1440x900", id="seeker-1440x900")
]


@pytest.mark.parametrize(
    ("upstream_agency", "size"), UPSTREAM_AND_SIZE, indirect=["upstream_agency"]
)
def test_arrow_keys_on_a_filter_select_send_one_request(browse, upstream_agency, make_member, size):
    agent = make_member("agent", (upstream_agency, "agent"))
    page = browse(agent, path="/leads/", **SIZES[size])
    expect(page.get_by_test_id("results")).to_be_visible()
    show_filters(page)
    lists: list[str] = []
    page.on(
        "request",
        lambda request: (
            lists.append(request.url)
            if request.headers.get("hx-request") and "/leads/" in request.url
            else None
        ),
    )
    portal = page.get_by_label("Portail", exact=True)
    portal.focus()
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"portal="))
    page.wait_for_timeout(600)  # any late request would show now
    assert len(lists) == 1, lists
    assert f"portal={portal.input_value()}" in lists[0]


@pytest.mark.parametrize(
    ("upstream_agency", "size"), UPSTREAM_AND_SIZE, indirect=["upstream_agency"]
)
def test_escape_closes_the_export_menu(browse, upstream_agency, make_member, size):
    manager = make_member("manager", (upstream_agency, "manager"))
    page = browse(manager, path="/leads/", **SIZES[size])
    menu = page.get_by_test_id("export-menu").first
    summary = menu.locator("summary")
    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    summary.click()
    page.get_by_test_id("pagination-summary").first.click()  # a click elsewhere closes it too
    expect(menu).not_to_have_attribute("open", "")
