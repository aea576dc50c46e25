"""The lead lists: tabs, filters, pagination, htmx partials, errors — against the live sandboxes.

Each test about what a person sees runs once per upstream (GSL Customer Leads v2, AVIV Seeker
Leads v1: the `upstream` fixture of tests/fixtures.py) and says what the list should hold from
that sandbox's own data."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache

from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, PageRequest, SearchCriteria

TAB_URLS = {
    LeadFamily.ALL: "/leads/",
    LeadFamily.CLASSIFIED: "/leads/annonces/",
    LeadFamily.AGENCY: "/leads/agence/",
    LeadFamily.SELLER: "/leads/vendeurs/",
    LeadFamily.PROPERTY_SEARCH: "/leads/recherches/",
    LeadFamily.CALL_TRACKING: "/leads/appels/",
}
FAMILY_COLUMNS = {
    LeadFamily.ALL: ["Type", "Objet"],
    LeadFamily.CLASSIFIED: ["Annonce", "Prix", "Ville"],
    LeadFamily.AGENCY: ["Demande"],
    LeadFamily.SELLER: ["Prix estimé", "Délai de vente", "Ville"],
    LeadFamily.PROPERTY_SEARCH: ["Budget", "Pièces", "Surface", "Ville"],
    LeadFamily.CALL_TRACKING: ["Annonce", "Durée", "Messagerie", "Statut de l'appel"],
}
COMMON_COLUMNS = ["Date", "Contact", "Téléphone", "E-mail", "Portail"]


def headers(html: str) -> list[str]:
    return [unescape(text) for text in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', html)]


def rows(html: str) -> list[str]:
    body = re.split(r"<tbody[^>]*>", html, maxsplit=1)[1].split("</tbody>", 1)[0]
    return [
        row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "table-empty" not in row
    ]


def default_criteria(**narrowed) -> SearchCriteria:  # type: ignore[no-untyped-def]
    return SearchCriteria(
        start=start_of_day(default_start()),
        end=start_of_day(today_in_paris() + timedelta(days=1)),
        **narrowed,
    )


def page_count(count: int, size: int = 20) -> int:
    return max(1, -(-count // size))


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    """An agent of the upstream's agency (Paris on GSL, Bordeaux on Seeker)."""
    return login("agent.upstream", (upstream.agency, "agent"))


def test_it_requires_login(client, db):
    response = client.get("/leads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_home_goes_to_the_lead_list(agent):
    response = agent.client.get("/")
    assert response.status_code == 302 and response["Location"] == "/leads/"


@pytest.mark.parametrize("family", list(TAB_URLS))
def test_each_tab_lists_its_family_with_its_columns(agent, upstream, family):
    response = agent.client.get(TAB_URLS[family])
    if family not in upstream.families:
        # "Appels" is Seeker Leads' own family (docs/UPSTREAMS.md): no such tab on GSL.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    shown = headers(html)
    for column in COMMON_COLUMNS + FAMILY_COLUMNS[family]:
        assert column in shown
    # The family's own columns come after the contact's and before the portal.
    assert shown.index("E-mail") < shown.index(FAMILY_COLUMNS[family][-1]) < shown.index("Portail")
    expected = upstream.expected(family, default_criteria())
    assert len(rows(html)) == len(expected.lead_ids)
    for lead_id in expected.lead_ids:
        assert lead_id in html
    assert f"{expected.count:,}".replace(",", "\u202f") in html or str(expected.count) in html


def test_a_list_view_costs_its_upstream_calls_and_one_token(agent, upstream):
    agent.client.get("/leads/")
    first = upstream.api_calls()
    assert first >= 1
    agent.client.get("/leads/?page=2")
    # GSL answers each page with one search; Seeker Leads' pages are cut from the window read
    # for the first one, cached per agency (docs/UPSTREAMS.md, "How lists are built").
    assert upstream.api_calls() == (first if upstream.is_seeker else 2)
    assert upstream.sandbox.token_requests(upstream.client_id) == 1


def test_dates_show_in_paris_time_and_default_to_the_last_seven_days(agent, upstream):
    html = agent.client.get("/leads/").content.decode()
    lead = upstream.lead(upstream.expected(LeadFamily.ALL, default_criteria()).lead_ids[0])
    local = lead.meta.creation_date.astimezone(start_of_day(today_in_paris()).tzinfo)
    assert local.strftime("%d/%m/%Y %H:%M") in html
    assert f'value="{default_start().isoformat()}"' in html
    assert f'value="{today_in_paris().isoformat()}"' in html


def test_the_portal_filter_narrows_the_list(agent, upstream):
    html = agent.client.get("/leads/?portal=LIM-FRA&per_page=100").content.decode()
    expected = upstream.expected(
        LeadFamily.ALL, default_criteria(portals=("LIM-FRA",)), PageRequest(size=100)
    )
    assert expected.lead_ids
    assert len(rows(html)) == len(expected.lead_ids)
    assert all("Logic-Immo" in row for row in rows(html))


def test_the_listing_filter_narrows_the_list(agent, upstream):
    start = today_in_paris() - timedelta(days=60)
    listing_id = upstream.a_listing(
        SearchCriteria(
            start=start_of_day(start), end=start_of_day(today_in_paris() + timedelta(days=1))
        )
    )
    html = agent.client.get(
        f"/leads/annonces/?start={start.isoformat()}&end={today_in_paris().isoformat()}&classified={listing_id}&per_page=100"
    ).content.decode()
    assert rows(html)
    assert all(f"/annonces/{listing_id}/leads/" in row for row in rows(html))


def test_the_date_range_is_limited_to_92_days_with_a_message(agent, upstream):
    response = agent.client.get("/leads/?start=2026-01-01&end=2026-06-30")
    assert response.status_code == 400
    assert "92 jours" in response.content.decode()
    assert upstream.api_calls() == 0


BAD_FILTERS = [
    ("start=demain&end=2026-01-01", "Saisissez une date valide"),
    ("classified=abc", "Aucune annonce de l'agence n'a la référence « abc »"),
    ("classified=<b>", "Tapez la référence de l'annonce"),
    ("classified=0", "Ce numéro d'annonce n'existe pas."),
    ("portal=XYZ-FRA", "Portail inconnu"),
    ("start=2026-03-10&end=2026-03-01", "La date de fin doit suivre"),
    ("per_page=7", "Sélectionnez un choix valide"),
]


# The form refuses these before any upstream call: every case on GSL, the listing's on Seeker
# (its reference and number are the agency's own) to keep CI's time.
@pytest.mark.parametrize(
    ("upstream", "query", "message"),
    [("gsl", query, message) for query, message in BAD_FILTERS]
    + [("seeker", query, message) for query, message in BAD_FILTERS[1:4]],
    indirect=["upstream"],
)
def test_bad_filters_show_a_message_not_an_error(agent, query, message):
    response = agent.client.get(f"/leads/?{query}")
    assert response.status_code == 400
    assert message in unescape(response.content.decode())


# The page number is the form's: all of them on GSL, one on Seeker.
@pytest.mark.parametrize(
    ("upstream", "page"),
    [("gsl", "0"), ("gsl", "-3"), ("gsl", "abc"), ("gsl", ""), ("seeker", "abc")],
    indirect=["upstream"],
)
def test_nonsense_pages_serve_the_first_page(agent, page):
    response = agent.client.get(f"/leads/?page={page}")
    assert response.status_code == 200
    assert "page 1 sur" in response.content.decode()


def test_a_page_past_the_end_serves_the_last_page(agent, upstream):
    last = page_count(upstream.expected(LeadFamily.ALL, default_criteria()).count)
    response = agent.client.get(f"/leads/?page={10**9}")
    assert response.status_code == 200
    assert f"page {last} sur {last}" in response.content.decode()


def test_pagination_shows_the_total_and_page_n_of_m(agent, upstream):
    expected = upstream.expected(LeadFamily.ALL, default_criteria(), PageRequest(index=2, size=50))
    pages = page_count(expected.count, 50)
    assert pages >= 2
    html = agent.client.get("/leads/?per_page=50&page=2").content.decode()
    assert f"page 2 sur {pages}" in html
    assert len(rows(html)) == len(expected.lead_ids)
    assert 'href="/leads/?per_page=50&amp;page=3"' in html or pages == 2


def test_htmx_gets_only_the_results_region(agent):
    full = agent.client.get("/leads/?per_page=100")
    partial = agent.client.get(
        "/leads/?per_page=100", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert b"<html" in full.content and b"<html" not in partial.content
    assert b'id="results"' in partial.content and b'id="filters"' not in partial.content
    assert b"<table" in partial.content
    assert len(partial.content) < len(full.content)
    assert "HX-Request" in partial["Vary"]


def test_htmx_tab_change_gets_tabs_filters_and_results(agent):
    response = agent.client.get(
        "/leads/vendeurs/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="browser"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="browser"' in html and 'id="filters"' in html and 'id="results"' in html
    assert 'aria-current="page" class="is-active" data-tab="seller"' in html


def test_an_unavailable_upstream_renders_a_banner(agent, upstream):
    upstream.sandbox.configure(fault_mode="unavailable503", fault_next=100)
    response = agent.client.get("/leads/")
    assert response.status_code == 502
    assert "momentanément indisponible" in response.content.decode()
    partial = agent.client.get("/leads/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert partial.status_code == 200
    assert "momentanément indisponible" in partial.content.decode()


@pytest.mark.parametrize(
    ("fault", "message"),
    [("error500", "momentanément indisponible"), ("malformed", "réponse illisible")],
)
def test_upstream_faults_render_banners_never_500(agent, upstream, fault, message):
    upstream.sandbox.configure(fault_mode=fault, fault_next=100)
    response = agent.client.get("/leads/")
    assert response.status_code == 502
    assert message in response.content.decode()


def test_rejected_credentials_render_a_banner(agent, upstream):
    upstream.agency.set_client_secret("not-the-secret")
    upstream.agency.save()
    cache.clear()
    response = agent.client.get("/leads/")
    assert response.status_code == 502
    assert "identifiants API" in response.content.decode()


def test_rate_limited_upstream_renders_a_banner(agent, upstream):
    agent.client.get("/leads/")  # token fetched
    upstream.sandbox.configure(rate_limit=1)
    # Another period each time: each view asks the upstream (a Seeker window is cached).
    today = today_in_paris()
    statuses = [
        agent.client.get(f"/leads/?start={today - timedelta(days=days)}&end={today}").status_code
        for days in (10, 11, 12)
    ]
    assert set(statuses) <= {200, 503}


def test_erased_contacts_show_as_erased(agent):
    start = today_in_paris() - timedelta(days=89)
    found = False
    for page in range(1, 40):
        html = agent.client.get(
            f"/leads/?start={start.isoformat()}&end={today_in_paris().isoformat()}&per_page=100&page={page}"
        ).content.decode()
        if "Données effacées (RGPD)" in html:
            found = True
            break
        if re.search(rf"page {page} sur {page}\b", html):  # the last page
            break
    assert found
    assert "None" not in "".join(rows(html))


def test_a_window_of_92_days_across_a_dst_change_is_refused_as_the_api_would(agent, upstream):
    # 28/08 → 27/11 in Paris is 92 calendar days but 92 days and an hour in real time.
    response = agent.client.get("/leads/?start=2026-08-28&end=2026-11-27")
    assert response.status_code == 400
    assert "92 jours" in response.content.decode()
    assert upstream.api_calls() == 0


def test_a_window_of_92_days_without_dst_change_is_accepted(agent):
    response = agent.client.get("/leads/?start=2026-11-01&end=2027-01-31")
    assert response.status_code == 200


def test_an_unreadable_agency_secret_renders_a_banner(agent, upstream):
    from leadsportal.agencies.models import Agency

    Agency.objects.filter(pk=upstream.agency.pk).update(
        client_secret_encrypted="not-a-fernet-token"
    )
    for url in ("/leads/", "/annonces/123/leads/"):
        response = agent.client.get(url)
        assert response.status_code == 502
        assert "illisibles" in response.content.decode()


def test_the_unread_marker_has_its_own_word_not_the_first_status(agent, upstream):
    upstream.add_lead()  # arrived after the agent joined: unread, and its status is "Nouveau"
    html = agent.client.get("/leads/").content.decode()
    assert 'data-testid="unread-badge">Non lu</span>' in html
    assert 'data-testid="unread-badge">Nouveau</span>' not in html


@pytest.mark.parametrize("path", ["/leads/", "/leads/vendeurs/", "/leads/annonces/"])
def test_each_list_has_one_h1_naming_its_tab(agent, path):
    html = agent.client.get(path).content.decode()
    assert html.count("<h1") == 1
    tab = re.search(r'aria-current="page" class="is-active"[^>]*>([^<]+)<', html)
    assert tab is not None and f">{tab.group(1)}</h1>" in html


def test_tabs_keep_the_filters_that_apply_to_them(agent, upstream):
    start, end = default_start() - timedelta(days=3), today_in_paris()
    query = f"start={start}&end={end}&portal=SLG-FRA&status=contacte&per_page=50&page=2"
    html = unescape(agent.client.get(f"/leads/?{query}&classified=123456").content.decode())
    tabs = re.findall(r'<li><a href="([^"]+)" hx-get="[^"]+"[^>]*data-tab="([a-z_]+)"', html)
    by_family = {family: url for url, family in tabs}
    assert set(by_family) == {family.value for family in upstream.families}
    for url in by_family.values():
        assert f"start={start}" in url and f"end={end}" in url, url
        assert "portal=SLG-FRA" in url and "status=contacte" in url and "per_page=50" in url
        assert "page=2" not in url.replace("per_page", "")
    # The listing as its leads write it (on Seeker Leads the portal's id, whatever was typed).
    from leadsportal.followup.listings import listing_number_label

    listing = f"classified={listing_number_label(agency=upstream.agency, classified_id=123456)}"
    assert listing in by_family["classified"] and listing in by_family["all"]
    assert "classified" not in by_family["seller"]


def filters_count(html: str) -> str:
    """The number of the "Filtres (n)" button, as shown ("" when no filter is active)."""
    match = re.search(r'<span id="filters-count"[^>]*>([^<]*)</span>', html)
    assert match is not None, "no filters button"
    return match.group(1).strip()


def test_the_filters_button_counts_no_filter_on_a_new_list(agent):
    assert filters_count(agent.client.get("/leads/").content.decode()) == ""
    # The default window written out, and a page size, narrow nothing either.
    start, end = default_start(), today_in_paris()
    html = agent.client.get(f"/leads/?start={start}&end={end}&per_page=50").content.decode()
    assert filters_count(html) == ""


FILTER_COUNTS = [
    ("portal=SLG-FRA", "(1)"),
    ("portal=SLG-FRA&status=contacte", "(2)"),
    ("assignee=moi&unread=1&waiting=1h", "(3)"),
    # Only the start moved: one filter, although the query names both dates.
    (f"start={default_start() - timedelta(days=3)}&end={today_in_paris()}", "(1)"),
    (
        f"start={default_start() - timedelta(days=3)}&end={today_in_paris()}&portal=SLG-FRA",
        "(2)",
    ),
]


# The count is the form's: every case on GSL, the last one (dates and portal) on Seeker.
@pytest.mark.parametrize(
    ("upstream", "query", "count"),
    [("gsl", query, count) for query, count in FILTER_COUNTS] + [("seeker", *FILTER_COUNTS[-1])],
    indirect=["upstream"],
)
def test_the_filters_button_counts_the_filters_that_differ_from_a_new_list(agent, query, count):
    html = agent.client.get(f"/leads/vendeurs/?{query}").content.decode()
    assert filters_count(html) == count
    # Folded: nothing to fix.
    assert re.search(r'<details class="filters-fold"[^>]*>', html).group(0).endswith('fold">')  # type: ignore[union-attr]


def test_the_filters_button_counts_follow_an_htmx_filter_change(agent):
    response = agent.client.get(
        "/leads/?portal=SLG-FRA&status=contacte", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    # The button is not in the swapped region: its number comes out of band.
    assert '<span id="filters-count"' in html and 'hx-swap-oob="true"' in html
    assert filters_count(html) == "(2)"
    # A tab change swaps the whole browser, button included: no second copy.
    html = agent.client.get(
        "/leads/?portal=SLG-FRA", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="browser"
    ).content.decode()
    assert html.count('<span id="filters-count"') == 1 and "hx-swap-oob" not in html
    assert filters_count(html) == "(1)"


def test_filters_to_fix_show_unfolded(agent):
    html = agent.client.get("/leads/?portal=NOPE").content.decode()
    assert '<details class="filters-fold" data-testid="filters-fold" open>' in html


def test_a_listing_page_counts_the_filters_filled_in(agent, upstream):
    path = f"/annonces/{upstream.a_listing(default_criteria())}/leads/"
    assert filters_count(agent.client.get(path).content.decode()) == ""
    assert filters_count(agent.client.get(f"{path}?portal=SLG-FRA").content.decode()) == "(1)"
    start, end = default_start(), today_in_paris()
    html = agent.client.get(f"{path}?start={start}&end={end}&portal=SLG-FRA").content.decode()
    assert filters_count(html) == "(3)"


def test_each_row_can_be_a_card_with_a_call_button(agent, upstream):
    """The cells name their column (widths, the phone's card), the phone is dialled in E.164,
    the family's own values carry their column's name for the card."""
    lead_id = upstream.add_lead(
        family=LeadFamily.SELLER,
        contactRequest={
            "email": "a.b@example.org",
            "phoneNumbers": [{"number": "06.45.78.12.90", "type": "MOBILE", "isVerified": False}],
        },
    )
    html = agent.client.get("/leads/vendeurs/").content.decode()
    row = re.search(rf'<tr[^>]*data-lead-id="{lead_id}">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = row.group(1)
    assert 'class="col-phone" role="cell"' in cells
    assert 'href="tel:+33645781290"' in cells and "06 45 78 12 90" in cells
    assert 'href="mailto:a.b@example.org"' in cells
    assert 'data-label="Prix estimé"' in cells and 'data-label="Délai de vente"' in cells
    assert 'class="col-contact" role="cell" data-label' not in cells
    assert '<table class="table leads-table" role="table">' in html
