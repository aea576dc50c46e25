"""Seeker Leads' wire format on our side: windows, cursors, parsing (no HTTP here)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from leadsportal.leads_api import FieldError
from leadsportal.seeker_api import classified_code, classified_number, contract
from leadsportal.seeker_api.contract import ContractViolation, LeadCategory

WEEK = 7 * 86_400
BASE = "https://api.aviv-group.com/seeker-leads/v1"
START = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_a_92_day_window_is_14_slices_of_at_most_7_days() -> None:
    end = START + timedelta(days=92)

    slices = contract.window_slices(START, end)

    assert len(slices) == 14
    assert slices[0][0] == int(START.timestamp())
    assert slices[-1][1] == int(end.timestamp()) - 1  # [start, end): end excluded
    for (_, high), (next_low, _) in itertools.pairwise(slices):
        assert next_low == high + 1  # nothing twice, nothing missed
    assert all(0 <= high - low < WEEK for low, high in slices)
    assert [high - low + 1 for low, high in slices[:-1]] == [WEEK] * 13


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.integers(min_value=0, max_value=400 * 86_400),
)
def test_slices_cover_any_period_exactly(start: datetime, seconds: int) -> None:
    end = start + timedelta(seconds=seconds)

    slices = contract.window_slices(start, end)

    covered = sum(high - low + 1 for low, high in slices)
    first, last = math.ceil(start.timestamp()), math.ceil(end.timestamp()) - 1
    assert covered == max(0, last - first + 1)
    assert len(slices) == math.ceil(covered / WEEK)
    for low, high in slices:
        assert contract.leads_query(low, high)  # each one a request the API accepts


def test_naive_dates_and_long_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        contract.window_slices(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="7 days"):
        contract.leads_query(0, WEEK)
    with pytest.raises(ValueError, match="limit"):
        contract.leads_query(0, 10, limit=101)


@pytest.mark.parametrize(
    ("link", "resolved"),
    [
        ("?minDate=1&maxDate=2&start=abc", BASE + "/leads?minDate=1&maxDate=2&start=abc"),
        ("/seeker-leads/v1/leads?start=abc", BASE + "/leads?start=abc"),
        (BASE + "/leads?start=abc", BASE + "/leads?start=abc"),
    ],
)
def test_links_next_is_followed_on_the_api(link: str, resolved: str) -> None:
    assert contract.next_page_url(BASE, link) == resolved


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/seeker-leads/v1/leads?start=abc",
        "https://api.aviv-group.com.evil.example/seeker-leads/v1/leads",
        "http://api.aviv-group.com/seeker-leads/v1/leads?start=abc",
        "https://api.aviv-group.com/other-api/v1/leads",
        "//evil.example/leads",
        "https://api.aviv-group.com/seeker-leads/v10/leads",
    ],
)
def test_links_next_elsewhere_is_never_followed(link: str) -> None:
    # The bearer token would go with the request.
    with pytest.raises(ContractViolation, match="leaves the API"):
        contract.next_page_url(BASE, link)


def test_a_206_without_links_next_is_malformed() -> None:
    with pytest.raises(ContractViolation, match=r"links\.next"):
        contract.parse_leads_page({"items": [], "links": {}}, 206, BASE)
    last = contract.parse_leads_page({"items": [], "links": {"next": "?start=x"}}, 200, BASE)
    assert last.next_url is None


LEAD = {
    "metadata": {
        "leadId": "7c2d3f1e-0000-4000-8000-000000000001",
        "ingestionDate": 1_767_225_600,
        "portal": "SLG-FRA",
        "leadCategory": "CLASSIFIED",
    }
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"leadCategory": "SELLER"}, "unknown leadCategory"),
        ({"ingestionDate": 1_767_225_600_000}, "Unix time in seconds"),
        ({"ingestionDate": "2026-01-01T00:00:00Z"}, "Unix seconds"),
        ({"leadId": None}, "leadId is required"),
        ({"leadId": "../../admin"}, "leadId"),
    ],
)
def test_a_lead_that_would_mislead_is_malformed(change: dict[str, object], message: str) -> None:
    with pytest.raises(ContractViolation, match=message):
        contract.parse_lead({"metadata": {**LEAD["metadata"], **change}})


def test_a_lead_with_only_its_metadata_is_read() -> None:
    lead = contract.parse_lead(LEAD)

    assert lead.metadata.lead_category is LeadCategory.CLASSIFIED
    assert lead.metadata.ingestion_date == datetime(2026, 1, 1, tzinfo=UTC)
    assert lead.contact.first_name is None and lead.property_info is None


def test_problems_keep_each_faulty_member() -> None:
    problem = contract.parse_problem(
        {
            "title": "Validation Error",
            "status": 400,
            "instance": "00-abc-def-01",
            "errors": [{"name": "maxDate", "reason": "the period is at most 7 days", "meta": {}}],
        },
        400,
    )

    assert problem.errors == (FieldError("maxDate", "the period is at most 7 days"),)
    assert contract.parse_problem("<html>", 502).status == 502


def test_the_token_request_is_json_with_the_audience() -> None:
    body = contract.token_body(
        client_id="id", client_secret="s", audience=BASE, intermediary_id="RC-1"
    )

    assert body == {
        "client_id": "id",
        "client_secret": "s",
        "grant_type": "client_credentials",
        "audience": BASE,
        "intermediary_id": "RC-1",
    }
    assert contract.default_token_url(BASE) == "https://auth.api.aviv-group.com/oauth/token"
    assert (
        contract.default_token_url("http://127.0.0.1:8000/seeker-sandbox/seeker-leads/v1")
        == "http://127.0.0.1:8000/seeker-sandbox/oauth/token"
    )


ALPHABET = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


@given(
    prefix=st.integers(min_value=0, max_value=99),
    rest=st.text(alphabet=ALPHABET, min_size=10, max_size=10),
)
def test_a_classified_id_and_its_number_are_one_to_one(prefix: int, rest: str) -> None:
    code = f"{prefix:02d}{rest}"

    number = classified_number(code)

    assert 0 <= number < 2**58  # a BigIntegerField, as our tables keep listings
    assert classified_code(number) == code


def test_other_ids_get_a_stable_number_outside_that_range() -> None:
    number = classified_number("3f2c9a1e-7b4d-4c6a-9e21-5d8f0b7a6c33")

    assert number == classified_number("3f2c9a1e-7b4d-4c6a-9e21-5d8f0b7a6c33")
    assert 2**60 <= number < 2**61
    assert classified_code(number) is None


def test_the_vocabulary_is_the_yaml_contracts() -> None:
    """The client's enums and limits are the ones the contract file states."""
    spec = yaml.safe_load(
        (Path(settings.BASE_DIR) / "docs/api/aviv-seeker-leads-v1.yaml").read_text(encoding="utf-8")
    )
    schemas = spec["components"]["schemas"]

    assert list(contract.PORTALS) == schemas["Portal"]["enum"]
    assert [c.value for c in LeadCategory] == schemas["LeadCategory"]["enum"]
    assert list(contract.SEEKER_INTENTIONS) == schemas["SeekerIntention"]["enum"]
    assert list(contract.ESTATE_TYPES) == schemas["EstateType"]["enum"]
    assert list(contract.DISTRIBUTION_TYPES) == schemas["DistributionType"]["enum"]
    assert spec["x-limits"]["maxWindowSeconds"] == contract.MAX_WINDOW_SECONDS
    assert spec["x-limits"]["pageSize"] == contract.PAGE_SIZE
    assert spec["x-limits"]["tokenLifetimeSeconds"] == contract.TOKEN_LIFETIME_SECONDS
    assert spec["x-limits"]["auditLimitMax"] == contract.AUDIT_LIMIT_MAX
    assert contract.LEADS_PATH in spec["paths"]
    assert contract.LEAD_PATH.replace("{lead_id}", "{leadId}") in spec["paths"]
    assert (
        contract.SUBSCRIPTION_AUDIT_PATH.replace("{subscription_id}", "{subscriptionId}")
        in spec["paths"]
    )
    assert (
        contract.CLASSIFIED_ID_PATTERN.pattern
        == (schemas["Property"]["properties"]["classifiedId"]["pattern"])
    )
