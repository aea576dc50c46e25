"""Contract conformance: the Seeker sandbox's responses validate against docs/api/aviv-seeker-leads-v1.yaml.

The spec's servers are AVIV's; they are replaced by the live sandbox's URLs (the API's base,
and for /oauth/token the sandbox's identity provider) so that openapi-core matches the paths.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from django.conf import settings
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.exceptions import OpenAPIError
from openapi_schema_validator import OAS31Validator

from leadsportal.seeker_sandbox.data import ANCHOR, WINDOW_DAYS
from leadsportal.seeker_sandbox.state import data_for

from .conftest import BORDEAUX, NANTES, SeekerApi

SPEC = Path(settings.BASE_DIR) / "docs/api/aviv-seeker-leads-v1.yaml"
WEEK = 7 * 86_400
ANCHOR_TS = int(ANCHOR.timestamp())


def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def openapi(sandbox_server: Any) -> OpenAPI:
    spec = load_spec()
    root = sandbox_server.url + "/seeker-sandbox"
    spec["servers"] = [{"url": root + "/seeker-leads/v1"}]
    spec["paths"]["/oauth/token"]["servers"] = [{"url": root}]
    config = Config(extra_media_type_deserializers={"application/problem+json": json_loads})
    return OpenAPI.from_dict(spec, config=config)


def assert_conforms(openapi: OpenAPI, response: requests.Response) -> None:
    openapi.validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
    )


def busy_week() -> tuple[int, int]:
    """A 7-day window with more than a page of 100 leads (the busiest, from the sandbox's data)."""
    timestamps = data_for(BORDEAUX).timestamps
    weeks = [
        (ANCHOR_TS - (days + 7) * 86_400, ANCHOR_TS - days * 86_400 - 1) for days in range(110)
    ]
    best = max(weeks, key=lambda w: sum(1 for ts in timestamps if w[0] <= ts <= w[1]))
    assert sum(1 for ts in timestamps if best[0] <= ts <= best[1]) > 100
    return best


def last_hour_of_data() -> tuple[int, int]:
    """An hour that ends with the newest lead: one page, not empty."""
    newest = data_for(BORDEAUX).rows[-1].ts
    return newest - 3600, newest


def a_lead_id() -> str:
    return data_for(BORDEAUX).rows[-1].lead_id


def a_subscription(api: SeekerApi, receiver_url: str = "http://127.0.0.1:9/hook") -> str:
    response = api.call(
        "POST",
        "/webhook/subscriptions",
        json={"url": receiver_url, "apiKey": "k" * 32, "status": "ACTIVE"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["subscriptionId"])


class PinnedClock:
    def __call__(self) -> float:
        return 1_000.0


def _rate_limited(api: SeekerApi, sandbox: Any) -> requests.Response:
    api.token()
    sandbox.clock = PinnedClock()
    sandbox.configure(rate_limit=1)
    api.leads(*busy_week())
    return api.leads(*busy_week())


def _fault(mode: str) -> Callable[[SeekerApi, Any], requests.Response]:
    def run(api: SeekerApi, sandbox: Any) -> requests.Response:
        api.token()
        sandbox.configure(fault_next=1, fault_mode=mode)
        return api.leads(*busy_week())

    return run


def _scopeless(api: SeekerApi, sandbox: Any) -> requests.Response:
    return api.leads(*busy_week(), token=sandbox.issue_token(BORDEAUX, scope=""))


def _anonymous(method: str, path: str) -> Callable[[SeekerApi, Any], requests.Response]:
    return lambda api, sandbox: api.session.request(method, api.base + path, timeout=10)


def _without_user_agent(api: SeekerApi, sandbox: Any) -> requests.Response:
    return api.get("/leads", headers={"User-Agent": ""}, params={"minDate": 1, "maxDate": 2})


def _second_page(api: SeekerApi, sandbox: Any) -> requests.Response:
    first = api.leads(*busy_week(), limit=100)
    assert first.status_code == 206
    return api.get(first.json()["links"]["next"])


CASES: dict[str, tuple[Callable[[SeekerApi, Any], requests.Response], int]] = {
    "token 200": (lambda api, sandbox: api.request_token(), 200),
    "token 400 form body": (
        lambda api, sandbox: api.session.post(
            api.root + "/oauth/token", data={"client_id": BORDEAUX}, timeout=10
        ),
        400,
    ),
    "token 400 grant": (lambda api, sandbox: api.request_token(grant_type="password"), 400),
    "token 401": (lambda api, sandbox: api.request_token("agence-inconnue"), 401),
    "token 403 audience": (
        lambda api, sandbox: api.request_token(audience="https://api.example/other"),
        403,
    ),
    "token 403 without User-Agent": (
        lambda api, sandbox: api.session.post(
            api.root + "/oauth/token", json={}, headers={"User-Agent": ""}, timeout=10
        ),
        403,
    ),
    "leads 206": (lambda api, sandbox: api.leads(*busy_week(), limit=100), 206),
    "leads 206 then next": (_second_page, 200),
    "leads 200": (lambda api, sandbox: api.leads(*last_hour_of_data(), limit=100), 200),
    "leads 404": (lambda api, sandbox: api.leads(1_000_000, 1_000_100), 404),
    "leads 400 window": (lambda api, sandbox: api.leads(0, WEEK + 1), 400),
    "leads 400 cursor": (lambda api, sandbox: api.leads(0, 10, start="nope"), 400),
    "leads 400 missing": (lambda api, sandbox: api.get("/leads"), 400),
    "leads 401": (_anonymous("GET", "/leads?minDate=1&maxDate=2"), 401),
    "leads 403 scope": (_scopeless, 403),
    "leads 403 without User-Agent": (_without_user_agent, 403),
    "leads 429": (_rate_limited, 429),
    "leads 500": (_fault("error500"), 500),
    "leads 503": (_fault("unavailable503"), 503),
    "create lead 201": (
        lambda api, sandbox: api.call(
            "POST", "/leads", json={"metadata": {"leadCategory": "CALL_TRACKING"}}
        ),
        201,
    ),
    "create lead 400": (
        lambda api, sandbox: api.call("POST", "/leads", json={"metadata": {"leadId": "x"}}),
        400,
    ),
    "lead 200": (lambda api, sandbox: api.get(f"/leads/{a_lead_id()}"), 200),
    "lead 404 unknown": (lambda api, sandbox: api.get("/leads/nope"), 404),
    "lead 404 other client": (
        lambda api, sandbox: api.get(f"/leads/{a_lead_id()}", client=NANTES),
        404,
    ),
    "lead 401": (_anonymous("GET", "/leads/abc"), 401),
    "subscription 201": (
        lambda api, sandbox: api.call(
            "POST",
            "/webhook/subscriptions",
            json={"url": "http://127.0.0.1:9/h", "apiKey": "secret-key", "status": "ACTIVE"},
        ),
        201,
    ),
    "subscription 400": (
        lambda api, sandbox: api.call(
            "POST",
            "/webhook/subscriptions",
            json={"url": "https://elsewhere.example/h", "apiKey": "", "status": "ON"},
        ),
        400,
    ),
    "subscription put 200": (
        lambda api, sandbox: api.call(
            "PUT",
            f"/webhook/subscriptions/{a_subscription(api)}",
            json={"url": "http://localhost:9/h", "apiKey": "other", "status": "INACTIVE"},
        ),
        200,
    ),
    "subscription put 404": (
        lambda api, sandbox: api.call(
            "PUT",
            "/webhook/subscriptions/unknown",
            json={"url": "http://localhost:9/h", "apiKey": "other", "status": "INACTIVE"},
        ),
        404,
    ),
    "subscription delete 204": (
        lambda api, sandbox: api.call("DELETE", f"/webhook/subscriptions/{a_subscription(api)}"),
        204,
    ),
    "subscription delete 404": (
        lambda api, sandbox: api.call("DELETE", "/webhook/subscriptions/unknown"),
        404,
    ),
    "audit 200": (
        lambda api, sandbox: api.get(f"/webhook/subscriptions/{a_subscription(api)}/audit"),
        200,
    ),
    "audit 400": (
        lambda api, sandbox: api.get(
            f"/webhook/subscriptions/{a_subscription(api)}/audit", params={"limit": 101}
        ),
        400,
    ),
    "audit 404": (lambda api, sandbox: api.get("/webhook/subscriptions/unknown/audit"), 404),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_response_conforms_to_the_contract(
    seeker_api: SeekerApi, seeker_sandbox: Any, openapi: OpenAPI, case: str
) -> None:
    call, status = CASES[case]

    response = call(seeker_api, seeker_sandbox)

    assert response.status_code == status, response.text[:500]
    assert_conforms(openapi, response)
    assert response.headers.get("traceparent", "").startswith("00-")


def test_every_generated_lead_conforms_to_the_contract(
    seeker_api: SeekerApi, openapi: OpenAPI
) -> None:
    # All 2,000 leads of a client (every category, erased contacts, tracked calls), by windows
    # of 7 days and pages of 100, following links.next as a client does.
    seen: list[str] = []
    low = ANCHOR_TS - (WINDOW_DAYS + 1) * 86_400
    while low < ANCHOR_TS:
        response = seeker_api.leads(low, min(low + WEEK - 1, ANCHOR_TS), limit=100)
        while True:
            assert_conforms(openapi, response)
            if response.status_code == 404:
                break
            seen.extend(item["metadata"]["leadId"] for item in response.json()["items"])
            if response.status_code == 200:
                break
            response = seeker_api.get(response.json()["links"]["next"])
        low += WEEK
    assert len(seen) == len(set(seen)) == len(data_for(BORDEAUX).rows)


def test_added_and_erased_leads_conform_to_the_contract(
    seeker_api: SeekerApi, seeker_sandbox: Any, openapi: OpenAPI
) -> None:
    for category in ("CLASSIFIED", "AGENCY", "PROPERTY_SEARCH", "CALL_TRACKING"):
        lead_id = seeker_sandbox.add_lead(BORDEAUX, category)
        assert_conforms(openapi, seeker_api.get(f"/leads/{lead_id}"))
        seeker_sandbox.erase_contact(BORDEAUX, lead_id)
        assert_conforms(openapi, seeker_api.get(f"/leads/{lead_id}"))


def test_a_webhook_call_follows_the_contract(
    seeker_api: SeekerApi, seeker_sandbox: Any, webhook_receiver: Any
) -> None:
    a_subscription(seeker_api, webhook_receiver.url)
    seeker_sandbox.add_lead(BORDEAUX, "AGENCY")

    call = webhook_receiver.next_call()

    webhook = load_spec()["webhooks"]["newLead"]["post"]
    schema = webhook["requestBody"]["content"]["application/json"]["schema"]
    OAS31Validator(schema).validate(call.body)
    assert call.headers["X-Api-Key"] == "k" * 32


def test_the_check_is_not_vacuous(
    seeker_api: SeekerApi, seeker_sandbox: Any, openapi: OpenAPI
) -> None:
    # A lead with an unknown category, a date as text and a broken problem are all caught.
    response = seeker_api.get(f"/leads/{a_lead_id()}")
    response._content = response.content.replace(b'"leadCategory":"', b'"leadCategory":"X')
    with pytest.raises(OpenAPIError, match="InvalidData"):
        assert_conforms(openapi, response)

    response = seeker_api.get(f"/leads/{a_lead_id()}")
    ts = str(response.json()["metadata"]["ingestionDate"]).encode()
    response._content = response.content.replace(b":" + ts + b",", b':"' + ts + b'",', 1)
    with pytest.raises(OpenAPIError, match="InvalidData"):
        assert_conforms(openapi, response)

    problem = seeker_api.get("/leads/nope")
    problem._content = problem.content.replace(b'"status":404', b'"status":"404"')
    with pytest.raises(OpenAPIError, match="InvalidData"):
        assert_conforms(openapi, problem)

    seeker_sandbox.configure(fault_next=1, fault_mode="malformed")
    with pytest.raises(OpenAPIError, match="deserialize"):
        assert_conforms(openapi, seeker_api.get(f"/leads/{a_lead_id()}"))


def test_the_spec_marks_what_the_notes_do_not_say() -> None:
    # Every x-inferred part says why.
    def walk(node: Any) -> list[Any]:
        found = []
        if isinstance(node, dict):
            if node.get("x-inferred") is True:
                found.append(node)
            for value in node.values():
                found.extend(walk(value))
        elif isinstance(node, list):
            for value in node:
                found.extend(walk(value))
        return found

    inferred = walk(load_spec())
    assert len(inferred) > 10
    assert all(str(node.get("x-inferred-why", "")).strip() for node in inferred)


def test_the_window_limit_is_seven_days() -> None:
    assert load_spec()["x-limits"]["maxWindowSeconds"] == timedelta(days=7).total_seconds()
