"""Upstream failures: an error page before the first byte, a file named and headed as incomplete after."""

from __future__ import annotations

import html
import re

import pytest

from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import (
    MARKER,
    all_leads,
    body,
    criteria_for,
    read_csv,
    read_xlsx,
    run_queued_export,
    start_background_export,
    window,
)

pytest_plugins = ["tests.fixtures"]


def fault_after(sandbox, requests: int) -> None:
    """From the next `requests` API requests on, every one fails (a 500: never retried)."""
    sandbox.configure(fault_mode="error500", fault_next=100_000, fault_after=requests)


@pytest.mark.parametrize("export_format", ["csv-excel", "csv"])
def test_a_fault_mid_export_gives_a_csv_named_incomplete_that_says_so_first_and_last(
    manager, paris, sandbox, export_format
):
    start, end = window(91)
    url = f"/exports/leads/?start={start}&end={end}&format={export_format}"
    record = start_background_export(manager.client, url)
    fault_after(sandbox, 1)  # the job's page 1 comes, then the upstream fails
    run_queued_export(record)

    response = manager.client.get(f"/exports/{record.pk}/fichier/")
    assert re.search(
        r'filename="leads-agence-paris-demo-tous-[\d-]+-INCOMPLET\.csv"',
        response["Content-Disposition"],
    )
    rows = read_csv(body(response), excel_fr=export_format == "csv-excel")
    leads, count = all_leads_after_reset(sandbox, paris, start, end)
    first, header, written, last = rows[0], rows[1], rows[2:-1], rows[-1]
    # The first line says it before anything else, the header comes next.
    assert first[0].startswith(f"{MARKER} — 100 leads exportés sur ")
    assert "momentanément indisponible" in first[0] and "relancez l'export" in first[0]
    assert header[:2] == ["Date", "Identifiant du lead"]
    assert [row[1] for row in written] == [lead.lead_id for lead in leads[:100]]
    assert last == first and len(first) == len(header)  # full-width rows

    record.refresh_from_db()
    assert record.status == "incomplete" and record.file_name.endswith("-INCOMPLET.csv")
    assert record.row_count == 100 and record.expected_count == count
    assert "LeadsApiUnavailable" in record.error
    page = html.unescape(manager.client.get(f"/exports/{record.pk}/").content.decode())
    assert "Fichier incomplet" in page and "EXPORT INCOMPLET" in page
    history = html.unescape(manager.client.get("/exports/historique/").content.decode())
    assert '<tr data-status="incomplete">' in history and "incomplet" in history


def test_a_fault_mid_export_marks_the_xlsx_incomplete_where_excel_users_see_it(
    manager, paris, sandbox
):
    start, end = window(91)
    record = start_background_export(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=xlsx"
    )
    fault_after(sandbox, 1)
    run_queued_export(record)
    response = manager.client.get(f"/exports/{record.pk}/fichier/")
    assert response["Content-Disposition"].endswith('-INCOMPLET.xlsx"')

    rows, workbook = read_xlsx(body(response))
    # The warning sheet comes first and is the one Excel opens on.
    assert workbook.sheetnames == ["EXPORT INCOMPLET", "Leads"]
    assert workbook.active.title == "EXPORT INCOMPLET"
    assert workbook["EXPORT INCOMPLET"]["A1"].value.startswith(f"{MARKER} — 100 leads exportés")
    assert len(rows) == 1 + 100 + 1
    assert rows[-1][0].value.startswith(MARKER) and rows[-1][0].font.b
    assert ExportRecord.objects.get().status == "incomplete"


def test_a_short_list_that_meets_a_fault_midway_is_sent_named_incomplete_too(
    manager, paris, sandbox
):
    """At most LEADS_EXPORT_BACKGROUND_PAGES pages are built in the request, whole, before the
    first byte leaves: its name and first line can say what the file holds."""
    start, end = window(30)
    _leads, count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    assert 300 < count <= 1000  # several pages, in the request
    fault_after(sandbox, 1)  # page 1 (the view's), then nothing
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv-excel")
    assert response.status_code == 200
    assert re.search(
        r'filename="leads-agence-paris-demo-tous-[\d-]+-INCOMPLET\.csv"',
        response["Content-Disposition"],
    )
    rows = read_csv(body(response), excel_fr=True)
    assert rows[0][0].startswith(f"{MARKER} — 100 leads exportés sur ")
    assert rows[1][0] == "Date" and len(rows) == 1 + 1 + 100 + 1
    record = ExportRecord.objects.get()
    assert record.status == "incomplete" and not record.background
    history = manager.client.get("/exports/historique/").content.decode()
    assert '<tr data-status="incomplete">' in history and "incomplet" in history


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
