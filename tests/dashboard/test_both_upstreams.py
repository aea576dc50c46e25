"""What a person sees works the same whichever upstream the agency uses (issue 16): each test
runs once for an agency on GSL Customer Leads v2 and once on AVIV Seeker Leads v1, against
their embedded sandboxes over HTTP, and says what the list should hold from the sandbox's own
data (tests/fixtures.py, `upstream`).

The tests of each part run on both upstreams in their own files (lists, detail, listing page,
isolation, search, statistics, exports, follow-up, the watcher and the browser journeys); this
file keeps what crosses them: every tab with its total, pages, filters, the follow-up kept."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.followup.models import LeadFollowup
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria
from tests.dashboard.test_lead_list import rows

TAB_URLS = {
    LeadFamily.ALL: "/leads/",
    LeadFamily.CLASSIFIED: "/leads/annonces/",
    LeadFamily.AGENCY: "/leads/agence/",
    LeadFamily.SELLER: "/leads/vendeurs/",
    LeadFamily.PROPERTY_SEARCH: "/leads/recherches/",
    LeadFamily.CALL_TRACKING: "/leads/appels/",
}
LEAD_ROW = re.compile(r'data-lead-id="([A-Za-z0-9_-]+)"')


def default_criteria(**narrowed) -> SearchCriteria:  # type: ignore[no-untyped-def]
    return SearchCriteria(
        start=start_of_day(default_start()),
        end=start_of_day(today_in_paris() + timedelta(days=1)),
        **narrowed,
    )


def shown_ids(html: str) -> list[str]:
    return LEAD_ROW.findall(html.split("<tbody", 1)[1].split("</tbody>", 1)[0])


def total_of(html: str) -> int:
    """The list's total as the results bar says it ("1 234 leads")."""
    match = re.search(r"([\d\u202f\u00a0 ]+)\s+leads?\b", unescape(html))
    assert match, "no total shown"
    return int(re.sub(r"\D", "", match.group(1)))


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def test_each_tab_of_the_agencys_upstream_lists_its_family_with_its_total(agent, upstream):
    html = agent.client.get("/leads/").content.decode()
    # Appels only where the upstream has tracked calls.
    assert ('href="/leads/appels/"' in html) is upstream.is_seeker
    for family in upstream.families:
        response = agent.client.get(TAB_URLS[family])
        assert response.status_code == 200, family
        page = response.content.decode()
        expected = upstream.expected(family, default_criteria())
        assert shown_ids(page) == list(expected.lead_ids), family
        assert total_of(page.split('id="results"', 1)[1]) == expected.count, family
    if not upstream.is_seeker:
        assert agent.client.get("/leads/appels/").status_code == 404


def test_pages_cover_the_total_with_the_sandboxs_leads(agent, upstream):
    expected = upstream.expected(LeadFamily.ALL, default_criteria(), PageRequest(2, 20))
    assert expected.count > 40
    html = agent.client.get("/leads/?page=2").content.decode()
    assert shown_ids(html) == list(expected.lead_ids)
    last = (expected.count + 19) // 20
    last_page = agent.client.get(f"/leads/?page={last}").content.decode()
    tail = upstream.expected(LeadFamily.ALL, default_criteria(), PageRequest(last, 20))
    assert shown_ids(last_page) == list(tail.lead_ids) and tail.lead_ids


def test_the_portal_and_listing_filters_narrow_the_list(agent, upstream):
    start = today_in_paris() - timedelta(days=60)
    period = f"start={start.isoformat()}&end={today_in_paris().isoformat()}"
    criteria = SearchCriteria(
        start=start_of_day(start), end=start_of_day(today_in_paris() + timedelta(days=1))
    )
    html = agent.client.get(f"/leads/?portal=LIM-FRA&per_page=100&{period}").content.decode()
    expected = upstream.expected(
        LeadFamily.ALL,
        SearchCriteria(start=criteria.start, end=criteria.end, portals=("LIM-FRA",)),
        PageRequest(size=100),
    )
    assert expected.lead_ids and shown_ids(html) == list(expected.lead_ids)
    assert all("Logic-Immo" in row for row in rows(html))

    listing = upstream.a_listing(criteria)
    html = agent.client.get(
        f"/leads/annonces/?classified={listing}&per_page=100&{period}"
    ).content.decode()
    expected = upstream.expected(
        LeadFamily.CLASSIFIED,
        SearchCriteria(start=criteria.start, end=criteria.end, classified_ids=(listing,)),
        PageRequest(size=100),
    )
    assert expected.lead_ids and shown_ids(html) == list(expected.lead_ids)


def test_the_follow_up_status_and_assignee_are_kept(agent, manager, upstream):
    lead_id = upstream.add_lead()
    response = agent.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    assert response.status_code == 303
    response = manager.client.post(
        f"/lead/{lead_id}/suivi/responsable/", {"assignee": str(agent.user.pk)}
    )
    assert response.status_code == 303
    followup = LeadFollowup.objects.get(lead_id=lead_id)
    assert (followup.agency_id, followup.status, followup.assignee_id) == (
        upstream.agency.pk,
        "contacte",
        agent.user.pk,
    )
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    panel = html.split('id="followup"', 1)[1]
    assert 'data-testid="status-badge">Contacté<' in panel
    mine = agent.client.get("/leads/?assignee=moi").content.decode()
    assert shown_ids(mine) == [lead_id]
