"""The statistics page: its figures are the sandbox's own counts for the period, its CSVs read
back to the same numbers, an agent sees their own leads only, and it never calls the API.

The agency's index is filled the way production fills it (the index re-read over the API, over
HTTP); the expected figures are counted here from the leads the sandbox gives for the same
period, grouped by Paris day, family, portal and listing. On both upstreams (tests/fixtures.py,
`upstream`): an agency on Seeker Leads has a column for its tracked calls (docs/UPSTREAMS.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from html import unescape

import pytest

from leadsportal.dashboard.dates import PARIS, today_in_paris
from leadsportal.dashboard.labels import portal_label
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import LeadFollowup, LostReason
from leadsportal.followup.pipeline import reason_archive, stage_add, stage_move, stage_rename
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
    response_time_median,
)
from leadsportal.leads_api import Lead, LeadFamily
from tests.exports.helpers import criteria_for, upstream_leads

URL = "/statistiques/"
# The families' columns, in the page's order, with their headers.
FAMILY_HEADERS = {
    LeadFamily.CLASSIFIED: "Annonces",
    LeadFamily.AGENCY: "Agence",
    LeadFamily.SELLER: "Vendeurs",
    LeadFamily.PROPERTY_SEARCH: "Recherches de biens",
    LeadFamily.CALL_TRACKING: "Appels",  # AVIV Seeker Leads only
}


def family_columns(upstream) -> list[str]:  # type: ignore[no-untyped-def]
    """The lead types of the families' table's columns for the agency's upstream."""
    return [family.name for family in FAMILY_HEADERS if family in upstream.families]


def family_headers(upstream) -> list[str]:  # type: ignore[no-untyped-def]
    return [header for family, header in FAMILY_HEADERS.items() if family in upstream.families]


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


# --- Reading the page as a person (or a screen reader) does ---------------------------------


def table_html(html: str, key: str) -> str:
    match = re.search(rf'<table[^>]*data-testid="stat-{key}"[^>]*>(.*?)</table>', html, re.S)
    assert match, f"no table {key}"
    return match.group(1)


def _cells(row: str) -> list[str]:
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", cell))).strip() for cell in cells]


def table_rows(html: str, key: str, part: str = "tbody") -> list[list[str]]:
    """The visible text of each row of a table's body (or head, or foot)."""
    inner = table_html(html, key)
    match = re.search(rf"<{part}>(.*?)</{part}>", inner, re.S)
    if not match:
        return []
    return [_cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S)]


def number(text: str) -> int:
    """ "1 234" (any space) as 1234."""
    return int(re.sub(r"\D", "", text))


def get_page(client, **params):  # type: ignore[no-untyped-def]
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def read_csv(data: bytes, *, excel_fr: bool) -> list[list[str]]:
    if excel_fr:
        assert data.startswith(b"\xef\xbb\xbf")
        text = data[3:].decode("utf-8")
    else:
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if excel_fr else ","))


# --- The oracle: the sandbox's own leads of the period ---------------------------------------


def period(days: int) -> tuple[date, date]:
    end = today_in_paris()
    return end - timedelta(days=days - 1), end


def sandbox_leads(upstream, first: date, last: date) -> list[Lead]:  # type: ignore[no-untyped-def]
    leads, count = upstream_leads(upstream, LeadFamily.ALL, criteria_for(first, last))
    assert len(leads) == count
    return leads


def index(agency, first: date, last: date) -> None:  # type: ignore[no-untyped-def]
    criteria = criteria_for(first, last)
    contacts_index_period(agency=agency, start=criteria.start, end=criteria.end)


def paris_day(lead: Lead) -> date:
    return lead.meta.creation_date.astimezone(PARIS).date()


@pytest.fixture
def month(upstream):  # type: ignore[no-untyped-def]
    """The default period (the last 30 days) indexed, and the sandbox's leads of it."""
    first, last = period(30)
    index(upstream.agency, first, last)
    return first, last, sandbox_leads(upstream, first, last)


# --- The figures ---------------------------------------------------------------------------


def test_it_requires_a_login(client, paris):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_the_default_period_is_the_last_30_days_per_day_and_family(manager, upstream, month):
    first, last, leads = month
    html = get_page(manager.client)

    summary = html.split('data-testid="statistics-summary">')[1].split("</p>")[0]
    assert re.sub(r"\s+", " ", summary).strip() == (
        f"Du {first:%d/%m/%Y} au {last:%d/%m/%Y} : {len(leads)} leads."
    )
    expected = Counter((paris_day(lead), lead.lead_type.value) for lead in leads)
    rows = table_rows(html, "families")
    assert len(rows) == 30
    assert rows[0][0] == f"{first:%d/%m/%Y}" and rows[-1][0] == f"{last:%d/%m/%Y}"
    for offset, row in enumerate(rows):
        day = first + timedelta(days=offset)
        figures = [number(cell) for cell in row[1:]]
        by_family = [expected[(day, lead_type)] for lead_type in family_columns(upstream)]
        assert figures == [*by_family, sum(by_family)], day
    [total] = table_rows(html, "families", "tfoot")
    assert number(total[-1]) == len(leads)
    assert table_rows(html, "families", "thead") == [["Jour", *family_headers(upstream), "Total"]]


def test_leads_per_portal_are_the_sandboxs(manager, month):
    _first, _last, leads = month
    html = get_page(manager.client)

    expected = Counter(portal_label(lead.meta.portal) for lead in leads)
    shown = {row[0]: number(row[1]) for row in table_rows(html, "portals")}
    assert shown == dict(expected)
    counts = [number(row[1]) for row in table_rows(html, "portals")]
    assert counts == sorted(counts, reverse=True)


def test_the_top_listings_are_the_sandboxs_with_links_to_their_leads(manager, month):
    first, last, leads = month
    html = get_page(manager.client)

    expected = Counter(lead.classified.classified_id for lead in leads if lead.classified)
    # The number as the portal writes it (on Seeker Leads its 12 characters), and the agency's
    # reference, else that number.
    numbers = {
        lead.classified.classified_id: lead.classified.number_label
        for lead in leads
        if lead.classified
    }
    references = {
        lead.classified.classified_id: lead.classified.reference
        or f"n° {lead.classified.number_label}"
        for lead in leads
        if lead.classified
    }
    titles = {
        lead.classified.classified_id: lead.classified.title for lead in leads if lead.classified
    }
    rows = table_rows(html, "listings")
    assert len(rows) == min(20, len(expected))
    top = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[: len(rows)]
    assert [(row[2], number(row[3])) for row in rows] == [
        (numbers[classified_id], count) for classified_id, count in top
    ]
    assert [row[0] for row in rows] == [references[classified_id] for classified_id, _n in top]
    assert [row[1] for row in rows] == [titles[classified_id] or "—" for classified_id, _n in top]
    assert table_rows(html, "listings", "thead") == [
        ["Référence", "Titre", "N° d'annonce", "Leads"]
    ]
    classified_id = top[0][0]
    link = f'href="/annonces/{classified_id}/leads/?start={first.isoformat()}&amp;end={last.isoformat()}"'
    assert link in table_html(html, "listings")


def test_over_more_than_60_days_the_flow_is_per_week(manager, upstream):
    first, last = period(90)
    index(upstream.agency, first, last)
    leads = sandbox_leads(upstream, first, last)
    html = get_page(manager.client, start=first.isoformat(), end=last.isoformat())

    monday = first - timedelta(days=first.weekday())
    expected = Counter(
        (paris_day(lead) - timedelta(days=paris_day(lead).weekday()), lead.lead_type.value)
        for lead in leads
    )
    rows = table_rows(html, "families")
    assert table_rows(html, "families", "thead")[0][0] == "Semaine du"
    assert rows[0][0].startswith(f"{monday:%d/%m/%Y}")
    assert rows[0][0].endswith("*") == (monday < first)
    for offset, row in enumerate(rows):
        week = monday + timedelta(days=7 * offset)
        assert [number(cell) for cell in row[1:-1]] == [
            expected[(week, lead_type)] for lead_type in family_columns(upstream)
        ], week
    assert sum(number(row[-1]) for row in rows) == len(leads)
    # Chosen per day, the same period lists its 90 days.
    per_day = get_page(
        manager.client, start=first.isoformat(), end=last.isoformat(), granularity="day"
    )
    assert len(table_rows(per_day, "families")) == 90


def respond(agency, lead, *, assignee, actor, minutes):  # type: ignore[no-untyped-def]
    followup = followup_from_lead(agency=agency, lead=lead)
    followup_assignee_set(followup=followup, actor=actor, assignee=assignee)
    if minutes is not None:
        followup_status_set(
            followup=followup,
            actor=actor,
            status="contacte",
            now=lead.meta.creation_date + timedelta(minutes=minutes),
        )


def test_per_member_assigned_answered_median_and_share_within_the_hour(
    manager, agent, upstream, month
):
    _first, _last, leads = month
    # agent: 4 leads, answered after 10, 50 and 90 minutes, one not yet; manager: 2, after 30 and
    # 200 minutes; one lead answered by nobody's assignee (unassigned) counts for nobody.
    plan = [
        (agent, 10),
        (agent, 50),
        (agent, 90),
        (agent, None),
        (manager, 30),
        (manager, 200),
    ]
    for lead, (member, minutes) in zip(leads, plan, strict=False):
        respond(upstream.agency, lead, assignee=member.user, actor=manager.user, minutes=minutes)
    unassigned = followup_from_lead(agency=upstream.agency, lead=leads[len(plan)])
    followup_status_set(followup=unassigned, actor=manager.user, status="mandat")

    html = get_page(manager.client)
    rows = {row[0]: row[1:] for row in table_rows(html, "members")}
    assert rows["agent.upstream"] == ["4", "3", "50 min", "50 %"]
    assert rows["manager.upstream"] == ["2", "2", "1 h 55", "50 %"]
    [total] = table_rows(html, "members", "tfoot")
    assert total == ["Toute l'agence", "6", "5", "50 min", "50 %"]
    assert table_rows(html, "members", "thead") == [
        [
            "Membre",
            "Leads assignés",
            "Répondus",
            "Délai médian de première réponse",
            "Répondus en moins d'1 h",
        ]
    ]


def move(agency, lead, actor, *codes: str, reason: str = "", assignee=None):  # type: ignore[no-untyped-def]
    """The lead through these stages, in order; a lost stage with the reason of that label."""
    followup = followup_from_lead(agency=agency, lead=lead)
    if assignee is not None:
        followup_assignee_set(followup=followup, actor=None, assignee=assignee)
    for code in codes:
        lost = LostReason.objects.get(agency=agency, label=reason) if code == "perdu" else None
        followup_status_set(followup=followup, actor=actor.user, status=code, lost_reason=lost)
    return followup


def test_the_funnel_counts_the_leads_that_reached_each_stage(manager, agent, upstream, month):
    _first, _last, leads = month
    assert len(leads) > 6
    move(upstream.agency, leads[0], agent, "contacte", "rendez-vous", "visite")
    move(upstream.agency, leads[1], agent, "contacte", "perdu", reason="Injoignable")
    move(
        upstream.agency, leads[2], agent, "visite"
    )  # straight to the visit: went through the steps
    move(upstream.agency, leads[3], manager, "contacte", "mandat")  # signed: every step before it
    move(upstream.agency, leads[4], agent, "contacte", "nouveau")  # back to new, but was contacted
    move(upstream.agency, leads[5], agent, "perdu", reason="Hors secteur")
    total = len(leads)  # every lead of the period reached "Nouveau"

    html = get_page(manager.client)
    rows = {row[0]: row[1:] for row in table_rows(html, "funnel")}
    assert list(rows) == [
        "Nouveau",
        "Contacté",
        "Rendez-vous",
        "Visite",
        "Offre",
        "Mandat signé",
        "Perdu",
    ]
    assert {name: number(cells[0]) for name, cells in rows.items()} == {
        "Nouveau": total,
        "Contacté": 5,
        "Rendez-vous": 3,
        "Visite": 3,
        "Offre": 1,
        "Mandat signé": 1,
        "Perdu": 2,
    }
    assert rows["Rendez-vous"][2] == "60 %"  # 3 of the 5 contacted
    assert rows["Perdu"][2] == "—"  # a way out of the path, not a step of it
    assert table_rows(html, "funnel", "thead") == [
        [
            "Étape",
            "Leads",
            "Part des leads reçus",
            "Depuis l'étape précédente",
        ]
    ]
    reasons = {row[0]: row[1:] for row in table_rows(html, "lost_reasons")}
    assert reasons == {
        "Injoignable": ["1", "50 %"],
        "Hors secteur": ["1", "50 %"],
        "Déjà accompagné": ["0", "0 %"],
        "Projet abandonné": ["0", "0 %"],
    }
    assert table_rows(html, "lost_reasons", "tfoot") == [["Total", "2", "100 %"]]
    # Both are charts with their table, as every table of the page.
    assert 'data-chart-for="stat-funnel"' in html and 'data-chart-for="stat-lost_reasons"' in html


def test_the_funnel_follows_the_pipeline_as_the_manager_edits_it(manager, agent, upstream, month):
    _first, _last, leads = month
    move(upstream.agency, leads[0], agent, "contacte", "visite")
    stage_rename(agency=upstream.agency, code="visite", name="Visite faite")
    stage_move(agency=upstream.agency, code="offre", up=True)  # now before the visit
    added = stage_add(agency=upstream.agency, name="Compromis", kind="open")
    move(upstream.agency, leads[1], agent, added.code)
    archived = LostReason.objects.get(agency=upstream.agency, label="Projet abandonné")
    move(upstream.agency, leads[2], agent, "perdu", reason="Projet abandonné")
    reason_archive(agency=upstream.agency, reason_id=archived.pk)

    html = get_page(manager.client)
    rows = {row[0]: number(row[1]) for row in table_rows(html, "funnel")}
    assert list(rows) == [
        "Nouveau",
        "Contacté",
        "Rendez-vous",
        "Offre",
        "Visite faite",
        "Compromis",
        "Mandat signé",
        "Perdu",
    ]
    # Reaching "Compromis", the last open step, means going through every one before it.
    # (The visit, now after the offer, counts for the offer too.)
    assert rows["Contacté"] == 2 and rows["Offre"] == 2 and rows["Visite faite"] == 2
    assert rows["Compromis"] == 1 and rows["Mandat signé"] == 0 and rows["Perdu"] == 1
    reasons = {row[0]: row[1] for row in table_rows(html, "lost_reasons")}
    assert reasons["Projet abandonné (archivée)"] == "1"


def test_an_agents_funnel_counts_their_own_leads(manager, agent, upstream, month):
    _first, _last, leads = month
    move(upstream.agency, leads[0], agent, "contacte", "visite", assignee=agent.user)
    move(
        upstream.agency,
        leads[1],
        agent,
        "contacte",
        "perdu",
        reason="Injoignable",
        assignee=agent.user,
    )
    move(upstream.agency, leads[2], manager, "contacte", "mandat", assignee=manager.user)
    html = get_page(agent.client)
    rows = {row[0]: number(row[1]) for row in table_rows(html, "funnel")}
    assert rows["Nouveau"] == 2 and rows["Contacté"] == 2 and rows["Visite"] == 1
    assert rows["Mandat signé"] == 0 and rows["Perdu"] == 1
    assert table_rows(html, "lost_reasons", "tfoot") == [["Total", "1", "100 %"]]


def test_no_lost_lead_says_so(manager, month):
    html = get_page(manager.client)
    assert 'data-testid="stat-empty-lost_reasons"' in html
    assert "Aucun lead de la période n'est perdu." in unescape(html)


def test_an_agent_sees_the_same_page_over_their_own_leads(manager, agent, upstream, month):
    _first, _last, leads = month
    mine = leads[:5]
    for lead in mine:
        respond(upstream.agency, lead, assignee=agent.user, actor=manager.user, minutes=20)
    respond(upstream.agency, leads[5], assignee=manager.user, actor=manager.user, minutes=20)

    html = get_page(agent.client)
    assert "Vos leads : ceux qui vous sont assignés." in html
    families = table_rows(html, "families", "tfoot")[0]
    assert number(families[-1]) == len(mine)
    assert {row[0]: number(row[1]) for row in table_rows(html, "portals")} == dict(
        Counter(portal_label(lead.meta.portal) for lead in mine)
    )
    members = table_rows(html, "members")
    assert members == [["agent.upstream", "5", "5", "20 min", "100 %"]]
    assert table_rows(html, "members", "tfoot") == []
    manager_html = get_page(manager.client)
    assert number(table_rows(manager_html, "families", "tfoot")[0][-1]) == len(leads)


def test_the_agencys_median_is_the_one_the_lists_show(manager, agent, upstream, month):
    first, last, leads = month
    for lead, minutes in zip(leads[:5], (5, 15, 40, 70, 300), strict=True):
        respond(upstream.agency, lead, assignee=agent.user, actor=manager.user, minutes=minutes)
    criteria = criteria_for(first, last)
    summary = response_time_median(agency=upstream.agency, start=criteria.start, end=criteria.end)
    assert summary.median_seconds == 40 * 60

    total = table_rows(get_page(manager.client), "members", "tfoot")[0]
    assert total[3] == "40 min"


def test_the_page_and_its_csvs_make_no_upstream_call(manager, upstream, month):
    before = upstream.api_calls()
    tokens = upstream.sandbox.token_requests(upstream.client_id)
    get_page(manager.client)
    get_page(manager.client, start=(today_in_paris() - timedelta(days=300)).isoformat())
    for table in ("families", "portals", "listings", "members"):
        assert manager.client.get(URL, {"table": table, "format": "csv"}).status_code == 200
    assert upstream.api_calls() == before
    assert upstream.sandbox.token_requests(upstream.client_id) == tokens


# --- CSV -----------------------------------------------------------------------------------

TABLES = ["families", "portals", "listings", "funnel", "lost_reasons", "members"]


# Every table on GSL; on Seeker Leads the two whose cells differ by upstream (the calls'
# column, the listings' 12-character numbers): the others are the follow-up's own figures.
@pytest.mark.parametrize(
    ("upstream", "key"),
    [
        *(("gsl", key) for key in TABLES),
        ("seeker", "families"),
        ("seeker", "listings"),
    ],
    indirect=["upstream"],
)
def test_each_tables_csv_reads_back_to_the_tables_numbers(manager, agent, upstream, month, key):
    first, last, leads = month
    respond(upstream.agency, leads[0], assignee=agent.user, actor=manager.user, minutes=42)
    move(upstream.agency, leads[1], manager, "contacte", "perdu", reason="Injoignable")
    html = get_page(manager.client)
    shown = table_rows(html, key)
    totals = table_rows(html, key, "tfoot")

    response = manager.client.get(URL, {"table": key, "format": "csv-excel"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"_{first.isoformat()}_{last.isoformat()}.csv" in disposition
    rows = read_csv(response.content, excel_fr=True)
    header, body = rows[0], rows[1:]
    assert len(header) == len(table_rows(html, key, "thead")[0])
    assert len(body) == len(shown) + len(totals)
    for csv_row, page_row in zip(body, [*shown, *totals], strict=True):
        if key == "families" and csv_row[0] != "Total":
            assert csv_row[0] == page_row[0][:10]  # the day (dd/mm/yyyy), as on the page
        else:
            assert csv_row[0] == page_row[0]
        for csv_cell, page_cell in zip(csv_row[1:], page_row[1:], strict=True):
            if page_cell.endswith("%"):
                # The page rounds to the unit, the CSV keeps a decimal: 3.46 % is "3 %" on the
                # page and "3,5" in the file, so the file's value is within half a unit (and its
                # own rounding) of the page's.
                assert abs(float(csv_cell.replace(",", ".")) - number(page_cell)) <= 0.55
            elif re.fullmatch(r"[\d\s\u202f\u00a0]+", page_cell):
                assert csv_cell == str(number(page_cell))
    standard = read_csv(
        manager.client.get(URL, {"table": key, "format": "csv"}).content, excel_fr=False
    )
    assert len(standard) == len(rows)


def test_a_csv_day_and_minutes_in_each_format(manager, agent, upstream, month):
    first, _last, leads = month
    respond(upstream.agency, leads[0], assignee=agent.user, actor=manager.user, minutes=42.5)
    families = read_csv(
        manager.client.get(URL, {"table": "families", "format": "csv"}).content, excel_fr=False
    )
    assert families[0] == ["Jour", *family_headers(upstream), "Total"]
    assert families[1][0] == first.isoformat()
    members = read_csv(
        manager.client.get(URL, {"table": "members", "format": "csv-excel"}).content,
        excel_fr=True,
    )
    assert members[0] == [
        "Membre",
        "Leads assignés",
        "Répondus",
        "Délai médian de première réponse (min)",
        "Répondus en moins d'1 h (%)",
    ]
    assert ["agent.upstream", "1", "1", "42,5", "100"] in members


def test_a_name_that_looks_like_a_formula_is_text_in_the_csv(manager, upstream, make_member, month):
    _first, _last, leads = month
    hostile = make_member("hostile", (upstream.agency, "agent"))
    hostile.first_name = '=HYPERLINK("https://evil.example";"x")'
    hostile.save()
    respond(upstream.agency, leads[0], assignee=hostile, actor=manager.user, minutes=5)

    rows = read_csv(
        manager.client.get(URL, {"table": "members", "format": "csv-excel"}).content,
        excel_fr=True,
    )
    names = [row[0] for row in rows]
    assert "'" + '=HYPERLINK("https://evil.example";"x")' in names
    assert not any(name.startswith("=") for name in names)


# --- The period -----------------------------------------------------------------------------


def test_twelve_months_are_allowed_and_the_page_says_what_the_index_covers(manager, upstream):
    first, last = period(10)
    index(upstream.agency, first, last)
    today = today_in_paris()
    year_start = today.replace(year=today.year - 1) + timedelta(days=1)
    html = get_page(manager.client, start=year_start.isoformat(), end=today.isoformat())

    assert len(table_rows(html, "families")) in (53, 54)  # weeks, automatically
    oldest = min(paris_day(lead) for lead in sandbox_leads(upstream, first, last))
    coverage = html.split('data-testid="statistics-index-late">', 1)[1].split("</p>", 1)[0]
    assert f"aucun lead avant le {oldest:%d/%m/%Y}" in coverage
    assert f"Son plus ancien lead date du {oldest:%d/%m/%Y}." in html
    assert 'aria-current="true"' in html  # the "12 derniers mois" shortcut


# The form refuses these before anything is counted: one upstream suffices.
@pytest.mark.parametrize("upstream", ["gsl"], indirect=True)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "pas-une-date"}, "Date invalide : utilisez le format jj/mm/aaaa."),
        ({"end": "2024-02-30"}, "Date invalide : utilisez le format jj/mm/aaaa."),
        ({"start": "1999-12-31", "end": "2000-06-01"}, "Date trop ancienne."),
        ({"end": "2999-01-01"}, "La date de fin ne peut pas être après aujourd&#x27;hui."),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "La date de fin précède la date de début."),
        (
            {"start": "2025-03-01", "end": "2026-03-01"},
            "La période ne peut pas dépasser 12 mois : pour finir le 01/03/2026, "
            "commencez au plus tôt le 02/03/2025.",
        ),
        ({"granularity": "month"}, "Choisissez par jour, par semaine ou automatique."),
        ({"table": "secrets", "format": "csv"}, "Ce tableau n&#x27;existe pas."),
        ({"table": "portals", "format": "pdf"}, "Format de téléchargement inconnu."),
        ({"table": "portals"}, "Un téléchargement nomme un tableau et un format."),
    ],
)
def test_a_wrong_period_is_a_message_not_an_error(manager, params, message):
    response = manager.client.get(URL, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'data-testid="statistics-errors"' in html
    assert 'data-testid="stat-families"' not in html


def test_exactly_twelve_months_pass(manager, upstream):
    response = manager.client.get(URL, {"start": "2025-03-02", "end": "2026-03-01"})
    assert response.status_code == 200


def test_the_query_counts_do_not_grow_with_the_period(
    manager, month, django_assert_max_num_queries
):
    manager.client.get(URL)  # the session and the memberships once
    # 14, and the funnel's three (the period's leads, their follow-ups, their stage changes)
    # and the lost reasons' two (the counts, the agency's reasons).
    with django_assert_max_num_queries(19):
        get_page(manager.client, start=(today_in_paris() - timedelta(days=360)).isoformat())


def test_leadfollowups_of_another_agency_never_count(manager, upstream, login, month):
    _first, _last, _leads = month
    lyon = upstream.other
    lyon_manager = login("manager.other", (lyon, "manager"))
    html = get_page(lyon_manager.client)
    assert number(table_rows(html, "families", "tfoot")[0][-1]) == 0
    assert 'data-testid="statistics-index-empty"' in html
    assert LeadFollowup.objects.filter(agency=lyon).count() == 0
