"""Each format read back (csv module, openpyxl) and compared cell by cell with the API's data.

The big list (91 days, 15+ pages) is longer than LEADS_EXPORT_BACKGROUND_PAGES: its files are
prepared by the background job (run here in the test's process) and downloaded from its page.
Each test runs for an agency on either upstream (tests/fixtures.py, `upstream`).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from leadsportal.leads_api import Lead, LeadFamily
from tests.exports.helpers import (
    ERASED_NAME,
    MARKER,
    PHONE_COLUMNS,
    TRIGGERS,
    background_file,
    body,
    criteria_for,
    expected_csv_cell,
    expected_values,
    expected_xlsx_cell,
    headers_for,
    read_csv,
    read_xlsx,
    upstream_leads,
    window,
    xlsx_datetime,
)

pytest_plugins = ["tests.fixtures"]

TAB_SLUGS = {
    LeadFamily.ALL: "",
    LeadFamily.CLASSIFIED: "annonces",
    LeadFamily.AGENCY: "agence",
    LeadFamily.SELLER: "vendeurs",
    LeadFamily.PROPERTY_SEARCH: "recherches",
    LeadFamily.CALL_TRACKING: "appels",
}
FILE_SLUGS = {
    "Agence Paris Démo": "agence-paris-demo",
    "Agence Bordeaux Démo": "agence-bordeaux-demo",
}
_BIG_LISTS: dict[tuple[str, str, str], tuple[list[Lead], int]] = {}


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


def export_url(family: LeadFamily, export_format: str, **query: str) -> str:
    slug = TAB_SLUGS[family]
    path = f"/exports/leads/{slug}/" if slug else "/exports/leads/"
    params = "&".join(
        f"{name}={value}" for name, value in {**query, "format": export_format}.items()
    )
    return f"{path}?{params}"


@pytest.fixture(scope="module")
def big_window() -> tuple[str, str]:
    start, end = window(91)  # ~1,500 leads, 15+ pages
    return start.isoformat(), end.isoformat()


@pytest.fixture
def big_list(upstream, big_window):  # type: ignore[no-untyped-def]
    """The whole list of the big window as the upstream gives it (fetched once per upstream
    for the module: the sandboxes' seeds do not change within a session)."""
    key = (upstream.name, *big_window)
    if key not in _BIG_LISTS:
        criteria = criteria_for(*map(date.fromisoformat, big_window))
        _BIG_LISTS[key] = upstream_leads(upstream, LeadFamily.ALL, criteria)
    return _BIG_LISTS[key]


def assert_awkward_cases_covered(leads) -> None:
    """The comparison below only proves something if the data holds the awkward cases."""
    messages = [lead.contact.message or "" for lead in leads]
    phones = [p.number for lead in leads for p in lead.contact.phone_numbers]
    assert any(lead.contact.is_erased for lead in leads)
    assert any(m.startswith(TRIGGERS) for m in messages)
    assert any(";" in m and "\n" in m and '"' in m for m in messages)
    assert any(re.search("[éèàç]", lead.contact.full_name) for lead in leads)
    assert any(re.fullmatch(r"\+33\d{9}", p) for p in phones)
    assert any(re.fullmatch(r"0\d{9}", p) for p in phones)
    assert any(len(lead.contact.phone_numbers) > 1 for lead in leads)


# Both CSV formats on GSL; on Seeker Leads the Excel FR one only (the formats' writing does not
# depend on the upstream, and reading Seeker's 91-day window costs some 40 calls per test).
@pytest.mark.parametrize(
    ("upstream", "export_format", "excel_fr"),
    [("gsl", "csv-excel", True), ("gsl", "csv", False), ("seeker", "csv-excel", True)],
    indirect=["upstream"],
)
def test_it_round_trips_every_cell_of_a_csv(manager, big_window, big_list, export_format, excel_fr):
    start, end = big_window
    _record, response, data = background_file(
        manager.client, export_url(LeadFamily.ALL, export_format, start=start, end=end)
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert int(response["Content-Length"]) == len(data)
    # Records end with CRLF; a bare LF only ever appears inside a quoted message.
    assert data.endswith(b"\r\n") and b"Message\r\n" in data

    rows = read_csv(data, excel_fr=excel_fr)
    leads, count = big_list
    assert_awkward_cases_covered(leads)
    header = headers_for(LeadFamily.ALL)
    assert rows[0] == header
    assert len(rows) - 1 == count == len(leads) > 1000
    for row, lead in zip(rows[1:], leads, strict=True):
        expected = [
            expected_csv_cell(name, value, excel_fr=excel_fr)
            for name, value in zip(header, expected_values(lead, LeadFamily.ALL), strict=True)
        ]
        assert row == expected, lead.lead_id
    assert not any(MARKER in cell for row in rows for cell in row)


def test_the_excel_fr_csv_keeps_phones_readable_and_neutralises_formulas(manager, big_window):
    start, end = big_window
    _record, _response, data = background_file(
        manager.client, export_url(LeadFamily.ALL, "csv-excel", start=start, end=end)
    )
    rows = read_csv(data, excel_fr=True)
    header = rows[0]
    phone_cells = [row[header.index(name)] for row in rows[1:] for name in PHONE_COLUMNS]
    numbers = [cell for cell in phone_cells if cell and cell != "effacé (RGPD)"]
    assert numbers
    for cell in numbers:
        # Never a bare run of digits (Excel would make it a number), never a leading quote.
        assert not re.fullmatch(r"\+?\d+", cell.replace(" / ", "")), cell
        assert not cell.startswith("'"), cell
    messages = [row[header.index("Message")] for row in rows[1:]]
    formula_like = [m for m in messages if m.lstrip("'").startswith(TRIGGERS)]
    assert formula_like and all(m.startswith("'") for m in formula_like)
    assert any(m.startswith('\'=HYPERLINK("https://phishing.sandbox.example";') for m in messages)
    dates = [row[0] for row in rows[1:]]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", d) for d in dates)


def test_it_round_trips_every_cell_of_an_xlsx(manager, big_window, big_list):
    start, end = big_window
    _record, response, data = background_file(
        manager.client, export_url(LeadFamily.ALL, "xlsx", start=start, end=end)
    )
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows, workbook = read_xlsx(data)
    assert workbook.sheetnames == ["Leads"]
    leads, count = big_list
    assert_awkward_cases_covered(leads)
    header = headers_for(LeadFamily.ALL)
    assert [cell.value for cell in rows[0]] == header
    assert len(rows) - 1 == count == len(leads)
    for row, lead in zip(rows[1:], leads, strict=True):
        values = expected_values(lead, LeadFamily.ALL)
        for name, cell, value in zip(header, row, values, strict=True):
            expected = expected_xlsx_cell(name, value)
            if name == "Date":
                assert cell.is_date and xlsx_datetime(cell.value) == expected, lead.lead_id
                assert cell.number_format == "dd/mm/yyyy hh:mm"
            else:
                assert cell.value == expected, (lead.lead_id, name)
            if isinstance(value, str):
                # Text is text: never a formula, whatever it starts with.
                assert cell.data_type == "s", (lead.lead_id, name)
                if name in PHONE_COLUMNS or value.startswith(TRIGGERS):
                    assert cell.quotePrefix, (lead.lead_id, name)
    assert workbook["Leads"].freeze_panes == "A2"
    assert workbook["Leads"].auto_filter.ref == f"A1:{rows[0][-1].column_letter}{count + 1}"


def test_an_erased_contact_is_exported_as_erased_not_as_blanks(manager, big_window):
    start, end = big_window
    _record, _response, data = background_file(
        manager.client, export_url(LeadFamily.ALL, "csv", start=start, end=end)
    )
    rows = read_csv(data, excel_fr=False)
    header = rows[0]
    erased = [row for row in rows[1:] if row[header.index("Contact")] == ERASED_NAME]
    assert erased
    for row in erased:
        assert row[header.index("Contact effacé (RGPD)")] == "oui"
        for name in ("Téléphone", "Autres téléphones", "E-mail", "Message"):
            assert row[header.index(name)] == "effacé (RGPD)"
    kept = [row for row in rows[1:] if row[header.index("Contact")] != ERASED_NAME]
    assert all(row[header.index("Contact effacé (RGPD)")] == "non" for row in kept)


@pytest.mark.parametrize("family", [f for f in LeadFamily if f is not LeadFamily.ALL])
def test_each_family_exports_its_columns_and_values(manager, upstream, family):
    start, end = window(30)
    response = manager.client.get(
        export_url(family, "csv", start=start.isoformat(), end=end.isoformat())
    )
    if family not in upstream.families:  # the calls, on GSL: no such list
        assert response.status_code == 404
        return
    rows = read_csv(body(response), excel_fr=False)
    header = headers_for(family)
    assert rows[0] == header
    leads, count = upstream_leads(upstream, family, criteria_for(start, end))
    assert len(rows) - 1 == count == len(leads) > 0
    assert {lead.lead_type.value for lead in leads} == {family.name}
    for row, lead in zip(rows[1:], leads, strict=True):
        expected = [
            expected_csv_cell(name, value, excel_fr=False)
            for name, value in zip(header, expected_values(lead, family), strict=True)
        ]
        assert row == expected, lead.lead_id


def test_the_file_name_says_agency_list_and_day(manager, upstream):
    slug = FILE_SLUGS[upstream.agency.name]
    response = manager.client.get("/exports/leads/vendeurs/?format=csv-excel")
    body(response)
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        rf'attachment; filename="leads-{slug}-vendeurs-\d{{4}}-\d\d-\d\d\.csv"', disposition
    )
    response = manager.client.get("/exports/leads/?format=xlsx")
    body(response)
    assert re.search(rf'filename="leads-{slug}-tous-[\d-]+\.xlsx"', response["Content-Disposition"])
    assert response["Cache-Control"] == "no-store, private"
