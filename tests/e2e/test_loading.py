"""Loading and landmarks (issue 14): with a slow upstream the results say they are busy, fade,
take no clicks and show "Chargement…"; navigation landmarks have unique names; a table that
scrolls can be reached by the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import SIZES, show_filters

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_a_slow_filter_change_marks_the_results_busy(browse, paris, make_member, sandbox, size):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **SIZES[size])
    results = page.get_by_test_id("results")
    expect(results).to_be_visible()
    show_filters(page)
    sandbox.latency_ms = 1500
    page.get_by_label("Portail", exact=True).select_option("SLG-FRA")
    expect(results).to_have_attribute("aria-busy", "true")
    assert results.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    expect(page.locator("#loading")).to_be_visible()
    expect(results).not_to_have_attribute("aria-busy", "true", timeout=10_000)
    expect(page).to_have_url(re.compile(r"portal=SLG-FRA"))
    assert results.evaluate("el => getComputedStyle(el).pointerEvents") != "none"
    expect(page.locator("#loading")).to_be_hidden()


def test_landmarks_have_unique_names_and_tables_take_the_focus(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/")
    expect(page.get_by_test_id("results")).to_be_visible()
    names = page.locator("nav").evaluate_all(
        "navs => navs.map(nav => nav.getAttribute('aria-label'))"
    )
    assert len(names) == len(set(names)), names
    scroll = page.locator("#results .table-scroll")
    expect(scroll).to_have_attribute("tabindex", "0")
    scroll.focus()
    expect(scroll).to_be_focused()


@pytest.fixture
def short_deadline(settings):  # type: ignore[no-untyped-def]
    """A 3 s request deadline instead of 12 s, so that the journey waits less."""
    from leadsportal.agencies import upstream

    settings.LEADS_API_PAGE_DEADLINE = 3.0
    upstream.get_client.cache_clear()
    yield
    upstream.get_client.cache_clear()


@pytest.mark.parametrize("size", SIZES)
def test_a_stalled_upstream_ends_in_the_banner_not_a_blank_page(
    browse, paris, make_member, sandbox, short_deadline, size
):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **SIZES[size])
    results = page.get_by_test_id("results")
    expect(page.locator("#results table")).to_be_visible()
    show_filters(page)

    # Every upstream call now hangs for a minute.
    sandbox.configure(fault_mode="stall", fault_next=10_000, stall_seconds=60)
    page.get_by_label("Portail", exact=True).select_option("SLG-FRA")
    expect(results).to_have_attribute("aria-busy", "true")
    expect(page.locator("#loading")).to_be_visible()
    # The request's deadline ends the wait: a banner with a way to try again, in place.
    banner = page.get_by_test_id("upstream-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("link", name="Réessayer")).to_be_visible()
    expect(results).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#network-error")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"portal=SLG-FRA"))
    sandbox.configure(fault_mode=None, fault_next=0)
