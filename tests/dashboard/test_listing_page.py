"""A listing's page: the listing once at the top, and the date and portal filters."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria, get_client

LEAD_ROW = re.compile(r'data-lead-id="([^"]+)"')


def busiest_listing(agency):  # type: ignore[no-untyped-def]
    end = start_of_day(today_in_paris() + timedelta(days=1))
    leads = (
        get_client(agency.api_credentials())
        .search(
            LeadFamily.CLASSIFIED,
            SearchCriteria(start=end - timedelta(days=30), end=end),
            PageRequest(size=100),
        )
        .leads
    )
    ids = [lead.classified.classified_id for lead in leads if lead.classified]
    return max(set(ids), key=ids.count)


def api_page(agency, classified_id: int, days: int, portal: str = ""):  # type: ignore[no-untyped-def]
    end = start_of_day(today_in_paris() + timedelta(days=1))
    return get_client(agency.api_credentials()).search(
        LeadFamily.CLASSIFIED,
        SearchCriteria(
            start=end - timedelta(days=days),
            end=end,
            classified_ids=(classified_id,),
            portals=(portal,) if portal else (),
        ),
        PageRequest(size=100),
    )


def test_the_listing_is_shown_once_at_the_top(agent, paris):
    classified_id = busiest_listing(paris)
    html = unescape(agent.client.get(f"/annonces/{classified_id}/leads/").content.decode())
    listing = api_page(paris, classified_id, 30).leads[0].classified
    header = html.split('<header class="page-header">', 1)[1].split("</header>", 1)[0]
    assert listing.reference and listing.reference in header
    assert "Voir l'annonce" in header
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    assert listing.reference not in table  # not repeated on every row


def test_the_date_and_portal_filters_narrow_the_listings_leads(manager, paris):
    classified_id = busiest_listing(paris)
    today = today_in_paris()
    start = today - timedelta(days=13)
    expected = api_page(paris, classified_id, 14)
    response = manager.client.get(
        f"/annonces/{classified_id}/leads/", {"start": start.isoformat(), "end": today.isoformat()}
    )
    assert response.status_code == 200
    shown = LEAD_ROW.findall(response.content.decode())
    assert shown == [lead.lead_id for lead in expected.leads][:20]
    portal = expected.leads[0].meta.portal
    by_portal = api_page(paris, classified_id, 14, portal)
    html = manager.client.get(
        f"/annonces/{classified_id}/leads/",
        {"start": start.isoformat(), "end": today.isoformat(), "portal": portal},
    ).content.decode()
    assert LEAD_ROW.findall(html) == [lead.lead_id for lead in by_portal.leads][:20]
    # Its export holds that same list.
    assert f"/exports/leads/annonces/?start={start.isoformat()}" in unescape(html)
    assert f"classified={classified_id}" in unescape(html)


def test_a_bad_period_marks_the_field(agent, paris, sandbox):
    classified_id = busiest_listing(paris)
    sandbox.reset_counters()
    response = agent.client.get(
        f"/annonces/{classified_id}/leads/", {"start": "2026-01-01", "end": "2026-09-01"}
    )
    assert response.status_code == 400
    assert "La période ne peut pas dépasser 92 jours" in unescape(response.content.decode())
    assert sandbox.api_requests() == 0
