"""Exports of more than LEADS_EXPORT_BACKGROUND_PAGES pages: a job, its progress page, its file.

The job runs here in the test's process (`export_build.call_local`), as tests/watch runs its
tasks; test_export_worker.py runs one through a real `leads_worker` process.
"""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leadsportal.exports.files import export_files_purge
from leadsportal.exports.models import ExportFileChunk, ExportRecord
from leadsportal.exports.tasks import export_files_expire
from leadsportal.followup.models import AccessRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import (
    all_leads,
    background_file,
    body,
    criteria_for,
    queued_exports,
    read_csv,
    run_queued_export,
    start_background_export,
    window,
)

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "export-progress"}


@pytest.fixture
def long_list(paris):  # type: ignore[no-untyped-def]
    """The 91 days' list: its URL query and its leads as the API gives them (15+ pages)."""
    start, end = window(91)
    leads, count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    assert count > 1000
    return f"start={start}&end={end}", leads


def text(response) -> str:  # type: ignore[no-untyped-def]
    # Spaces and line breaks collapsed; the no-break spaces of "1 504" kept.
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def test_a_long_list_is_prepared_in_the_background_then_offered(manager, sandbox, long_list):
    query, leads = long_list
    sandbox.reset_counters()
    record = start_background_export(manager.client, f"/exports/leads/?{query}&format=csv")
    # The request asked for page 1 only (the list's size); the rest is the worker's.
    assert sandbox.api_requests("agence-paris-demo") == 1
    assert record.background and record.status == "queued"
    assert record.expected_count == len(leads)

    waiting = manager.client.get(f"/exports/{record.pk}/")
    page = text(waiting)
    assert "En attente du service d'export" in page
    assert f'max="{len(leads)}" value="0"' in page  # the bar, at 0
    assert 'hx-trigger="every 1s"' in page  # htmx polls the progress
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "Actualiser" in page and "export-download" not in page
    # Nothing to download yet: the link leads back to the progress page.
    assert manager.client.get(f"/exports/{record.pk}/fichier/")["Location"] == (
        f"/exports/{record.pk}/"
    )

    run_queued_export(record)
    assert record.status == "completed" and record.row_count == len(leads)
    assert record.pages_done == -(-len(leads) // 100)
    partial = manager.client.get(f"/exports/{record.pk}/", **HTMX)
    page = text(partial)
    assert page.lstrip().startswith('<section id="export-progress"')  # the partial only
    assert "Votre fichier est prêt" in page and "hx-trigger" not in page  # polling stops
    assert f"{len(leads):,} leads sur {len(leads):,}".replace(",", "\xa0") in page
    assert f"page {record.pages_done} sur {record.pages_done}" in page
    assert f"/exports/{record.pk}/fichier/" in page and record.file_name in page

    download = manager.client.get(f"/exports/{record.pk}/fichier/")
    assert re.fullmatch(
        r'attachment; filename="leads-agence-paris-demo-tous-\d{4}-\d\d-\d\d\.csv"',
        download["Content-Disposition"],
    )
    assert download["Cache-Control"] == "no-store, private"
    data = body(download)
    assert int(download["Content-Length"]) == len(data) == record.file_size
    rows = read_csv(data, excel_fr=False)
    assert rows[0][:2] == ["Date", "Identifiant du lead"]
    assert [row[1] for row in rows[1:]] == [lead.lead_id for lead in leads]

    # The access record knows which leads the job wrote, as for an export in the request.
    access = AccessRecord.objects.get(kind="exported", export_ref=record.pk)
    assert access.user == manager.user and access.lead_count == len(leads)
    assert set(access.leads.values_list("lead_id", flat=True)) == {lead.lead_id for lead in leads}
    history = text(manager.client.get("/exports/historique/"))
    assert "terminé" in history and f'href="/exports/{record.pk}/">télécharger' in history


def test_the_menu_of_a_long_list_says_the_file_will_be_prepared(manager, long_list):
    query, _leads = long_list
    page = text(manager.client.get(f"/leads/?{query}"))
    assert "le fichier sera préparé en arrière-plan" in page
    start, end = window(7)
    assert "arrière-plan" not in text(manager.client.get(f"/leads/?start={start}&end={end}"))


@pytest.mark.django_db(transaction=True)
def test_the_progress_page_shows_the_pages_and_leads_done(manager, sandbox, long_list, settings):
    """Page 1 comes, then the upstream stalls: while the job waits on page 2 (a page's deadline),
    its page says how far it got; then the file is offered, named incomplete."""
    settings.LEADS_API_PAGE_DEADLINE = 4.0
    query, leads = long_list
    record = start_background_export(manager.client, f"/exports/leads/?{query}&format=xlsx")
    sandbox.configure(fault_after=1, fault_mode="stall", fault_next=100_000, stall_seconds=60)
    job = threading.Thread(target=run_queued_export, args=(record,))
    job.start()
    try:
        seen = ""
        for _ in range(400):  # until page 1 is written (at most the page deadline)
            seen = text(manager.client.get(f"/exports/{record.pk}/", **HTMX))
            if "page 1 sur" in seen:
                break
            job.join(timeout=0.02)
        assert "Préparation du fichier" in seen
        assert f'max="{len(leads)}" value="100"' in seen
        assert f"100 leads sur {len(leads):,}".replace(",", "\xa0") in seen
        assert f"page 1 sur {-(-len(leads) // 100)}" in seen
        assert 'hx-trigger="every 1s"' in seen
    finally:
        job.join(timeout=30)
        sandbox.reset()
    record.refresh_from_db()
    assert record.status == "incomplete" and record.row_count == 100
    assert record.file_name.endswith("-INCOMPLET.xlsx")
    page = text(manager.client.get(f"/exports/{record.pk}/"))
    assert "Fichier incomplet" in page and "export-download" in page


def test_only_the_person_who_asked_gets_the_page_and_the_file(manager, login, paris, lyon):
    start, end = window(91)
    record = start_background_export(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )
    run_queued_export(record)
    urls = (f"/exports/{record.pk}/", f"/exports/{record.pk}/fichier/")
    colleague = login("manager2.paris", (paris, "manager"))
    stranger = login("manager.lyon", (lyon, "manager"))
    for client in (colleague.client, stranger.client):
        for url in urls:
            assert client.get(url).status_code == 404  # the same as an unknown id
    assert manager.client.get("/exports/999999/").status_code == 404
    anonymous = manager.client.__class__()
    assert anonymous.get(urls[1]).status_code == 302  # to the login page
    # A colleague's file shows in the history, without a way to it.
    history = text(colleague.client.get("/exports/historique/"))
    assert "disponible pour son auteur" in history and urls[0] not in history


def test_the_file_of_another_of_my_agencies_offers_to_switch(login, paris, lyon):
    both = login("multi", (paris, "manager"), (lyon, "manager"))
    assert both.client.post("/agence/changer", {"agency": paris.pk}).status_code == 302
    start, end = window(91)
    record = start_background_export(
        both.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )
    run_queued_export(record)
    assert both.client.post("/agence/changer", {"agency": lyon.pk}).status_code == 302
    for url in (f"/exports/{record.pk}/", f"/exports/{record.pk}/fichier/"):
        page = text(both.client.get(url))
        assert "Cet export est dans une autre de vos agences" in page
        assert "Passer à Agence Paris Démo" in page


def test_the_file_is_deleted_after_a_day_and_its_page_says_it_expired(manager, long_list):
    query, _leads = long_list
    record, _response, _data = background_file(
        manager.client, f"/exports/leads/?{query}&format=csv"
    )
    assert record.file_expires_at - record.finished_at == timedelta(hours=24)
    assert ExportFileChunk.objects.filter(record=record).exists()
    export_files_expire.call_local()  # the periodic task now: nothing is due
    assert export_files_purge(now=record.finished_at + timedelta(hours=23, minutes=59)) == 0
    assert ExportFileChunk.objects.filter(record=record).exists()

    assert export_files_purge(now=record.finished_at + timedelta(hours=24, minutes=1)) == 1
    assert not ExportFileChunk.objects.filter(record=record).exists()
    gone = manager.client.get(f"/exports/{record.pk}/fichier/")
    assert gone.status_code == 410
    assert "Ce fichier a expiré" in text(gone) and "Relancer l'export" in text(gone)
    assert "export-download" not in text(manager.client.get(f"/exports/{record.pk}/"))
    assert "expiré" in text(manager.client.get("/exports/historique/"))
    # The history keeps the export itself.
    record.refresh_from_db()
    assert record.status == "completed" and record.row_count > 1000


def test_the_stored_file_is_encrypted(manager, long_list):
    query, leads = long_list
    record, _response, data = background_file(manager.client, f"/exports/leads/?{query}&format=csv")
    assert leads[0].contact.last_name.encode() in data  # the file itself has them
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM exports_exportfilechunk WHERE record_id = %s", [record.pk])
        stored = b"".join(bytes(row[0]) for row in cursor.fetchall())
    assert stored
    for lead in leads[:200]:
        for value in (lead.contact.last_name, lead.contact.email, lead.lead_id):
            if value:
                assert value.encode() not in stored, value
    assert b"Identifiant du lead" not in stored and b"EXPORT" not in stored


def test_a_person_whose_rights_were_withdrawn_gets_no_file(manager, paris, long_list):
    query, _leads = long_list
    record = start_background_export(manager.client, f"/exports/leads/?{query}&format=csv")
    manager.user.memberships.filter(agency=paris).update(role="agent")  # agents may not export
    run_queued_export(record)
    assert record.status == "failed" and not ExportFileChunk.objects.filter(record=record).exists()


def test_a_job_runs_once_whoever_takes_it(manager, sandbox, long_list):
    query, _leads = long_list
    record = start_background_export(manager.client, f"/exports/leads/?{query}&format=csv")
    run_queued_export(record)
    calls = sandbox.api_requests("agence-paris-demo")
    run_queued_export(record)  # a second delivery of the same task
    assert sandbox.api_requests("agence-paris-demo") == calls
    assert record.status == "completed"


def test_a_job_whose_worker_died_ends_failed(manager, long_list):
    from leadsportal.exports.background import background_exports_abandon

    query, _leads = long_list
    record = start_background_export(manager.client, f"/exports/leads/?{query}&format=csv")
    ExportRecord.objects.filter(pk=record.pk).update(status="running", progress_at=timezone.now())
    assert background_exports_abandon(now=timezone.now() + timedelta(minutes=5)) == 0
    assert background_exports_abandon(now=timezone.now() + timedelta(minutes=11)) == 1
    page = text(manager.client.get(f"/exports/{record.pk}/"))
    assert "L'export n'a pas abouti" in page and "le service d'export s'est arrêté" in page
    assert "Relancer l'export" in page


def test_when_the_task_queue_is_down_the_person_is_told(manager, long_list):
    from huey.contrib.djhuey import HUEY
    from huey.storage import RedisStorage

    query, _leads = long_list
    memory = HUEY.storage
    HUEY.storage = RedisStorage(HUEY.name, url="redis://127.0.0.1:9/0")  # nothing listens there
    try:
        response = manager.client.get(f"/exports/leads/?{query}&format=csv")
    finally:
        HUEY.storage = memory
    assert response.status_code == 503
    page = text(response)
    assert "préparés en arrière-plan" in page and "momentanément indisponible" in page
    record = ExportRecord.objects.get()
    assert record.status == "failed" and record.pk not in queued_exports()


def test_a_long_period_on_seeker_leads_that_the_request_cannot_read_goes_to_the_worker(
    login, bordeaux, seeker_state, settings
):
    """On a feed, page 1 of a 60-day export is the whole period (about 16 slices, two rounds of
    the API's limit). When the upstream is too slow to read it within the request's deadline,
    the click hands the rest to the worker rather than failing."""
    from tests.fixtures import BORDEAUX_CLIENT, UpstreamCase

    settings.LEADS_API_PAGE_DEADLINE = 3.0
    # Not a long list by its count (60 days hold about 1,000 leads, a few more on some seeds):
    # by its period.
    settings.LEADS_EXPORT_BACKGROUND_PAGES = 20
    manager = login("manager.bordeaux", (bordeaux, "manager"))
    case = UpstreamCase("seeker", bordeaux, bordeaux, seeker_state, BORDEAUX_CLIENT[0])
    start, end = window(60)
    expected = case.expected(LeadFamily.ALL, criteria_for(start, end))
    assert 0 < expected.count <= 2000
    seeker_state.configure(latency_ms=1000)  # each call a third of the deadline
    record = start_background_export(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )
    assert record.expected_count is None  # the total is not known yet
    progress = html.unescape(manager.client.get(f"/exports/{record.pk}/").content.decode())
    assert "Les exports d'une longue période sont préparés en arrière-plan" in progress
    assert "Lecture des leads de la période…" in progress

    run_queued_export(record)  # each round within a deadline of its own
    assert record.status == "completed" and record.expected_count == expected.count
    rows = read_csv(body(manager.client.get(f"/exports/{record.pk}/fichier/")), excel_fr=False)
    assert len(rows) == 1 + expected.count


def test_a_long_period_on_seeker_leads_read_in_time_is_built_in_the_request(
    login, bordeaux, seeker_state, settings
):
    settings.LEADS_EXPORT_BACKGROUND_PAGES = 20  # about 1,000 leads: not long by its count
    manager = login("manager.bordeaux", (bordeaux, "manager"))
    start, end = window(60)
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_a_seeker_export_that_meets_a_fault_at_once_says_so_in_the_request(
    login, bordeaux, seeker_state
):
    manager = login("manager.bordeaux", (bordeaux, "manager"))
    seeker_state.configure(fault_next=1000, fault_mode="error500")
    start, end = window(60)
    response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv")
    assert response.status_code == 502
    assert ExportRecord.objects.get().status == "failed"
    assert not queued_exports()
