"""An export follows the list's follow-up filters (status, "mes leads") like the list does."""

from __future__ import annotations

from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import all_leads, body, criteria_for, read_csv, window


def test_a_status_filter_exports_only_the_leads_of_that_status(manager, paris):
    start, end = window(30)
    leads, _count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    chosen = [lead.lead_id for lead in leads[:3]]
    for lead_id in chosen:
        manager.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    query = f"start={start.isoformat()}&end={end.isoformat()}&status=contacte"

    listed = manager.client.get(f"/leads/?{query}").content.decode()
    assert "status=contacte" in listed.split("Exporter", 1)[1]  # the menu's links keep the filter

    response = manager.client.get(f"/exports/leads/?{query}&format=csv")
    assert response.status_code == 200
    rows = read_csv(body(response), excel_fr=False)
    header, data = rows[0], rows[1:]
    exported = {row[header.index(next(h for h in header if "dentifiant" in h))] for row in data}
    assert exported == set(chosen)
    record = ExportRecord.objects.get()
    assert record.filters["status"] == "contacte" and record.row_count == 3


def test_mes_leads_exports_only_the_leads_assigned_to_me(manager, paris):
    start, end = window(30)
    mine = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))[0][5].lead_id
    manager.client.post(f"/lead/{mine}/suivi/responsable/", {"assignee": manager.user.pk})
    response = manager.client.get(
        f"/exports/leads/?start={start.isoformat()}&end={end.isoformat()}&assignee=moi&format=csv"
    )
    rows = read_csv(body(response), excel_fr=False)
    assert len(rows) == 2 and mine in rows[1]


def test_an_impossible_listing_number_is_a_404_not_an_error(manager):
    assert (
        manager.client.get("/exports/annonces/99999999999999999999/?format=csv").status_code == 404
    )
    assert manager.client.get("/annonces/99999999999999999999/leads/").status_code == 404
