"""An export is exactly the current list: same family, same filters, every page; on both
upstreams (tests/fixtures.py, `upstream`), the expected lists from each sandbox's own data."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from leadsportal.leads_api import PAGE_SIZE_MAX, LeadFamily
from tests.exports.helpers import (
    body,
    criteria_for,
    read_csv,
    read_xlsx,
    upstream_leads,
    upstream_listing_ids,
    window,
)

pytest_plugins = ["tests.fixtures"]

# The agency's name as export file names write it.
FILE_SLUGS = {
    "Agence Paris Démo": "agence-paris-demo",
    "Agence Bordeaux Démo": "agence-bordeaux-demo",
}


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def exported_ids(data: bytes) -> list[str]:
    rows = read_csv(data, excel_fr=False)
    column = rows[0].index("Identifiant du lead")
    return [row[column] for row in rows[1:]]


def test_it_exports_every_page_at_the_largest_page_size(manager, upstream, settings):
    # Built in the request whatever the day's seed gives 60 days (about 1,000 leads, around the
    # background threshold): what is checked here is every page at the largest size.
    settings.LEADS_EXPORT_BACKGROUND_PAGES = 50
    start, end = window(60)
    response = manager.client.get(
        f"/exports/leads/?start={start}&end={end}&page=3&per_page=20&format=csv"
    )
    ids = exported_ids(body(response))
    calls = upstream.api_calls()
    leads, count = upstream_leads(upstream, LeadFamily.ALL, criteria_for(start, end))
    assert count > 5 * PAGE_SIZE_MAX  # several pages
    assert len(ids) == count  # neither the visible page nor its size: every lead
    assert ids == [lead.lead_id for lead in leads]  # in the list's order, newest first
    if not upstream.is_seeker:
        # GSL's request shape: pages of 100, the fewest calls (our own count above made as many
        # again). Seeker Leads has no page size to choose: its window is read whole.
        pages = -(-count // PAGE_SIZE_MAX)
        assert calls == pages


def test_it_honours_the_portal_and_listing_filters(manager, upstream):
    start, end = window(91)
    leads, _count = upstream_leads(upstream, LeadFamily.CLASSIFIED, criteria_for(start, end))
    listing = leads[0].classified.classified_id
    portal = leads[0].meta.portal

    response = manager.client.get(
        f"/exports/leads/annonces/?start={start}&end={end}&portal={portal}&format=csv"
    )
    expected, count = upstream_leads(
        upstream, LeadFamily.CLASSIFIED, criteria_for(start, end, portals=(portal,))
    )
    assert exported_ids(body(response)) == [lead.lead_id for lead in expected]
    assert 0 < count < len(leads)

    response = manager.client.get(
        f"/exports/leads/annonces/?start={start}&end={end}&classified={listing}&format=csv"
    )
    expected, count = upstream_leads(
        upstream, LeadFamily.CLASSIFIED, criteria_for(start, end, classified_ids=(listing,))
    )
    assert exported_ids(body(response)) == [lead.lead_id for lead in expected]
    assert count >= 1


def test_it_uses_the_default_window_of_the_list_when_the_url_names_no_dates(manager, upstream):
    ids = exported_ids(body(manager.client.get("/exports/leads/vendeurs/?format=csv")))
    leads, count = upstream_leads(upstream, LeadFamily.SELLER, criteria_for(*window(7)))
    assert ids == [lead.lead_id for lead in leads] and count > 0


def test_the_listing_page_exports_every_lead_of_its_listing(manager, upstream):
    start, end = window(91)
    leads, _count = upstream_leads(upstream, LeadFamily.CLASSIFIED, criteria_for(start, end))
    listing = leads[0].classified.classified_id
    response = manager.client.get(f"/exports/annonces/{listing}/?format=xlsx")
    assert response.status_code == 200
    slug = FILE_SLUGS[upstream.agency.name]
    assert re.search(rf'filename="leads-{slug}-annonce-{listing}-', response["Content-Disposition"])
    rows, _workbook = read_xlsx(body(response))
    column = [cell.value for cell in rows[0]].index("Identifiant du lead")
    expected = upstream_listing_ids(upstream, listing)
    assert [row[column].value for row in rows[1:]] == expected
    assert expected


def test_the_menu_says_how_many_leads_and_links_the_same_filters(manager, upstream):
    start, end = window(30)
    response = manager.client.get(f"/leads/recherches/?start={start}&end={end}&per_page=50&page=2")
    page = response.content.decode()
    count = upstream.expected(LeadFamily.PROPERTY_SEARCH, criteria_for(start, end)).count
    menu = page.split('data-testid="export-menu"', 1)[1].split("</details>", 1)[0]
    assert re.search(
        rf"{count}leadsserontexportés", re.sub(r"[\u202f\xa0 ]", "", html.unescape(menu))
    )
    links = re.findall(r'href="([^"]+)" data-export-format="([^"]+)"', menu)
    assert [fmt for _url, fmt in links] == ["xlsx", "csv-excel", "csv"]
    for url, fmt in links:
        parts = urlsplit(html.unescape(url))
        assert parts.path == "/exports/leads/recherches/"
        assert parse_qs(parts.query) == {
            "start": [start.isoformat()],
            "end": [end.isoformat()],
            "format": [fmt],
        }
    exported = exported_ids(body(manager.client.get(html.unescape(links[2][0]))))
    assert len(exported) == count


def test_the_menu_is_in_the_htmx_partial_and_on_the_listing_page(manager, upstream):
    response = manager.client.get(
        "/leads/agence/", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert 'data-testid="export-menu"' in response.content.decode()
    listing = upstream.a_listing(criteria_for(*window(91)))
    page = manager.client.get(f"/annonces/{listing}/leads/").content.decode()
    assert f"/exports/annonces/{listing}/?format=csv-excel" in page
