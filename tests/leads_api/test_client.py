"""The leads API client against the embedded sandbox, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache

from leadsportal.leads_api import (
    LeadFamily,
    LeadsApiAuthError,
    LeadsApiClient,
    LeadsApiMalformedResponse,
    LeadsApiNotFound,
    LeadsApiUnavailable,
    LeadsApiValidationError,
    PageRequest,
    SearchCriteria,
)
from leadsportal.leads_api import client as client_module
from leadsportal.leads_api.contract import GSL_FAMILIES
from tests.leads_api.conftest import PARIS, make_credentials

CLIENT_ID = PARIS[0]


def last_days(days: int) -> SearchCriteria:
    end = datetime.now(UTC) + timedelta(minutes=1)
    return SearchCriteria(start=end - timedelta(days=days), end=end)


@pytest.mark.parametrize("family", sorted(GSL_FAMILIES))
def test_each_search_route_returns_its_family_newest_first(paris_client, family):
    page = paris_client.search(family, last_days(30), PageRequest(index=1, size=50))
    assert page.count > 0
    assert 0 < len(page.leads) <= 50
    if family.lead_type is not None:
        assert {lead.lead_type for lead in page.leads} == {family.lead_type}
    dates = [lead.meta.creation_date for lead in page.leads]
    assert dates == sorted(dates, reverse=True)


def test_pages_cover_the_count_without_overlap(paris_client):
    criteria = last_days(10)
    first = paris_client.search(LeadFamily.ALL, criteria, PageRequest(index=1, size=100))
    seen = [lead.lead_id for lead in first.leads]
    for index in range(2, first.page_count + 1):
        page = paris_client.search(LeadFamily.ALL, criteria, PageRequest(index=index, size=100))
        seen.extend(lead.lead_id for lead in page.leads)
    assert len(seen) == first.count
    assert len(set(seen)) == first.count


def test_filters_by_listing_and_portal(paris_client):
    criteria = last_days(92)
    sample = paris_client.search(LeadFamily.CLASSIFIED, criteria, PageRequest(size=1)).leads[0]
    assert sample.classified is not None
    listing_id = sample.classified.classified_id
    by_listing = paris_client.search(
        LeadFamily.ALL,
        SearchCriteria(start=criteria.start, end=criteria.end, classified_ids=(listing_id,)),
        PageRequest(size=100),
    )
    assert by_listing.count >= 1
    assert all(
        lead.classified and lead.classified.classified_id == listing_id for lead in by_listing.leads
    )

    by_portal = paris_client.search(
        LeadFamily.ALL,
        SearchCriteria(start=criteria.start, end=criteria.end, portals=("LIM-FRA",)),
        PageRequest(size=100),
    )
    assert by_portal.count >= 1
    assert {lead.meta.portal for lead in by_portal.leads} == {"LIM-FRA"}


def test_classified_leads_and_lead_detail(paris_client):
    sample = paris_client.search(LeadFamily.CLASSIFIED, last_days(60), PageRequest(size=1)).leads[0]
    assert sample.classified is not None
    listing = paris_client.classified_leads(sample.classified.classified_id, PageRequest(size=100))
    assert sample.lead_id in {lead.lead_id for lead in listing.leads} or listing.count > 100
    assert all(
        lead.classified.classified_id == sample.classified.classified_id for lead in listing.leads
    )

    detail = paris_client.get_lead(sample.lead_id)
    assert detail == sample


def test_gdpr_erased_contacts_are_recognisable(paris_client):
    erased = []
    criteria = last_days(92)
    first = paris_client.search(LeadFamily.ALL, criteria, PageRequest(size=100))
    for index in range(1, first.page_count + 1):
        page = paris_client.search(LeadFamily.ALL, criteria, PageRequest(index=index, size=100))
        erased.extend(lead for lead in page.leads if lead.contact.is_erased)
    assert erased, "the sandbox seeds about 2% erased contacts"
    for lead in erased:
        assert lead.contact.phone_numbers == ()
        assert lead.contact.full_name == ""


def test_a_lead_of_another_agency_is_not_found(paris_client, lyon_client):
    lyon_lead = lyon_client.search(LeadFamily.ALL, last_days(30), PageRequest(size=1)).leads[0]
    with pytest.raises(LeadsApiNotFound):
        paris_client.get_lead(lyon_lead.lead_id)
    with pytest.raises(LeadsApiNotFound):
        paris_client.get_lead("does-not-exist")


def test_many_calls_reuse_one_token(paris_client, sandbox):
    for _ in range(5):
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert sandbox.token_requests(CLIENT_ID) == 1
    assert sandbox.api_requests(CLIENT_ID) == 5


def test_clients_sharing_the_cache_share_the_token(sandbox_server, sandbox):
    # Two clients stand for two workers: the token lives in the shared cache, not in the client.
    first = LeadsApiClient(make_credentials(sandbox_server.sandbox_url))
    second = LeadsApiClient(make_credentials(sandbox_server.sandbox_url))
    first.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    second.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert sandbox.token_requests(CLIENT_ID) == 1


class CacheOnAClock:
    """Django's cache as the client sees it, with expiry on a clock the test moves (`now`).

    The real backend (local memory, or Redis in CI) holds the values without a timeout; this
    keeps each key's deadline (`now` + timeout at the write) and drops the key once `now`
    reaches it, as the backend would once that much time has passed. `timeouts` records the
    timeout of each write.
    """

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.now = 0.0
        self.deadlines: dict[str, float] = {}
        self.timeouts: dict[str, float | None] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    def _expire(self, key: str) -> None:
        deadline = self.deadlines.get(key)
        if deadline is not None and self.now >= deadline:
            self.delete(key)

    def _written(self, key: str, timeout: float | None) -> None:
        self.timeouts[key] = timeout
        if timeout is None:
            self.deadlines.pop(key, None)
        else:
            self.deadlines[key] = self.now + timeout

    def get(self, key: str, default: Any = None) -> Any:
        self._expire(key)
        return self.backend.get(key, default)

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        self.backend.set(key, value, timeout=None)
        self._written(key, timeout)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        self._expire(key)
        added = bool(self.backend.add(key, value, timeout=None))
        if added:
            self._written(key, timeout)
        return added

    def delete(self, key: str) -> bool:
        self.deadlines.pop(key, None)
        return bool(self.backend.delete(key))

    def delete_many(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for key in keys:
            self.deadlines.pop(key, None)
        self.backend.delete_many(keys)


@pytest.mark.parametrize(
    ("token_ttl", "cached_for"),
    [
        (3600, 3540),  # renewed a minute before it expires
        (20, 18),  # a short-lived token: a tenth of its lifetime early
    ],
)
def test_an_expired_token_is_renewed(paris_client, sandbox, monkeypatch, token_ttl, cached_for):
    clock = CacheOnAClock(client_module.cache)
    monkeypatch.setattr(client_module, "cache", clock)
    sandbox.token_ttl = token_ttl  # the sandbox's tokens stay valid: no real time passes

    def search() -> None:
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))

    search()
    assert sandbox.token_requests(CLIENT_ID) == 1
    assert clock.timeouts[paris_client._token_cache_key] == cached_for

    clock.now = cached_for - 0.1  # just before: the cached token is reused
    search()
    assert sandbox.token_requests(CLIENT_ID) == 1

    clock.now = cached_for  # then it is gone from the cache, and a new one is fetched
    search()
    assert sandbox.token_requests(CLIENT_ID) == 2
    assert sandbox.api_requests(CLIENT_ID) == 3


def test_a_rejected_cached_token_is_refreshed_once_and_the_call_retried(paris_client, sandbox):
    paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    cache.set(paris_client._token_cache_key, "revoked-token", timeout=600)
    page = paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert page.count > 0
    assert sandbox.token_requests(CLIENT_ID) == 2


def test_bad_credentials_are_an_auth_error(sandbox_server):
    client = LeadsApiClient(make_credentials(sandbox_server.sandbox_url, (CLIENT_ID, "wrong")))
    with pytest.raises(LeadsApiAuthError) as excinfo:
        client.check_connection()
    assert "identifiants" in excinfo.value.user_message
    with pytest.raises(LeadsApiAuthError):
        client.search(LeadFamily.ALL, last_days(7), PageRequest())


def test_check_connection_succeeds_with_good_credentials(paris_client, sandbox):
    paris_client.check_connection()
    assert sandbox.token_requests(CLIENT_ID) == 1


@pytest.mark.parametrize(
    ("criteria", "page", "field"),
    [
        (
            SearchCriteria(
                start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 6, 1, tzinfo=UTC)
            ),
            PageRequest(),
            "EndDate",
        ),
        (
            SearchCriteria(
                start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC)
            ),
            PageRequest(),
            "EndDate",
        ),
        (last_days(7), PageRequest(size=101), "PageSize"),
        (last_days(7), PageRequest(size=0), "PageSize"),
        (last_days(7), PageRequest(index=0), "PageIndex"),
    ],
)
def test_validation_errors_name_the_field(paris_client, criteria, page, field):
    with pytest.raises(LeadsApiValidationError) as excinfo:
        paris_client.search(LeadFamily.ALL, criteria, page)
    fields = [error.field for error in excinfo.value.errors]
    assert field in fields
    assert field in excinfo.value.user_message


def test_rate_limited_calls_wait_for_retry_after_then_succeed(paris_client, sandbox):
    sandbox.rate_limit = 2
    pages = [
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5)) for _ in range(4)
    ]
    assert all(page.count > 0 for page in pages)
    assert sandbox.stats()["rate_limited"].get(CLIENT_ID, 0) >= 1


def test_timeouts_are_retried_within_bounds_then_reported(sandbox_server, sandbox):
    client = LeadsApiClient(make_credentials(sandbox_server.sandbox_url), read_timeout=0.3)
    client.check_connection()
    sandbox.configure(fault_mode="stall", fault_next=10, stall_seconds=2)
    with pytest.raises(LeadsApiUnavailable):
        client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    # The first try and one retry: a stall costs the person at most twice the read timeout.
    assert sandbox.api_requests(CLIENT_ID) == 2


def test_503_is_retried_and_succeeds_when_the_upstream_recovers(paris_client, sandbox):
    paris_client.check_connection()
    sandbox.configure(fault_mode="unavailable503", fault_next=1)
    page = paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert page.count > 0
    assert sandbox.api_requests(CLIENT_ID) == 2


def test_503_retries_are_bounded(paris_client, sandbox):
    paris_client.check_connection()
    sandbox.configure(fault_mode="unavailable503", fault_next=50)
    with pytest.raises(LeadsApiUnavailable) as excinfo:
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert excinfo.value.status == 503
    assert sandbox.api_requests(CLIENT_ID) == 1 + paris_client.max_retries


def test_a_500_is_reported_without_retry(paris_client, sandbox):
    paris_client.check_connection()
    sandbox.configure(fault_mode="error500", fault_next=1)
    with pytest.raises(LeadsApiUnavailable):
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert sandbox.api_requests(CLIENT_ID) == 1


def test_malformed_json_is_reported(paris_client, sandbox):
    paris_client.check_connection()
    sandbox.configure(fault_mode="malformed", fault_next=1)
    with pytest.raises(LeadsApiMalformedResponse) as excinfo:
        paris_client.search(LeadFamily.ALL, last_days(7), PageRequest(size=5))
    assert "illisible" in excinfo.value.user_message


def test_an_unreachable_upstream_is_unavailable():
    client = LeadsApiClient(
        make_credentials("http://127.0.0.1:9"), connect_timeout=0.5, max_retries=1
    )
    with pytest.raises(LeadsApiUnavailable):
        client.search(LeadFamily.ALL, last_days(7), PageRequest())


def test_credentials_never_show_the_secret():
    credentials = make_credentials("http://127.0.0.1:9")
    assert "paris-demo-secret" not in repr(credentials)


def test_a_failed_token_fetch_is_not_repeated_by_every_waiting_request(sandbox_server, sandbox):
    client = LeadsApiClient(make_credentials(sandbox_server.sandbox_url, (CLIENT_ID, "wrong")))
    for _ in range(4):
        with pytest.raises(LeadsApiAuthError):
            client.search(LeadFamily.ALL, last_days(7), PageRequest())
    # One refusal, then the next requests fail at once for a few seconds.
    assert sandbox.token_requests(CLIENT_ID) == 1
    # An administrator's "test connection" always asks again.
    with pytest.raises(LeadsApiAuthError):
        client.check_connection()
    assert sandbox.token_requests(CLIENT_ID) == 2
