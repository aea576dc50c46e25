"""The Seeker Leads client against the embedded Seeker sandbox, over real HTTP.

Oracles are the sandbox's own data (its seeded rows, what it counted), never the client.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache

from leadsportal.leads_api import (
    LeadsApiAuthError,
    LeadsApiError,
    LeadsApiMalformedResponse,
    LeadsApiNotFound,
    LeadsApiRateLimited,
    LeadsApiUnavailable,
    LeadsApiValidationError,
    LeadType,
)
from leadsportal.lib import deadlines
from leadsportal.seeker_api import (
    CONCURRENCY_LIMIT,
    MAX_WINDOW_SECONDS,
    SeekerLeadsClient,
    SubscriptionStatus,
    default_user_agent,
    tokens,
)
from leadsportal.seeker_sandbox.data import ANCHOR
from leadsportal.seeker_sandbox.state import data_for
from tests.seeker_api.conftest import USER_AGENT
from tests.seeker_sandbox.conftest import BORDEAUX, NANTES

ANCHOR_TS = int(ANCHOR.timestamp())
MakeClient = Callable[..., SeekerLeadsClient]


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def expected_ids(sandbox: Any, client: str, start: datetime, end: datetime) -> list[str]:
    """The sandbox's leads ingested in [start, end), newest first."""
    low, high = math.ceil(start.timestamp()), math.ceil(end.timestamp()) - 1
    rows = [*data_for(client).rows, *sandbox.added_rows(client)]
    chosen = [row for row in rows if low <= row.ts <= high]
    chosen.sort(key=lambda row: (row.ts, row.lead_id), reverse=True)
    return [row.lead_id for row in chosen]


def plant_token(client: SeekerLeadsClient, access_token: str, *, age: float) -> None:
    """Put a token in the shared cache as if a worker had fetched it `age` seconds ago."""
    now = tokens.clock()
    entry = tokens.CachedToken(access_token, expires_at=now - age + 86_400, fetched_at=now - age)
    cache.set(client.token.cache_key, entry.to_cache(), timeout=86_400)


# --- The feed ---------------------------------------------------------------------------------


def test_a_week_is_read_page_after_page_to_the_end(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    start, end = at(ANCHOR_TS - 10 * 86_400), at(ANCHOR_TS - 3 * 86_400)
    for offset in range(150):  # well over two pages of 100
        seeker_sandbox.add_lead(BORDEAUX, "AGENCY", ingestion_date=ANCHOR_TS - 5 * 86_400 + offset)
    expected = expected_ids(seeker_sandbox, BORDEAUX, start, end)
    assert len(expected) > 200

    leads = bordeaux.window(start, end)

    assert [lead.lead_id for lead in leads] == expected
    assert seeker_sandbox.api_requests(BORDEAUX, "getLeads") == math.ceil(len(expected) / 100)
    assert seeker_sandbox.windows(BORDEAUX) == [(int(start.timestamp()), int(end.timestamp()) - 1)]


def test_a_window_without_leads_is_empty_not_an_error(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    start = at(ANCHOR_TS - 400 * 86_400)

    assert bordeaux.window(start, start + timedelta(days=5)) == ()
    assert bordeaux.window_leads(start, start + timedelta(days=5)) == ()
    assert seeker_sandbox.api_requests(BORDEAUX, "getLeads") == 2  # a 404 each


def test_92_days_are_read_by_7_day_slices_under_the_limit(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    # Each answer takes a while, so that the slices really are in flight together.
    seeker_sandbox.configure(latency_ms=40)
    end = at(ANCHOR_TS)
    start = end - timedelta(days=92)

    leads = bordeaux.window(start, end)

    windows = sorted(seeker_sandbox.windows(BORDEAUX))
    assert len(windows) == 14
    assert windows[0][0] == int(start.timestamp())
    assert windows[-1][1] == int(end.timestamp()) - 1
    assert all(high - low < MAX_WINDOW_SECONDS for low, high in windows)
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in itertools.pairwise(windows))
    assert [lead.lead_id for lead in leads] == expected_ids(seeker_sandbox, BORDEAUX, start, end)
    assert 1 < seeker_sandbox.peak_in_flight(BORDEAUX) <= CONCURRENCY_LIMIT
    assert seeker_sandbox.rate_limited(BORDEAUX) == 0


def test_once_one_slice_fails_the_others_send_nothing_more(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    bordeaux.token.get()
    seeker_sandbox.configure(latency_ms=40, fault_next=1, fault_mode="malformed")
    end = at(ANCHOR_TS)
    start = end - timedelta(days=92)
    assert len(expected_ids(seeker_sandbox, BORDEAUX, start, end)) > 14 * 100  # 2 pages a week

    with pytest.raises(LeadsApiMalformedResponse):
        bordeaux.window(start, end)
    time.sleep(0.5)  # the answers still on their way come back

    # The first round of slices was in flight when the error came back; none asked its page 2,
    # and the slices that had not started never did.
    assert seeker_sandbox.api_requests(BORDEAUX) <= CONCURRENCY_LIMIT


def test_the_window_ends_with_the_deadline(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    seeker_sandbox.configure(latency_ms=300)
    bordeaux.token.get()

    with deadlines.deadline_scope(0.5), pytest.raises(LeadsApiUnavailable):
        bordeaux.window(at(ANCHOR_TS) - timedelta(days=92), at(ANCHOR_TS))


def test_a_lead_by_id(bordeaux: SeekerLeadsClient, seeker_sandbox: Any) -> None:
    row = data_for(BORDEAUX).rows[7]

    lead = bordeaux.get_lead(row.lead_id)

    assert lead.lead_id == row.lead_id
    assert lead.metadata.ingestion_date == at(row.ts)
    with pytest.raises(LeadsApiNotFound):
        bordeaux.get_lead(data_for(NANTES).rows[0].lead_id)  # another agency's
    requests_so_far = seeker_sandbox.api_requests(BORDEAUX)
    with pytest.raises(LeadsApiNotFound):
        bordeaux.get_lead("../admin")
    assert seeker_sandbox.api_requests(BORDEAUX) == requests_so_far  # refused before a call


# --- What AVIV checks: the User-Agent, the token --------------------------------------------


def test_every_call_carries_the_user_agent(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any, webhook_receiver: Any
) -> None:
    bordeaux.window(at(ANCHOR_TS) - timedelta(days=10), at(ANCHOR_TS))
    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    subscription = bordeaux.subscription_create(url=webhook_receiver.url, api_key="k")
    bordeaux.subscription_audit(subscription.subscription_id)
    bordeaux.subscription_delete(subscription.subscription_id)

    calls = seeker_sandbox.token_requests(BORDEAUX) + seeker_sandbox.api_requests(BORDEAUX)
    assert seeker_sandbox.user_agents() == {USER_AGENT: calls}
    assert seeker_sandbox.requests_without_user_agent() == 0


def test_the_default_user_agent_names_the_software_and_its_runtime() -> None:
    parts = default_user_agent().split(" ")

    assert parts[0].startswith("leadsportal/")
    assert all(part.count("/") == 1 and all(parts) for part in parts)


def test_the_token_is_fetched_once_and_reused(make_client: MakeClient, seeker_sandbox: Any) -> None:
    first, second = make_client(), make_client()  # two workers, one shared cache
    end = at(ANCHOR_TS)

    for client in (first, second, first):
        client.window(end - timedelta(days=20), end)

    assert seeker_sandbox.token_requests(BORDEAUX) == 1
    assert seeker_sandbox.premature_tokens(BORDEAUX) == 0


def test_the_token_is_kept_for_its_24_hours(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tokens.clock
    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)

    monkeypatch.setattr(tokens, "clock", lambda: real() + 23 * 3600 + 50 * 60)
    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    assert seeker_sandbox.token_requests(BORDEAUX) == 1

    monkeypatch.setattr(tokens, "clock", lambda: real() + 24 * 3600)
    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    assert seeker_sandbox.token_requests(BORDEAUX) == 2


def test_an_old_refused_token_is_renewed_once(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    plant_token(bordeaux, seeker_sandbox.issue_token(BORDEAUX, ttl=-60), age=3600)

    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)

    assert seeker_sandbox.token_requests(BORDEAUX) == 1
    assert seeker_sandbox.stats()["unauthenticated_requests"] == 1  # the 401
    assert seeker_sandbox.api_requests(BORDEAUX) == 1  # then the answer


def test_a_token_taken_before_access_was_opened_is_renewed(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    plant_token(bordeaux, seeker_sandbox.issue_token(BORDEAUX, scope=""), age=3600)

    bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)

    assert seeker_sandbox.token_requests(BORDEAUX) == 1


def test_a_fresh_refused_token_is_a_configuration_problem_not_a_loop(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    plant_token(bordeaux, seeker_sandbox.issue_token(BORDEAUX, ttl=-60), age=60)

    with pytest.raises(LeadsApiAuthError):
        bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    assert seeker_sandbox.token_requests(BORDEAUX) == 0


def test_refused_credentials_are_one_error_and_not_asked_again_at_once(
    make_client: MakeClient, seeker_sandbox: Any
) -> None:
    client = make_client(secret="wrong")

    with pytest.raises(LeadsApiAuthError) as refused:
        client.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    with pytest.raises(LeadsApiAuthError):
        client.window(at(ANCHOR_TS) - timedelta(days=1), at(ANCHOR_TS))

    assert "identifiants" in refused.value.user_message
    assert seeker_sandbox.token_requests(BORDEAUX) == 1
    assert "wrong" not in repr(client.credentials)


# --- 429 and faults: bounded retries, then the error family --------------------------------


class TickingClock:
    """The sandbox limiter's clock, 150 ms later at each request: with a limit of one request
    per 200 ms, every other request is a 429."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 0.15
        return self.now


def test_a_429_is_waited_for_and_retried(bordeaux: SeekerLeadsClient, seeker_sandbox: Any) -> None:
    bordeaux.token.get()
    seeker_sandbox.clock = TickingClock()
    seeker_sandbox.configure(rate_limit=1)
    row = data_for(BORDEAUX).rows[0]
    bordeaux.get_lead(row.lead_id)

    assert bordeaux.get_lead(row.lead_id).lead_id == row.lead_id
    assert seeker_sandbox.rate_limited(BORDEAUX) == 1
    assert seeker_sandbox.api_requests(BORDEAUX) == 3


def test_429s_beyond_the_retries_are_rate_limited(
    make_client: MakeClient, seeker_sandbox: Any
) -> None:
    client = make_client(max_retries=1)
    client.token.get()

    class Pinned:
        def __call__(self) -> float:
            return 1_000.0

    seeker_sandbox.clock = Pinned()
    seeker_sandbox.configure(rate_limit=1)
    client.get_lead(data_for(BORDEAUX).rows[0].lead_id)

    with pytest.raises(LeadsApiRateLimited) as limited:
        client.window(at(ANCHOR_TS) - timedelta(days=1), at(ANCHOR_TS))
    assert limited.value.retry_after == 1.0
    assert limited.value.page_status == 503
    assert seeker_sandbox.rate_limited(BORDEAUX) == 2  # the call and its one retry


@pytest.mark.parametrize(("faults", "raises"), [(1, None), (2, None), (3, LeadsApiUnavailable)])
def test_server_errors_are_retried_a_bounded_number_of_times(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any, faults: int, raises: type[Exception] | None
) -> None:
    bordeaux.token.get()
    end = at(ANCHOR_TS)
    start = end - timedelta(days=2)
    # One page of the feed, whatever the day's seed, so that every call counted is a try.
    assert 0 < len(expected_ids(seeker_sandbox, BORDEAUX, start, end)) < 100
    seeker_sandbox.configure(fault_next=faults, fault_mode="error500")

    if raises is None:
        assert bordeaux.window(start, end)
    else:
        with pytest.raises(raises):
            bordeaux.window(start, end)
    assert seeker_sandbox.api_requests(BORDEAUX) == min(faults + 1, 3)


def test_a_503_is_retried_after_its_retry_after(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    bordeaux.token.get()
    seeker_sandbox.configure(fault_next=1, fault_mode="unavailable503")

    assert bordeaux.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    assert seeker_sandbox.api_requests(BORDEAUX) == 2


def test_a_malformed_answer_is_not_retried(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any
) -> None:
    bordeaux.token.get()
    seeker_sandbox.configure(fault_next=1, fault_mode="malformed")

    with pytest.raises(LeadsApiMalformedResponse) as malformed:
        bordeaux.window(at(ANCHOR_TS) - timedelta(days=1), at(ANCHOR_TS))
    assert isinstance(malformed.value, LeadsApiUnavailable)  # the page says "réessayez"
    assert seeker_sandbox.api_requests(BORDEAUX) == 1


def test_a_stall_is_tried_again_once(make_client: MakeClient, seeker_sandbox: Any) -> None:
    client = make_client(read_timeout=0.3)
    client.token.get()
    seeker_sandbox.configure(fault_next=2, fault_mode="stall", stall_seconds=5)

    with pytest.raises(LeadsApiUnavailable):
        client.get_lead(data_for(BORDEAUX).rows[0].lead_id)
    assert seeker_sandbox.api_requests(BORDEAUX) == 2


def test_a_subscription_is_not_sent_twice_after_a_500(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any, webhook_receiver: Any
) -> None:
    bordeaux.token.get()
    seeker_sandbox.configure(fault_next=1, fault_mode="error500")

    with pytest.raises(LeadsApiUnavailable):
        bordeaux.subscription_create(url=webhook_receiver.url, api_key="k")
    assert seeker_sandbox.api_requests(BORDEAUX, "createSubscription") == 1


# --- The leads as the dashboard reads them ----------------------------------------------------


@pytest.fixture(scope="module")
def all_leads(sandbox_server: Any) -> Any:
    """The client's mapped leads of all 120 days, and the same leads as the sandbox serves
    them (the oracle)."""
    from leadsportal.seeker_api import credentials_for
    from leadsportal.seeker_sandbox.state import state

    base = sandbox_server.url + "/seeker-sandbox/seeker-leads/v1"
    client = SeekerLeadsClient(
        credentials_for(
            BORDEAUX,
            "bordeaux-demo-secret",
            base,
            token_url=base.replace("/seeker-leads/v1", "/oauth/token"),
        ),
        user_agent=USER_AGENT,
    )
    state.reset()
    end = at(ANCHOR_TS + 1)
    leads = client.window_leads(end - timedelta(days=121), end)
    data = data_for(BORDEAUX)
    raw = {row.lead_id: data.render(row) for row in data.rows}
    rows = {row.lead_id: row for row in data.rows}
    client.close()
    cache.clear()
    return leads, raw, rows


def test_every_lead_of_the_sandbox_is_read(all_leads: Any) -> None:
    leads, raw, _ = all_leads

    assert sorted(lead.lead_id for lead in leads) == sorted(raw)


def test_gdpr_erased_leads_read_as_erased(all_leads: Any) -> None:
    leads, raw, rows = all_leads
    erased = {lead.lead_id for lead in leads if lead.contact.is_erased}

    assert erased == {lead_id for lead_id, row in rows.items() if row.erased}
    for lead in leads:
        if lead.lead_id in erased:
            assert lead.contact.email is None  # the portal kept it; the dashboard does not
            assert (
                raw[lead.lead_id].get("contactRequest") in (None, {})
                or raw[lead.lead_id]["contactRequest"]["email"]
            )


def test_call_tracking_leads_are_calls_with_their_details(all_leads: Any) -> None:
    leads, raw, rows = all_leads
    calls = [lead for lead in leads if lead.lead_type is LeadType.CALL_TRACKING]

    assert {lead.lead_id for lead in calls} == {
        lead_id for lead_id, row in rows.items() if row.category == "CALL_TRACKING"
    }
    for lead in calls:
        details = raw[lead.lead_id]["callDetails"]
        assert lead.call_details is not None
        assert lead.call_details.duration_seconds == details["duration"]
        assert lead.call_details.is_voicemail == details["isVoiceMail"]
        assert lead.call_details.status == details["status"]
        if details["seekerPhoneNumber"]:
            assert details["seekerPhoneNumber"] in [p.number for p in lead.contact.phone_numbers]


def test_families_and_listing_references_follow_the_sandbox(all_leads: Any) -> None:
    leads, raw, rows = all_leads
    for lead in leads:
        row = rows[lead.lead_id]
        seller = row.intention == "SELL" and row.category in ("AGENCY", "PROPERTY_SEARCH")
        assert (lead.lead_type is LeadType.SELLER) == seller
        listing = raw[lead.lead_id].get("property") or {}
        if listing.get("classifiedId"):
            assert lead.classified is not None
            assert lead.classified.portal_id == listing["classifiedId"]
            assert lead.classified.reference == (
                listing["offererEstateId"]
                or listing["offererMarketingKey"]
                or listing.get("projectOffererEstateId")
            )


# --- Webhook subscriptions --------------------------------------------------------------------


def test_a_subscription_gets_its_calls_and_its_audit(
    bordeaux: SeekerLeadsClient, seeker_sandbox: Any, webhook_receiver: Any
) -> None:
    subscription = bordeaux.subscription_create(url=webhook_receiver.url, api_key="cle-bordeaux")
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert "cle-bordeaux" not in repr(subscription)

    lead_id = seeker_sandbox.add_lead(BORDEAUX, "CALL_TRACKING")
    call = webhook_receiver.next_call()
    assert call.headers["X-Api-Key"] == "cle-bordeaux"
    assert call.body["leadId"] == lead_id
    assert seeker_sandbox.join_deliveries()

    audit = bordeaux.subscription_audit(subscription.subscription_id)
    assert [event.lead_id for event in audit.recent_events] == [lead_id]
    assert audit.recent_events[0].success and audit.last_success is not None

    paused = bordeaux.subscription_update(
        subscription.subscription_id,
        url=webhook_receiver.url,
        api_key="cle-bordeaux",
        status=SubscriptionStatus.INACTIVE,
    )
    assert paused.status is SubscriptionStatus.INACTIVE
    bordeaux.subscription_delete(subscription.subscription_id)
    with pytest.raises(LeadsApiNotFound):
        bordeaux.subscription_audit(subscription.subscription_id)


def test_a_refused_subscription_names_what_is_wrong(bordeaux: SeekerLeadsClient) -> None:
    with pytest.raises(LeadsApiValidationError) as refused:
        bordeaux.subscription_create(url="https://ailleurs.example/hook", api_key="k")

    assert [error.field for error in refused.value.errors] == ["/url"]
    assert "/url" in refused.value.user_message
    assert isinstance(refused.value, LeadsApiError)
