"""The follow-up columns of an export: status, assignee, number of notes, first response time.

The follow-ups are made with the follow-up's own functions (status set at a chosen moment, so
that the response time is known beforehand: 2 h 05 is 125 minutes); the leads come from the
sandbox over HTTP; the files are read back with csv and openpyxl. Each test runs for an agency
on either upstream (tests/fixtures.py, `upstream`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadsportal.followup.pipeline import stage_rename
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_note_add,
    followup_status_set,
)
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import (
    FOLLOWUP_HEADERS,
    background_file,
    body,
    criteria_for,
    read_csv,
    read_xlsx,
    upstream_leads,
    window,
)

NOTE = "Rappeler après 18 h, code du portail 4821B"


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


@pytest.fixture
def worked(upstream, manager, make_member):  # type: ignore[no-untyped-def]
    """Three leads of the last 30 days: one answered 2 h 05 after it came, assigned to Alice,
    with two notes; one assigned to the manager with a note but no status change yet; one
    nobody touched."""
    agency = upstream.agency
    start, end = window(30)
    leads, _count = upstream_leads(upstream, LeadFamily.ALL, criteria_for(start, end))
    answered, assigned, untouched = leads[3], leads[150], leads[4]
    alice = make_member("alice", (agency, "agent"))
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()

    followup = followup_from_lead(agency=agency, lead=answered)
    followup_assignee_set(followup=followup, actor=manager.user, assignee=alice)
    followup_status_set(
        followup=followup,
        actor=alice,
        status="contacte",
        now=answered.meta.creation_date + timedelta(hours=2, minutes=5),
    )
    followup_note_add(followup=followup, author=alice, body=NOTE)
    followup_note_add(followup=followup, author=alice, body="Visite samedi, clés chez Zéphyrine")

    other = followup_from_lead(agency=agency, lead=assigned)
    followup_assignee_set(followup=other, actor=manager.user, assignee=manager.user)
    followup_note_add(followup=other, author=manager.user, body=NOTE)
    return start, end, {"answered": answered, "assigned": assigned, "untouched": untouched}


def _by_id(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}


@pytest.mark.parametrize(("export_format", "excel_fr"), [("csv", False), ("csv-excel", True)])
def test_a_csv_says_status_assignee_notes_and_response_minutes(
    manager, worked, export_format, excel_fr
):
    start, end, leads = worked
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format={export_format}")
    rows = read_csv(body(response), excel_fr=excel_fr)
    assert rows[0][-5:] == [*FOLLOWUP_HEADERS, "Message"]
    by_id = _by_id(rows)

    answered = by_id[leads["answered"].lead_id]
    assert answered["Statut du suivi"] == "Contacté"
    assert answered["Responsable"] == "Alice Martin"
    assert answered["Nombre de notes"] == "2"
    assert answered["Délai de première réponse (min)"] == "125"

    assigned = by_id[leads["assigned"].lead_id]
    assert assigned["Statut du suivi"] == "Nouveau"
    assert assigned["Responsable"] == "manager.upstream"  # no full name: the login, as on screen
    assert assigned["Nombre de notes"] == "1"
    assert assigned["Délai de première réponse (min)"] == ""  # not answered yet

    untouched = by_id[leads["untouched"].lead_id]
    assert [untouched[name] for name in FOLLOWUP_HEADERS] == ["Nouveau", "", "0", ""]
    # What agents write in notes is theirs: counted, never exported.
    assert not any("4821B" in cell or "Zéphyrine" in cell for row in rows for cell in row)


def test_an_xlsx_gives_numbers_a_spreadsheet_can_sort(manager, worked):
    start, end, leads = worked
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=xlsx")
    rows, _workbook = read_xlsx(body(response))
    header = [cell.value for cell in rows[0]]
    by_id = {row[1].value: dict(zip(header, row, strict=True)) for row in rows[1:]}

    answered = by_id[leads["answered"].lead_id]
    assert answered["Statut du suivi"].value == "Contacté"
    assert answered["Responsable"].value == "Alice Martin"
    assert answered["Nombre de notes"].value == 2 and answered["Nombre de notes"].data_type == "n"
    minutes = answered["Délai de première réponse (min)"]
    assert minutes.value == 125 and minutes.data_type == "n"

    assigned = by_id[leads["assigned"].lead_id]
    assert assigned["Délai de première réponse (min)"].value is None
    untouched = by_id[leads["untouched"].lead_id]
    assert untouched["Statut du suivi"].value == "Nouveau"
    assert untouched["Responsable"].value is None and untouched["Nombre de notes"].value == 0


def test_the_follow_ups_are_read_once_per_page_not_once_per_row(manager, worked):
    start, end, _leads = worked
    with CaptureQueriesContext(connection) as queries:
        response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv")
        rows = read_csv(body(response), excel_fr=False)
    pages = -(-(len(rows) - 1) // 100)
    assert pages > 3
    followup_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
        and "followup_leadfollowup" in query["sql"]
        and "followup_leadnote" in query["sql"]
    ]
    assert len(followup_reads) == pages


def test_a_background_export_has_the_follow_up_columns_too(manager, worked):
    _start, _end, leads = worked
    start, end = window(91)
    _record, _response, data = background_file(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )
    by_id = _by_id(read_csv(data, excel_fr=False))
    answered = by_id[leads["answered"].lead_id]
    assert [answered[name] for name in FOLLOWUP_HEADERS] == ["Contacté", "Alice Martin", "2", "125"]


def test_the_status_is_the_agencys_name_for_the_stage(manager, upstream, worked):
    start, end, leads = worked
    stage_rename(agency=upstream.agency, code="contacte", name="Premier appel passé")
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv")
    by_id = _by_id(read_csv(body(response), excel_fr=False))
    assert by_id[leads["answered"].lead_id]["Statut du suivi"] == "Premier appel passé"
    assert by_id[leads["untouched"].lead_id]["Statut du suivi"] == "Nouveau"
