"""Latency and fault injection: the knobs that let the client's timeouts and retries be tested."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import PARIS, SandboxApi, criteria

BODY = {"SearchCriteria": criteria(days_back=3, length_days=1)}


def test_it_adds_latency_to_api_and_token_requests(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.latency_ms = 300

    started = time.monotonic()
    assert api.post("/v2/leads/search", BODY).status_code == 200
    api_elapsed = time.monotonic() - started
    started = time.monotonic()
    assert api.request_token(PARIS).status_code == 200
    token_elapsed = time.monotonic() - started

    assert api_elapsed >= 0.3
    assert token_elapsed >= 0.3


def test_it_answers_500_problems_in_error500_mode(api: SandboxApi, sandbox) -> None:
    sandbox.configure(fault_rate=1.0, fault_mode="error500")

    response = api.post("/v2/leads/search", BODY)

    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 500


def test_it_answers_503_with_retry_after_in_unavailable503_mode(api: SandboxApi, sandbox) -> None:
    sandbox.configure(fault_rate=1.0, fault_mode="unavailable503")

    response = api.get("/v2/leads/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


def test_it_answers_malformed_json_in_malformed_mode(api: SandboxApi, sandbox) -> None:
    sandbox.configure(fault_rate=1.0, fault_mode="malformed")

    response = api.post("/v2/leads/search", BODY)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_it_holds_the_request_past_the_read_timeout_in_stall_mode(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.configure(fault_rate=1.0, fault_mode="stall")
    assert sandbox.stall_seconds == 15.0

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post("/v2/leads/search", BODY, timeout=0.5)
    # The fixture's reset wakes the stalled server thread.


def test_a_short_stall_answers_normally_afterwards(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.configure(fault_rate=1.0, fault_mode="stall", stall_seconds=0.2)

    started = time.monotonic()
    response = api.post("/v2/leads/search", BODY)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_it_faults_exactly_the_next_n_requests(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.configure(fault_next=2, fault_mode="unavailable503")

    statuses = [api.post("/v2/leads/search", BODY).status_code for _ in range(4)]

    assert statuses == [503, 503, 200, 200]
    assert sandbox.fault_next == 0


def test_it_can_let_requests_through_before_the_faults(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.configure(fault_after=2, fault_next=2, fault_mode="unavailable503")

    statuses = [api.post("/v2/leads/search", BODY).status_code for _ in range(5)]

    assert statuses == [200, 200, 503, 503, 200]
    assert sandbox.fault_after == 0 and sandbox.fault_next == 0


def test_random_faults_are_counted_by_kind(api: SandboxApi, sandbox) -> None:
    api.token(PARIS)
    sandbox.configure(fault_rate=1.0, stall_seconds=0.0)

    statuses = [api.post("/v2/leads/search", BODY).status_code for _ in range(30)]

    faults = sandbox.stats()["faults"]
    assert sum(faults.values()) == 30
    assert set(faults) <= {"error500", "stall", "malformed"}
    assert len(faults) >= 2
    assert statuses.count(500) == faults.get("error500", 0)


def test_no_fault_without_a_fault_rate(api: SandboxApi, sandbox) -> None:
    sandbox.fault_mode = "error500"

    assert api.post("/v2/leads/search", BODY).status_code == 200


def test_the_token_endpoint_never_faults(api: SandboxApi, sandbox) -> None:
    sandbox.configure(fault_rate=1.0, fault_mode="error500")

    assert api.request_token(PARIS).status_code == 200


@pytest.mark.parametrize(
    ("knob", "value"),
    [
        ("fault_mode", "explode"),
        ("fault_rate", 1.5),
        ("latency_ms", -1),
        ("rate_limit", 0),
        ("token_ttl", "soon"),
        ("stall_seconds", -2),
    ],
)
def test_it_refuses_a_bad_knob_value(sandbox, knob: str, value: object) -> None:
    before = sandbox.knobs

    with pytest.raises(ValueError, match=knob):
        setattr(sandbox, knob, value)
    assert sandbox.knobs == before
