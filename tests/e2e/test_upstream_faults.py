"""Journey 6: the leads API fails; the page says so in a banner and stays usable."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import (
    criteria,
    expect_list,
    expected_page,
    htmx_swap,
    marker_survives,
    set_marker,
)

pytestmark = pytest.mark.browser

UNAVAILABLE = "Le service des leads est momentanément indisponible."


def test_it_shows_a_banner_while_the_api_fails_and_recovers_without_a_reload(
    browse, paris, make_member, sandbox
):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/")
    expect_list(page, expected_page(paris))
    set_marker(page)

    # Every API request now fails with 503 (retries included).
    sandbox.configure(fault_mode="unavailable503", fault_rate=1.0)
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option("SLG-FRA")
    banner = page.get_by_test_id("upstream-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(UNAVAILABLE)
    expect(page.locator("#results table")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"portal=SLG-FRA\b"))
    retry = banner.get_by_role("link", name="Réessayer")
    expect(retry).to_have_attribute("href", re.compile(r"^/leads/\?.*portal=SLG-FRA"))
    # Not the "our own server is down" banner: the server did answer.
    expect(page.locator("#network-error")).to_be_hidden()
    browse.screenshot(page, "banner")

    # Tabs still work while the API is down: another list, the same banner.
    with htmx_swap(page):
        page.get_by_role("link", name="Vendeurs", exact=True).click()
    expect(page).to_have_url(re.compile(r"/leads/vendeurs/$"))
    expect(page.get_by_test_id("upstream-banner")).to_contain_text(UNAVAILABLE)
    assert sandbox.stats()["faults"].get("unavailable503", 0) >= 2

    # The API is back: the next filter change shows leads again, in the same page.
    sandbox.configure(fault_mode=None, fault_rate=0.0)
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option("LIM-FRA")
    expect(page.get_by_test_id("upstream-banner")).to_have_count(0)
    expect_list(page, expected_page(paris, LeadFamily.SELLER, criteria(portal="LIM-FRA")))
    assert marker_survives(page)
