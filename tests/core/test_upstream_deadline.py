"""One deadline per request for the upstream, whatever the page asks of it.

The hostile run of issue 15: with the upstream stalling, a list filtered by follow-up status
(about 20 leads known locally) held its thread for 102 s, and its CSV export 163 s. Here the
same filter, 20 local leads, the sandbox stalling every request for a minute, over real HTTP,
for an agency on GSL v2 and one on Seeker Leads (`upstream`; the Seeker sandbox has the same
stall knobs).
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from leadsportal import seeker_api
from leadsportal.agencies import upstream as upstream_api
from leadsportal.exports.models import ExportRecord
from leadsportal.leads_api import LeadFamily, LeadsApiUnavailable, PageRequest
from leadsportal.lib.deadlines import deadline_scope, seconds_left
from tests.exports.helpers import (
    MARKER,
    background_file,
    body,
    criteria_for,
    read_csv,
    window,
)

DEADLINE = 3.0
# Time to render and write the page around the deadline; far below the 10 s read timeout that
# one stalled call would cost without the deadline (and the 20 s of a retried one).
SLACK = 3.0


@pytest.fixture
def short_deadline(settings):  # type: ignore[no-untyped-def]
    settings.LEADS_API_PAGE_DEADLINE = DEADLINE
    settings.LEADS_API_READ_TIMEOUT = 10.0
    upstream_api.get_client.cache_clear()  # clients with the timeouts above
    seeker_api.get_client.cache_clear()
    yield
    upstream_api.get_client.cache_clear()
    seeker_api.get_client.cache_clear()


@pytest.fixture
def manager(upstream, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (upstream.agency, "manager"))


@pytest.fixture
def twenty_contacted(manager, upstream, short_deadline) -> list[str]:  # type: ignore[no-untyped-def]
    start, end = window(30)
    expected = upstream.expected(LeadFamily.ALL, criteria_for(start, end), PageRequest(size=20))
    chosen = list(expected.lead_ids)
    assert len(chosen) == 20
    for lead_id in chosen:
        response = manager.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
        assert response.status_code == 303
    cache.clear()  # no lead left in the short cache: the list must ask the upstream again
    return chosen


def stall_everything(sandbox) -> None:  # type: ignore[no-untyped-def]
    sandbox.configure(fault_mode="stall", fault_next=10_000, stall_seconds=60)


def timed_get(client, url: str):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def test_a_status_filtered_list_answers_within_the_deadline_when_the_upstream_stalls(
    manager, upstream, twenty_contacted
):
    stall_everything(upstream.sandbox)
    response, elapsed = timed_get(manager.client, "/leads/?status=contacte")
    assert response.status_code == 502
    assert "momentanément indisponible" in response.content.decode()
    assert elapsed < DEADLINE + SLACK


@pytest.mark.parametrize("fault", ["stall", "error500", "malformed"])
def test_a_list_answers_within_the_deadline_with_the_banner_when_the_upstream_fails(
    manager, upstream, short_deadline, fault
):
    upstream.sandbox.configure(fault_mode=fault, fault_next=10_000, stall_seconds=60)
    response, elapsed = timed_get(manager.client, "/leads/")
    assert response.status_code == 502
    assert 'data-testid="upstream-banner"' in response.content.decode()
    assert elapsed < DEADLINE + SLACK


def test_its_export_answers_within_the_deadline_with_an_error_page(
    manager, upstream, twenty_contacted
):
    stall_everything(upstream.sandbox)
    response, elapsed = timed_get(manager.client, "/exports/leads/?status=contacte&format=csv")
    assert response.status_code == 502
    assert not response.streaming  # an error page, not a file that looks complete
    assert "momentanément indisponible" in response.content.decode()
    assert elapsed < DEADLINE + SLACK


# GSL only: `fault_after` (the first N requests answer) is a knob of the GSL sandbox, and a
# Seeker export reads its whole window at its first page: there is no "midway" to stall at.
@pytest.mark.parametrize("upstream", ["gsl"], indirect=True)
def test_an_export_that_meets_a_stall_midway_ends_incomplete_within_one_page_deadline(
    manager, upstream, short_deadline
):
    sandbox = upstream.sandbox
    start, end = window(30)  # several pages, built in the request
    sandbox.configure(fault_after=1)  # page 1 answers, then everything stalls
    stall_everything(sandbox)
    response, elapsed = timed_get(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )

    assert response.status_code == 200 and "-INCOMPLET.csv" in response["Content-Disposition"]
    rows = read_csv(body(response), excel_fr=False)
    assert rows[0][0].startswith(f"{MARKER} — 100 leads exportés sur ")
    assert rows[-1][0].startswith(f"{MARKER} — 100 leads exportés sur ")
    assert ExportRecord.objects.get().status == "incomplete"
    assert elapsed < DEADLINE + SLACK


def test_an_export_page_has_a_deadline_of_its_own_not_the_requests(
    manager, upstream, short_deadline
):
    """A long export is not cut at the request's deadline: only a page that stalls ends it."""
    start, end = window(91)
    count = upstream.expected(LeadFamily.ALL, criteria_for(start, end)).count
    assert count > 1000  # many pages: a job of the worker (run here)
    # Each upstream call a third of the deadline (on Seeker Leads the first page reads the
    # window's slices side by side, under the API's limit).
    upstream.sandbox.configure(latency_ms=int(DEADLINE * 1000 / 3))
    _record, _response, data = background_file(
        manager.client, f"/exports/leads/?start={start}&end={end}&format=csv"
    )
    rows = read_csv(data, excel_fr=False)
    assert len(rows) == 1 + count and not rows[-1][0].startswith(MARKER)
    assert ExportRecord.objects.get().status == "completed"


def test_every_call_inside_a_scope_shares_its_budget(upstream, short_deadline):
    """Two calls in a row under one deadline: the second gets only what the first left."""
    agency = upstream.agency
    upstream_api.lead_get(agency=agency, lead_id="warm-up-token")  # the token, outside the stall
    stall_everything(upstream.sandbox)
    started = time.monotonic()
    with deadline_scope(1.5):
        for lead_id in ("one", "two"):
            with pytest.raises(LeadsApiUnavailable):
                upstream_api.lead_get(agency=agency, lead_id=lead_id)
        left = seconds_left()
    assert left is not None and left <= 0.05
    assert time.monotonic() - started < 1.5 + 1.0


def test_nested_scopes_keep_the_earlier_end_unless_replaced():
    with deadline_scope(1.0):
        with deadline_scope(60):
            inner = seconds_left()
        with deadline_scope(60, replace=True):
            replaced = seconds_left()
    assert inner is not None and inner <= 1.0
    assert replaced is not None and replaced > 59
    assert seconds_left() is None
