"""Every export leaves a record: who, which agency, when, which list, format, rows, outcome."""

from __future__ import annotations

import json
import logging

from django.contrib.auth import get_user_model
from django.test import Client

from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import all_leads, body, criteria_for, window

pytest_plugins = ["tests.fixtures"]


def test_a_finished_export_is_recorded_with_its_list_and_outcome(manager, paris):
    start, end = window(20)
    response = manager.client.get(
        f"/exports/leads/vendeurs/?start={start}&end={end}&portal=SLG-FRA&format=xlsx"
    )
    assert response.status_code == 200
    body(response)

    record = ExportRecord.objects.get()
    _leads, count = all_leads(
        paris, LeadFamily.SELLER, criteria_for(start, end, portals=("SLG-FRA",))
    )
    assert record.user == manager.user and record.username == "manager.paris"
    assert record.agency == paris and record.agency_name == "Agence Paris Démo"
    assert record.family == "seller" and record.classified_id is None
    assert record.filters == {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "classified": None,
        "portal": "SLG-FRA",
    }
    assert record.format == "xlsx"
    assert record.status == "completed" and record.error == ""
    assert record.row_count == record.expected_count == count > 0
    assert record.duration is not None and record.duration.total_seconds() > 0
    assert record.finished_at >= record.created_at
    # A short list is built in the request and sent at once: no file is kept.
    assert not record.background and record.file_name.endswith("-vendeurs-" + f"{end}.xlsx")
    assert not record.chunks.exists()


def test_the_record_holds_no_personal_data(manager, paris):
    body(manager.client.get("/exports/leads/?format=csv"))
    record = ExportRecord.objects.get()
    leads, _count = all_leads(paris, LeadFamily.ALL, criteria_for(*window(7)))
    stored = json.dumps({f.name: str(getattr(record, f.name)) for f in ExportRecord._meta.fields})
    for lead in leads:
        for value in (lead.contact.email, lead.contact.last_name, lead.lead_id):
            if value:
                assert value not in stored


def test_a_listing_export_records_its_listing(manager):
    body(manager.client.get("/exports/annonces/42/?format=csv"))
    record = ExportRecord.objects.get()
    assert record.classified_id == 42 and record.filters == {} and record.family == "classified"


def test_the_history_page_lists_the_agencys_exports(manager):
    body(manager.client.get("/exports/leads/annonces/?format=csv-excel"))
    page = manager.client.get("/exports/historique/").content.decode()
    assert 'data-testid="export-history"' in page
    assert "manager.paris" in page and "CSV (Excel FR)" in page and "Annonces" in page
    assert "terminé" in page


def test_the_admin_shows_every_export_read_only(manager, login, lyon):
    body(manager.client.get("/exports/leads/?format=csv"))
    body(login("boss.lyon", (lyon, "manager")).client.get("/exports/leads/?format=csv"))
    admin = Client()
    admin.force_login(
        get_user_model().objects.create_superuser("root", "root@example.invalid", "x-Pass-123")
    )
    listing = admin.get("/admin/exports/exportrecord/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "manager.paris" in page and "boss.lyon" in page
    record = ExportRecord.objects.first()
    assert admin.get("/admin/exports/exportrecord/add/").status_code == 403
    change = admin.get(f"/admin/exports/exportrecord/{record.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert admin.post(f"/admin/exports/exportrecord/{record.pk}/delete/").status_code == 403
    assert ExportRecord.objects.count() == 2


def test_the_export_log_line_counts_the_upstream_calls_of_every_thread(manager, caplog):
    start, end = window(30)
    with caplog.at_level(logging.INFO, logger="leadsportal.exports"):
        body(manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv"))
    (line,) = [r for r in caplog.records if r.getMessage() == "export finished"]
    pages = -(-line.expected // 100)
    assert pages > 3
    assert line.upstream_calls == pages  # page 1 in the view, the others in the pool's threads
    assert line.status == "completed" and line.rows == line.expected
