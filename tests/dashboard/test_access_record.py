"""Who opened what: each opening of a lead's detail and each export, shown to the managers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leadsportal.exports.models import ExportRecord
from leadsportal.followup.access_record import access_records_purge, months_before
from leadsportal.followup.models import AccessRecord, AccessRecordLead
from leadsportal.leads_api import LeadFamily
from leadsportal.watch import tasks
from tests.exports.helpers import all_leads, body, criteria_for, read_csv, window


@pytest.fixture
def some_leads(paris) -> list[str]:  # type: ignore[no-untyped-def]
    start, end = window(30)
    leads, _count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    return [lead.lead_id for lead in leads[:5]]


def test_opening_a_lead_is_recorded_and_its_manager_sees_who_and_when(agent, manager, some_leads):
    lead_id = some_leads[0]
    assert agent.client.get(f"/lead/{lead_id}/").status_code == 200

    page = manager.client.get("/agence/acces/")
    assert page.status_code == 200
    html = page.content.decode()
    row = html.split('data-testid="access-record"', 1)[1].split("</tr>", 2)[1]
    assert "agent.paris" in row and "a ouvert le lead" in row
    assert f'href="/lead/{lead_id}/"' in row
    assert timezone.localtime().strftime("%d/%m/%Y") in row


def test_a_lead_that_is_not_shown_is_not_recorded(agent, lyon, lyon_agent, sandbox):
    assert agent.client.get("/lead/not-a-lead/").status_code == 404
    sandbox.configure(fault_mode="error500", fault_next=10)
    assert agent.client.get("/lead/another-one/").status_code == 502
    assert not AccessRecord.objects.exists()


def test_an_export_is_recorded_with_every_lead_it_wrote(manager, paris):
    start, end = window(30)
    response = manager.client.get(
        f"/exports/leads/?start={start.isoformat()}&end={end.isoformat()}&format=csv"
    )
    rows = read_csv(body(response), excel_fr=False)
    exported = {row[1] for row in rows[1:]}
    record = AccessRecord.objects.get(kind="exported")
    assert record.lead_count == len(exported) > 100  # several pages
    assert set(record.leads.values_list("lead_id", flat=True)) == exported
    assert record.export_ref == ExportRecord.objects.get().pk

    html = manager.client.get("/agence/acces/").content.decode()
    assert f"a exporté {len(exported)} leads" in html.replace("\u202f", "").replace(" ", " ")
    # Which exports held this lead: the filter by lead finds the export.
    one = next(iter(exported))
    found = manager.client.get(f"/agence/acces/?lead={one}").content.decode()
    assert "a exporté" in found


def test_the_record_filters_by_member_action_lead_and_day(agent, manager, some_leads):
    agent.client.get(f"/lead/{some_leads[0]}/")
    manager.client.get(f"/lead/{some_leads[1]}/")
    manager.client.get(f"/lead/{some_leads[2]}/")

    def shown(query: str) -> list[str]:
        html = manager.client.get(f"/agence/acces/?{query}").content.decode()
        return [lead_id for lead_id in some_leads if f"/lead/{lead_id}/" in html]

    assert shown("") == some_leads[:3]
    assert shown(f"member={agent.user.pk}") == [some_leads[0]]
    assert shown(f"lead={some_leads[2]}") == [some_leads[2]]
    assert shown("kind=exported") == []
    today = timezone.localdate()
    assert shown(f"start={today}&end={today}") == some_leads[:3]
    yesterday = today - timedelta(days=1)
    empty = manager.client.get(f"/agence/acces/?end={yesterday}").content.decode()
    assert "Aucun accès ne correspond à ces filtres." in empty


def test_bad_filters_get_a_message_not_a_500(manager):
    response = manager.client.get("/agence/acces/?lead=<script>&start=31/02/2026&member=x")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Corrigez les filtres en rouge." in html
    assert "ne contient que des lettres" in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_agents_do_not_see_the_record(agent):
    response = agent.client.get("/agence/acces/")
    assert response.status_code == 403
    assert "Seuls les responsables" in response.content.decode()


def test_another_agencys_record_stays_hidden(manager, lyon_agent, lyon, sandbox):
    start, end = window(30)
    lyon_lead = all_leads(lyon, LeadFamily.ALL, criteria_for(start, end))[0][0].lead_id
    assert lyon_agent.client.get(f"/lead/{lyon_lead}/").status_code == 200
    html = manager.client.get("/agence/acces/").content.decode()
    assert lyon_lead not in html and "agent.lyon" not in html


def test_the_record_holds_no_lead_data(agent, some_leads, paris):
    agent.client.get(f"/lead/{some_leads[0]}/")
    start, end = window(30)
    lead = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))[0][0]
    with connection.cursor() as cursor:
        tables = [AccessRecord._meta.db_table, AccessRecordLead._meta.db_table]
        contents = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")
            contents.append(repr(cursor.fetchall()))
    everything = " ".join(contents)
    for value in (lead.contact.email, lead.contact.last_name, lead.contact.message):
        if value:
            assert value not in everything


def test_lines_older_than_twelve_months_are_purged_by_the_daily_task(agent, some_leads):
    agent.client.get(f"/lead/{some_leads[0]}/")
    agent.client.get(f"/lead/{some_leads[1]}/")
    old, recent = AccessRecord.objects.order_by("pk")
    AccessRecord.objects.filter(pk=old.pk).update(
        at=months_before(timezone.now(), 12) - timedelta(minutes=1)
    )
    AccessRecord.objects.filter(pk=recent.pk).update(
        at=months_before(timezone.now(), 12) + timedelta(minutes=1)
    )
    tasks.daily_purge.call_local()
    assert list(AccessRecord.objects.values_list("lead_id", flat=True)) == [some_leads[1]]


@pytest.mark.django_db
def test_an_exports_lead_lines_go_with_it():
    from leadsportal.agencies.models import Agency

    agency = Agency.objects.create(name="A", client_id="a")
    record = AccessRecord.objects.create(
        agency=agency, username="x", kind="exported", at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    AccessRecordLead.objects.create(record=record, lead_id="l1")
    assert access_records_purge(now=datetime(2021, 1, 2, tzinfo=UTC)) == 1
    assert not AccessRecordLead.objects.exists()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 12, 1, 9, tzinfo=UTC), 12, datetime(2025, 12, 1, 9, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 3, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected
