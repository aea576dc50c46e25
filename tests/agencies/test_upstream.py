"""The one way to reach an agency's leads: leads by id through one bounded fan-out."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from leadsportal.agencies import upstream
from leadsportal.agencies.upstream import lead_get, leads_get_by_ids
from leadsportal.leads_api import LeadsApiError, LeadsApiUnavailable
from leadsportal.lib.deadlines import deadline_scope
from tests.followup.conftest import recent_leads


def test_leads_come_back_by_id_in_the_order_asked_and_unknown_ids_are_none(paris, sandbox):
    ids = [lead.lead_id for lead in recent_leads(paris)[:6]]
    sandbox.reset_counters()
    found = leads_get_by_ids(agency=paris, lead_ids=[*reversed(ids), "not-a-lead"])
    assert list(found) == [*reversed(ids), "not-a-lead"]
    assert [lead.lead_id for lead in found.values() if lead] == list(reversed(ids))
    assert found["not-a-lead"] is None
    assert sandbox.api_requests(route="getLead") == 7
    # Cached, the unknown id too: asked again, no call.
    leads_get_by_ids(agency=paris, lead_ids=[*ids, "not-a-lead"])
    assert sandbox.api_requests(route="getLead") == 7


def test_another_agencys_lead_is_none(paris, lyon):
    lyon_lead = recent_leads(lyon)[0]
    assert lead_get(agency=paris, lead_id=lyon_lead.lead_id) is None


def test_a_stalling_upstream_ends_the_page_at_its_deadline_and_keeps_what_arrived(
    paris, sandbox, settings
):
    settings.LEADS_API_READ_TIMEOUT = 5
    ids = [lead.lead_id for lead in recent_leads(paris)[:8]]
    upstream.get_client.cache_clear()  # a client with the short timeouts above
    lead_get(agency=paris, lead_id=ids[0])
    sandbox.configure(fault_mode="stall", fault_next=3, stall_seconds=4)
    started = time.monotonic()
    # The fetches' own timeouts are cut to the deadline: whichever ends first, it is at 0.5 s.
    with (
        pytest.raises(LeadsApiUnavailable, match=r"timed out|not fetched within the deadline"),
        deadline_scope(0.5),
    ):
        leads_get_by_ids(agency=paris, lead_ids=ids)
    assert time.monotonic() - started < 2.0
    sandbox.reset()  # wakes the stalled requests
    # Nothing is lost: once the upstream answers, the page has every lead.
    again = leads_get_by_ids(agency=paris, lead_ids=ids)
    assert all(again[lead_id] is not None for lead_id in ids)
    upstream.get_client.cache_clear()


def test_fetches_for_one_agency_never_exceed_its_share_of_the_api(paris, monkeypatch):
    in_flight = 0
    most = 0
    changed = threading.Condition()
    release = threading.Event()

    class HeldClient:
        """Holds every fetch until the test lets them go."""

        def get_lead(self, lead_id: str, retry_stalls: bool = True):  # type: ignore[no-untyped-def]
            nonlocal in_flight, most
            with changed:
                in_flight += 1
                most = max(most, in_flight)
                changed.notify_all()
            release.wait(timeout=10)
            with changed:
                in_flight -= 1
            return None

    monkeypatch.setattr(upstream, "_client", lambda agency: HeldClient())
    cache.clear()
    # Three pages asking at once (an export's workers, say): 12 fetches wanted in flight.
    pages = [
        threading.Thread(
            target=leads_get_by_ids,
            kwargs={
                "agency": paris,
                "lead_ids": [f"p{page}-{i}" for i in range(4)],
            },
        )
        for page in range(3)
    ]
    for thread in pages:
        thread.start()
    with changed:
        assert changed.wait_for(lambda: in_flight == upstream.FETCHES_PER_AGENCY, timeout=10)
    # The other four wait for a slot; let them all go, one after the other.
    release.set()
    for thread in pages:
        thread.join(timeout=10)
    assert most == upstream.FETCHES_PER_AGENCY
    assert in_flight == 0


def test_a_stall_is_not_retried_inside_a_fan_out(paris, sandbox, settings):
    settings.LEADS_API_READ_TIMEOUT = 0.5
    upstream.get_client.cache_clear()  # a client with the short timeout above
    ids = [lead.lead_id for lead in recent_leads(paris)[:2]]
    cache.clear()
    lead_get(agency=paris, lead_id="warm-up-token")  # the token, outside the count
    sandbox.reset_counters()
    sandbox.configure(fault_mode="stall", fault_next=2, stall_seconds=3)
    started = time.monotonic()
    with pytest.raises(LeadsApiError):
        leads_get_by_ids(agency=paris, lead_ids=ids)
    elapsed = time.monotonic() - started
    tries = sandbox.api_requests(route="getLead")
    sandbox.reset()  # wakes the stalled requests
    upstream.get_client.cache_clear()
    # One try each, no second 0.5 s read: well under two timeouts plus a back-off.
    assert tries == 2
    assert elapsed < 1.5
