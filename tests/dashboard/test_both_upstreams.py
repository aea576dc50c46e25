"""What a person sees works the same whichever upstream the agency uses (issue 16): each test
runs once for an agency on GSL Customer Leads v2 and once on AVIV Seeker Leads v1, against
their embedded sandboxes over HTTP, and says what the list should hold from the sandbox's own
data (tests/fixtures.py, `upstream`)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import LeadFollowup
from leadsportal.leads_api import MAX_WINDOW_DAYS, LeadFamily, PageRequest, SearchCriteria
from leadsportal.watch.models import LiveEvent
from leadsportal.watch.poll import agency_poll
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


def test_switching_tab_filter_or_page_costs_no_more_calls_on_the_feed(agent, upstream):
    """Seeker Leads: the window is read once, then every tab and page is cut from it."""
    agent.client.get("/leads/")
    first = upstream.api_calls()
    for url in ["/leads/annonces/", "/leads/?page=2", "/leads/?portal=SLG-FRA", "/leads/agence/"]:
        assert agent.client.get(url).status_code == 200
    more = upstream.api_calls() - first
    assert more == (0 if upstream.is_seeker else 4)


def test_the_detail_page_shows_the_lead_and_the_listing_reference(agent, upstream):
    lead_id = upstream.add_lead(first_name="Hortense")
    html = unescape(agent.client.get(f"/lead/{lead_id}/").content.decode())
    assert "Hortense" in html
    lead = upstream.lead(lead_id)
    assert lead.classified is not None
    assert f"/annonces/{lead.classified.classified_id}/leads/" in html
    # The agency's own reference, and the number as the portal writes it.
    assert (lead.classified.reference or "") in html
    assert f"n° {lead.classified.number_label}" in html
    assert agent.client.get("/lead/not-a-lead-of-ours/").status_code == 404


def test_another_agencys_lead_is_not_found(agent, upstream):
    from tests.fixtures import UpstreamCase

    other = UpstreamCase(
        upstream.name, upstream.other, upstream.agency, upstream.sandbox, _client_of(upstream)
    )
    lead_id = other.expected(LeadFamily.ALL, default_criteria()).lead_ids[0]
    assert agent.client.get(f"/lead/{lead_id}/").status_code == 404


def _client_of(upstream) -> str:  # type: ignore[no-untyped-def]
    return {"gsl": "agence-lyon-demo", "seeker": "agence-nantes-demo"}[upstream.name]


def test_the_listing_page_lists_the_listings_leads(agent, upstream):
    now = timezone.now()
    criteria = SearchCriteria(start=now - timedelta(days=30), end=now)
    listing = upstream.a_listing(criteria)
    html = agent.client.get(f"/annonces/{listing}/leads/?per_page=100").content.decode()
    ids = shown_ids(html)
    assert ids
    for lead_id in ids:
        lead = upstream.lead(lead_id)
        assert lead.classified is not None and lead.classified.classified_id == listing
    if upstream.is_seeker:
        window = SearchCriteria(
            start=now - timedelta(days=MAX_WINDOW_DAYS),
            end=now + timedelta(minutes=2),
            classified_ids=(listing,),
        )
        expected = upstream.expected(LeadFamily.ALL, window, PageRequest(size=100))
        assert ids == list(expected.lead_ids)


def test_an_export_holds_the_list(manager, upstream):
    response = manager.client.get("/exports/leads/?format=csv")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    table = list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    header, body = table[0], table[1:]
    ids = [row[header.index("Identifiant du lead")] for row in body]
    expected = upstream.expected(LeadFamily.ALL, default_criteria(), PageRequest(size=100))
    assert len(ids) == expected.count
    assert ids[: len(expected.lead_ids)] == list(expected.lead_ids)


def test_the_call_tracking_export_has_the_calls_columns(login, bordeaux):
    manager = login("manager.bordeaux", (bordeaux, "manager"))
    response = manager.client.get("/exports/leads/appels/?format=csv")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    header = next(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))
    for column in ("Durée de l'appel (s)", "Messagerie", "Statut de l'appel", "N° d'annonce"):
        assert column in header


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


def test_the_search_finds_a_lead_by_its_phone_and_email(agent, upstream):
    lead_id = upstream.add_lead(
        contactRequest={
            "firstName": "Aurélie",
            "lastName": "Castagnède",
            "email": "Aurelie.Castagnede@example.org",
            "phoneNumbers": [{"number": "+33671829304", "type": "MOBILE", "isVerified": False}],
        }
    )
    now = timezone.now()
    contacts_index_period(
        agency=upstream.agency, start=now - timedelta(days=2), end=now + timedelta(hours=1)
    )
    for text in ("06 71 82 93 04", "aurelie.castagnede@EXAMPLE.org", "castagnede"):
        html = agent.client.get("/recherche/", {"q": text}).content.decode()
        results = html.split('data-testid="results"', 1)[1]
        assert f"/lead/{lead_id}/" in results, text


def test_the_statistics_count_the_periods_leads(manager, upstream):
    start = start_of_day(today_in_paris() - timedelta(days=29))
    end = start_of_day(today_in_paris() + timedelta(days=1))
    contacts_index_period(agency=upstream.agency, start=start, end=end)
    expected = upstream.expected(LeadFamily.ALL, SearchCriteria(start=start, end=end))
    html = manager.client.get("/statistiques/").content.decode()
    summary = html.split('data-testid="statistics-summary">')[1].split("</p>")[0]
    assert f": {expected.count} leads." in re.sub(r"\s+", " ", summary)
    # The families' table has a column for the calls where the upstream has them.
    assert ("<th" in html) and (">Appels<" in html) is upstream.is_seeker


def test_a_new_lead_is_announced_by_the_watcher(upstream):
    agency_poll(agency=upstream.agency)  # the baseline
    lead_id = upstream.add_lead()
    result = agency_poll(agency=upstream.agency, force=True)
    assert lead_id in result.new_lead_ids
    assert LiveEvent.objects.filter(agency=upstream.agency, lead_id=lead_id).exists()
