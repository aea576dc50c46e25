"""Journeys 2 and 3: filters, tabs, pagination and page size swap the table in place (htmx),
for an agency on each upstream (GSL v2, AVIV Seeker Leads v1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from leadsportal.dashboard.dates import today_in_paris
from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import (
    criteria,
    expect_list,
    expected_page,
    htmx_swap,
    marker_survives,
    page_count,
    query,
    set_marker,
)

pytestmark = pytest.mark.browser


def test_it_narrows_by_dates_listing_and_portal_without_reloading(
    browse, upstream_agency, make_member
):
    paris = upstream_agency
    manager = make_member("manager.paris", (paris, "manager"))
    page = browse(manager, path="/leads/")
    set_marker(page)

    # The tab swaps the whole browser region, still without a page load.
    with htmx_swap(page):
        page.get_by_role("link", name="Annonces", exact=True).click()
    expect(page).to_have_url(re.compile(r"/leads/annonces/$"))
    expect(page.get_by_role("link", name="Annonces", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    family = LeadFamily.CLASSIFIED
    expect_list(page, expected_page(paris, family))
    assert marker_survives(page)

    # Date range: the start, then the end.
    today = today_in_paris()
    start, end = today - timedelta(days=40), today - timedelta(days=10)
    with htmx_swap(page):
        page.get_by_label("Du", exact=True).fill(start.isoformat())
    expect(page).to_have_url(re.compile(rf"start={start.isoformat()}"))
    expect_list(page, expected_page(paris, family, criteria(start, today)))
    assert marker_survives(page)

    with htmx_swap(page):
        page.get_by_label("Au", exact=True).fill(end.isoformat())
    expect(page).to_have_url(re.compile(rf"end={end.isoformat()}"))
    in_window = expected_page(paris, family, criteria(start, end))
    expect_list(page, in_window)
    assert marker_survives(page)

    # One listing of that window (the one with the most leads on the first page).
    listings = [lead.classified.classified_id for lead in in_window.leads if lead.classified]
    listing = max(set(listings), key=listings.count)
    with htmx_swap(page):
        # Its suggestions come first (no request left in flight when the page is reloaded).
        with page.expect_response(lambda response: f"classified={listing}" in response.url):
            page.get_by_label("Annonce", exact=True).fill(str(listing))
        page.get_by_label("Annonce", exact=True).press("Tab")  # a text field changes when left
    expect(page).to_have_url(re.compile(rf"classified={listing}\b"))
    of_listing = expected_page(paris, family, criteria(start, end, classified=listing))
    assert 0 < of_listing.count < in_window.count
    expect_list(page, of_listing)
    assert marker_survives(page)

    # One portal of that listing's leads.
    portal = of_listing.leads[-1].meta.portal
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option(portal)
    expect(page).to_have_url(re.compile(rf"portal={portal}\b"))
    narrowest = expected_page(
        paris, family, criteria(start, end, classified=listing, portal=portal)
    )
    assert 0 < narrowest.count <= of_listing.count
    expect_list(page, narrowest)
    assert marker_survives(page)
    assert query(page) | {"per_page": ["20"]} == {
        "start": [start.isoformat()],
        "end": [end.isoformat()],
        "classified": [str(listing)],
        "portal": [portal],
        "per_page": ["20"],
    }

    # The URL alone gives the same list (bookmark, shared link, reload).
    page.reload()
    assert not marker_survives(page)
    expect(page.get_by_label("Du", exact=True)).to_have_value(start.isoformat())
    expect(page.get_by_label("Au", exact=True)).to_have_value(end.isoformat())
    expect(page.get_by_label("Annonce", exact=True)).to_have_value(str(listing))
    expect(page.get_by_label("Portail", exact=True)).to_have_value(portal)
    expect_list(page, narrowest)

    # Back: the list before the portal was chosen.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"portal=\w"))
    expect(page).to_have_url(re.compile(rf"classified={listing}\b"))
    expect(page.get_by_label("Portail", exact=True)).to_have_value("")
    expect_list(page, of_listing)


def test_it_pages_through_a_list_and_changes_the_page_size(browse, upstream_agency, make_member):
    paris = upstream_agency
    agent = make_member("agent.paris", (paris, "agent"))
    today = today_in_paris()
    start = today - timedelta(days=29)
    search = criteria(start, today)
    page = browse(agent, path=f"/leads/?start={start.isoformat()}&end={today.isoformat()}")
    set_marker(page)

    first = expected_page(paris, search=search)
    total = first.count
    assert page_count(total, 20) >= 4, "a 30-day window has several pages of leads"
    expect_list(page, first)

    with htmx_swap(page):
        page.get_by_role("link", name="Suivante", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect_list(page, expected_page(paris, search=search, page=2))
    assert marker_survives(page)

    last = page_count(total, 20)
    with htmx_swap(page):
        page.get_by_role("link", name="Dernière page", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"[?&]page={last}\b"))
    last_page = expected_page(paris, search=search, page=last)
    assert len(last_page.leads) == total - (last - 1) * 20
    expect_list(page, last_page)
    expect(page.get_by_role("link", name="Suivante", exact=True)).to_have_count(0)
    assert marker_survives(page)

    with htmx_swap(page):
        page.get_by_role("link", name="Précédente", exact=True).first.click()
    expect(page).to_have_url(re.compile(rf"[?&]page={last - 1}\b"))
    expect_list(page, expected_page(paris, search=search, page=last - 1))

    # A new page size starts again from page 1.
    with htmx_swap(page):
        page.get_by_label("Par page", exact=True).select_option("50")
    expect(page).to_have_url(re.compile(r"[?&]per_page=50\b"))
    expect(page).not_to_have_url(re.compile(r"[?&]page="))
    expect_list(page, expected_page(paris, search=search, size=50))
    expect(page.get_by_test_id("page-position").first).to_have_text(
        f"page 1 sur {page_count(total, 50)}"
    )

    with htmx_swap(page):
        page.get_by_role("link", name="Suivante", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"per_page=50.*page=2|page=2.*per_page=50"))
    expect_list(page, expected_page(paris, search=search, page=2, size=50))
    assert marker_survives(page)
