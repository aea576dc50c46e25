"""A background export through a real worker process: queued by the click, built by
`manage.py leads_worker`, followed on its page, downloaded whole and equal to the list."""

from __future__ import annotations

import re
import time

import pytest

from leadsportal.exports.models import ExportRecord
from leadsportal.followup.models import AccessRecord
from leadsportal.leads_api import LeadFamily
from tests.exports.helpers import all_leads, body, criteria_for, read_csv, window
from tests.exports.worker import export_worker, worker_log

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "export-progress"}
# The longest the test waits for the worker (its start included); not a timing test.
PATIENCE = 90.0


def test_a_worker_process_prepares_the_file_of_a_long_list(manager, paris, sandbox, tmp_path):
    start, end = window(91)
    leads, count = all_leads(paris, LeadFamily.ALL, criteria_for(start, end))
    assert count > 1000
    sandbox.latency_ms = 40  # pages that take a little while: the bar moves page by page
    with export_worker(tmp_path) as worker:
        response = manager.client.get(f"/exports/leads/?start={start}&end={end}&format=csv-excel")
        assert response.status_code == 302
        record_id = int(re.fullmatch(r"/exports/(\d+)/", response["Location"])[1])
        states: list[tuple[str, int]] = []
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline and worker.poll() is None:
            partial = manager.client.get(f"/exports/{record_id}/", **HTMX).content.decode()
            status = re.search(r'data-status="(\w+)"', partial)[1]
            value = int(re.search(r'<progress[^>]* value="(\d+)"', partial)[1])
            if not states or states[-1] != (status, value):
                states.append((status, value))
            if status in ("completed", "incomplete", "failed"):
                break
            time.sleep(0.1)
        assert states and states[-1][0] == "completed", (states, worker_log(tmp_path))

    # The page followed the job: waiting or running, then done; the bar never went back.
    values = [value for _status, value in states]
    assert values == sorted(values) and values[-1] == count
    assert {status for status, _value in states[:-1]} <= {"queued", "running"}

    record = ExportRecord.objects.get(pk=record_id)
    assert record.status == "completed" and record.row_count == count
    download = manager.client.get(f"/exports/{record_id}/fichier/")
    assert download.status_code == 200
    assert re.search(
        r'filename="leads-agence-paris-demo-tous-[\d-]+\.csv"', download["Content-Disposition"]
    )
    rows = read_csv(body(download), excel_fr=True)
    assert [row[1] for row in rows[1:]] == [lead.lead_id for lead in leads]
    access = AccessRecord.objects.get(kind="exported", export_ref=record_id)
    assert access.lead_count == count
