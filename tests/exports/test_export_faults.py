"""Upstream failures: an error page before the first byte, a visibly incomplete file after."""

from __future__ import annotations

import html

import pytest

from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import (
    MARKER,
    all_leads,
    criteria_for,
    read_csv,
    read_xlsx,
    window,
)

pytest_plugins = ["tests.fixtures"]


def start_export(client, url: str, sandbox):
    """The response and its iterator, with the first chunk read: the file has started."""
    before = sandbox.api_requests("agence-paris-demo")
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    chunks = iter(response.streaming_content)
    first = next(chunks)
    # Only page 1 has been asked for so far: the response started with the first page.
    assert sandbox.api_requests("agence-paris-demo") == before + 1
    return response, first, chunks


@pytest.mark.parametrize("export_format", ["csv-excel", "csv"])
def test_a_fault_mid_export_ends_the_csv_with_a_visible_marker(
    manager, paris, sandbox, export_format
):
    start, end = window(91)
    url = f"/exports/leads/?start={start}&end={end}&format={export_format}"
    _response, first, chunks = start_export(manager.client, url, sandbox)
    sandbox.configure(fault_mode="error500", fault_next=1_000)  # every request from now on
    data = first + b"".join(chunks)

    rows = read_csv(data, excel_fr=export_format == "csv-excel")
    leads, count = all_leads_after_reset(sandbox, paris, start, end)
    written = rows[1:-1]
    assert len(written) == 100  # page 1, then the fault on page 2
    assert [row[1] for row in written] == [lead.lead_id for lead in leads[:100]]
    marker = rows[-1]
    assert marker[0].startswith(f"{MARKER} — 100 leads exportés sur ")
    assert "momentanément indisponible" in marker[0] and "relancez l'export" in marker[0]
    assert len(marker) == len(rows[0])  # a full-width row

    record = ExportRecord.objects.get()
    assert record.status == "incomplete"
    assert record.row_count == 100 and record.expected_count == count
    assert "LeadsApiUnavailable" in record.error


def test_a_fault_mid_export_marks_the_xlsx_incomplete_where_excel_users_see_it(
    manager, paris, sandbox
):
    start, end = window(91)
    url = f"/exports/leads/?start={start}&end={end}&format=xlsx"
    _response, first, chunks = start_export(manager.client, url, sandbox)
    sandbox.configure(fault_mode="error500", fault_next=1_000)
    data = first + b"".join(chunks)

    rows, workbook = read_xlsx(data)
    # The warning sheet comes first and is the one Excel opens on.
    assert workbook.sheetnames == ["EXPORT INCOMPLET", "Leads"]
    assert workbook.active.title == "EXPORT INCOMPLET"
    assert workbook["EXPORT INCOMPLET"]["A1"].value.startswith(f"{MARKER} — 100 leads exportés")
    assert len(rows) == 1 + 100 + 1
    assert rows[-1][0].value.startswith(MARKER) and rows[-1][0].font.b
    assert ExportRecord.objects.get().status == "incomplete"


def test_a_fault_before_the_first_byte_gives_an_error_page_not_a_file(manager, sandbox):
    sandbox.configure(fault_mode="error500", fault_next=1_000)
    response = manager.client.get("/exports/leads/?format=xlsx")
    assert response.status_code == 502
    assert not response.streaming
    assert "Content-Disposition" not in response
    page = html.unescape(response.content.decode())
    assert "L'export n'a pas pu démarrer" in page
    assert "momentanément indisponible" in page
    assert "Aucun fichier n'a été créé" in page
    record = ExportRecord.objects.get()
    assert record.status == "failed" and record.row_count == 0


def test_refused_credentials_give_an_error_page(manager, paris, sandbox):
    paris.set_client_secret("not-the-secret")
    paris.save()
    response = manager.client.get("/exports/leads/?format=csv")
    assert response.status_code == 502
    assert "identifiants API de l'agence ont été refusés" in html.unescape(
        response.content.decode()
    )
    assert ExportRecord.objects.get().status == "failed"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=pdf", "Format d'export inconnu"),
        ("format=", "Format d'export inconnu"),
        ("format=csv&start=2020-01-01&end=2020-12-31", "92 jours"),
        ("format=csv&start=demain", "filtres de la liste ne sont pas valides"),
        ("format=csv&portal=XXX", "Portail inconnu"),
        ("format=csv&classified=abc", "Aucune annonce de l'agence n'a la référence « abc »"),
    ],
)
def test_bad_parameters_get_a_clear_400_page_never_a_500(manager, sandbox, query, message):
    response = manager.client.get(f"/exports/leads/?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert sandbox.api_requests() == 0


def test_an_unknown_family_is_a_404(manager):
    assert manager.client.get("/exports/leads/inconnue/?format=csv").status_code == 404


def all_leads_after_reset(sandbox, agency, start, end):
    sandbox.configure(fault_next=0, fault_mode=None)
    return all_leads(agency, LeadFamily.ALL, criteria_for(start, end))
