"""A listing's page: the listing once at the top, and the date and portal filters, on both
upstreams (the `upstream` fixture of tests/fixtures.py)."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import timedelta
from html import unescape

import pytest

from leadsportal import seeker_api
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria, get_client

LEAD_ROW = re.compile(r'data-lead-id="([^"]+)"')


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def last_days(days: int, **narrowed) -> SearchCriteria:  # type: ignore[no-untyped-def]
    end = start_of_day(today_in_paris() + timedelta(days=1))
    return SearchCriteria(start=end - timedelta(days=days), end=end, **narrowed)


def busiest_listing(upstream) -> int:  # type: ignore[no-untyped-def]
    """The listing with the most classified leads of the last 30 days, by the sandbox's data."""
    criteria = last_days(30)
    if upstream.is_seeker:
        from leadsportal.seeker_sandbox.store import window

        low, high = math.ceil(criteria.start.timestamp()), math.ceil(criteria.end.timestamp()) - 1
        ids = [
            seeker_api.classified_number(row.classified_id)
            for row in window(upstream.client_id, low, high)
            if row.category == "CLASSIFIED" and row.classified_id
        ]
    else:
        found = get_client(upstream.agency.api_credentials()).search(
            LeadFamily.CLASSIFIED, criteria, PageRequest(size=100)
        )
        ids = [lead.classified.classified_id for lead in found.leads if lead.classified]
    return Counter(ids).most_common(1)[0][0]


def api_page(upstream, classified_id: int, days: int, portal: str = ""):  # type: ignore[no-untyped-def]
    criteria = last_days(days, classified_ids=(classified_id,), portals=(portal,) if portal else ())
    return upstream.expected(LeadFamily.CLASSIFIED, criteria, PageRequest(size=100))


def test_the_listing_is_shown_once_at_the_top(agent, upstream):
    classified_id = busiest_listing(upstream)
    html = unescape(agent.client.get(f"/annonces/{classified_id}/leads/").content.decode())
    listing = upstream.lead(api_page(upstream, classified_id, 30).lead_ids[0]).classified
    header = html.split('<header class="page-header">', 1)[1].split("</header>", 1)[0]
    assert listing.reference and listing.reference in header
    # The link to the ad where the upstream gives its address (GSL; not Seeker Leads).
    assert ("Voir l'annonce" in header) is bool(listing.url)
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    assert listing.reference not in table  # not repeated on every row


def test_the_date_and_portal_filters_narrow_the_listings_leads(manager, upstream):
    classified_id = busiest_listing(upstream)
    today = today_in_paris()
    start = today - timedelta(days=13)
    expected = api_page(upstream, classified_id, 14)
    response = manager.client.get(
        f"/annonces/{classified_id}/leads/", {"start": start.isoformat(), "end": today.isoformat()}
    )
    assert response.status_code == 200
    shown = LEAD_ROW.findall(response.content.decode())
    assert expected.lead_ids and shown == list(expected.lead_ids)[:20]
    portal = upstream.lead(expected.lead_ids[0]).meta.portal
    by_portal = api_page(upstream, classified_id, 14, portal)
    html = manager.client.get(
        f"/annonces/{classified_id}/leads/",
        {"start": start.isoformat(), "end": today.isoformat(), "portal": portal},
    ).content.decode()
    assert LEAD_ROW.findall(html) == list(by_portal.lead_ids)[:20]
    # Its export holds that same list.
    assert f"/exports/leads/annonces/?start={start.isoformat()}" in unescape(html)
    assert f"classified={classified_id}" in unescape(html)


def test_a_bad_period_marks_the_field(agent, upstream):
    classified_id = busiest_listing(upstream)
    calls = upstream.api_calls()
    response = agent.client.get(
        f"/annonces/{classified_id}/leads/", {"start": "2026-01-01", "end": "2026-09-01"}
    )
    assert response.status_code == 400
    assert "La période ne peut pas dépasser 92 jours" in unescape(response.content.decode())
    assert upstream.api_calls() == calls
