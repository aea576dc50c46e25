"""Contract conformance: the sandbox's responses validate against the GSL Leads API v2 YAML.

The contract lives in ../shared/api/gsl-leads-v2.yaml next to the project; docs/api/ holds a copy
so a clean clone can run this test. The spec's server base is a template ({base}); it is set to
the live sandbox URL so that openapi-core matches the request paths.
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

from leadsportal.sandbox.data import ANCHOR
from leadsportal.sandbox.state import data_for

from .conftest import LYON, PARIS, SEARCH_ROUTES, SandboxApi, criteria, iso

SPEC_COPY = Path(settings.BASE_DIR) / "docs/api/gsl-leads-v2.yaml"
SHARED_SPEC = Path(settings.BASE_DIR).parent / "shared/api/gsl-leads-v2.yaml"


@pytest.fixture(scope="module")
def openapi(sandbox_server: Any) -> OpenAPI:
    spec = yaml.safe_load(SPEC_COPY.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": sandbox_server.sandbox_url}]
    # openapi-core knows application/json but not RFC 7807's application/problem+json.
    config = Config(extra_media_type_deserializers={"application/problem+json": json_loads})
    return OpenAPI.from_dict(spec, config=config)


def assert_conforms(openapi: OpenAPI, response: requests.Response) -> None:
    openapi.validate_response(
        RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
    )


class PinnedClock:
    def __call__(self) -> float:
        return 1_000.0


def _listing_id() -> int:
    data = data_for(PARIS)
    return max(data.by_classified, key=lambda cid: len(data.by_classified[cid]))


def _lead_id() -> str:
    return data_for(PARIS).rows[-1].lead_id


def _rate_limited(
    call: Callable[[SandboxApi], requests.Response],
) -> Callable[[SandboxApi, Any], requests.Response]:
    def run(api: SandboxApi, sandbox: Any) -> requests.Response:
        api.token(PARIS)
        sandbox.clock = PinnedClock()
        sandbox.rate_limit = 1
        call(api)
        return call(api)

    return run


def _scopeless(method: str, path: str) -> Callable[[SandboxApi, Any], requests.Response]:
    def run(api: SandboxApi, sandbox: Any) -> requests.Response:
        token = sandbox.issue_token(PARIS, scope="")
        return api.session.request(
            method, api.url(path), json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    return run


def _anonymous(method: str, path: str) -> Callable[[SandboxApi, Any], requests.Response]:
    def run(api: SandboxApi, sandbox: Any) -> requests.Response:
        return api.session.request(method, api.url(path), json={}, timeout=10)

    return run


def _search_case(path: str, body: Any) -> Callable[[SandboxApi, Any], requests.Response]:
    return lambda api, sandbox: api.post(path, body)


GOOD_SEARCH = {
    "SearchCriteria": criteria(days_back=60, length_days=60),
    "Pagination": {"PageSize": 100},
}
BAD_SEARCH = {
    "SearchCriteria": {"StartDate": "hier", "Portals": ["XXX"]},
    "Pagination": {"PageSize": 0},
}

CASES: dict[str, tuple[Callable[[SandboxApi, Any], requests.Response], int]] = {}
for _path in SEARCH_ROUTES:
    CASES[f"{_path} 200"] = (_search_case(_path, GOOD_SEARCH), 200)
    CASES[f"{_path} 400"] = (_search_case(_path, BAD_SEARCH), 400)
    CASES[f"{_path} 401"] = (_anonymous("POST", _path), 401)
    CASES[f"{_path} 403"] = (_scopeless("POST", _path), 403)
    CASES[f"{_path} 429"] = (_rate_limited(lambda api, p=_path: api.post(p, GOOD_SEARCH)), 429)
CASES.update(
    {
        "classified leads 200": (
            lambda api, sandbox: api.post(
                f"/v2/classifieds/{_listing_id()}/leads", {"Pagination": {"PageSize": 100}}
            ),
            200,
        ),
        "classified leads 200 without body": (
            lambda api, sandbox: api.session.post(
                api.url(f"/v2/classifieds/{_listing_id()}/leads"),
                headers={"Authorization": f"Bearer {api.token()}"},
                timeout=10,
            ),
            200,
        ),
        "classified leads 400": (
            lambda api, sandbox: api.post("/v2/classifieds/abc/leads", {}),
            400,
        ),
        "classified leads 401": (_anonymous("POST", "/v2/classifieds/1/leads"), 401),
        "classified leads 403": (_scopeless("POST", "/v2/classifieds/1/leads"), 403),
        "classified leads 429": (
            _rate_limited(lambda api: api.post("/v2/classifieds/1/leads", {})),
            429,
        ),
        "lead 200": (lambda api, sandbox: api.get(f"/v2/leads/{_lead_id()}"), 200),
        "lead 401": (_anonymous("GET", "/v2/leads/abc"), 401),
        "lead 403": (_scopeless("GET", "/v2/leads/abc"), 403),
        "lead 404 unknown": (lambda api, sandbox: api.get("/v2/leads/abc"), 404),
        "lead 404 other client": (
            lambda api, sandbox: api.get(f"/v2/leads/{_lead_id()}", client_id=LYON),
            404,
        ),
        "lead 429": (_rate_limited(lambda api: api.get(f"/v2/leads/{_lead_id()}")), 429),
        "token 200": (lambda api, sandbox: api.request_token(PARIS), 200),
        "token 400 grant": (
            lambda api, sandbox: api.request_token(PARIS, grant_type="password"),
            400,
        ),
        "token 400 scope": (lambda api, sandbox: api.request_token(PARIS, scope="admin"), 400),
        "token 401": (lambda api, sandbox: api.request_token("agence-inconnue"), 401),
    }
)


@pytest.mark.parametrize("case", list(CASES))
def test_each_response_conforms_to_the_contract(
    api: SandboxApi, sandbox: Any, openapi: OpenAPI, case: str
) -> None:
    call, status = CASES[case]

    response = call(api, sandbox)

    assert response.status_code == status, response.text
    assert_conforms(openapi, response)


def test_every_generated_lead_conforms_to_the_contract(api: SandboxApi, openapi: OpenAPI) -> None:
    # All 2,000 leads of a client (every type, GDPR-erased contacts, tricky messages), by pages.
    start, end = ANCHOR - timedelta(days=121), ANCHOR
    windows = [(start, start + timedelta(days=61)), (start + timedelta(days=61), end)]
    seen = 0
    for window_start, window_end in windows:
        page_index = 1
        while True:
            body = {
                "SearchCriteria": {"StartDate": iso(window_start), "EndDate": iso(window_end)},
                "Pagination": {"PageIndex": page_index, "PageSize": 100},
            }
            response = api.post("/v2/leads/search", body)
            assert_conforms(openapi, response)
            leads = response.json()["Data"]["Leads"]
            if not leads:
                break
            seen += len(leads)
            page_index += 1
    assert seen == len(data_for(PARIS).rows)


def test_added_leads_conform_to_the_contract(
    api: SandboxApi, sandbox: Any, openapi: OpenAPI
) -> None:
    for lead_type in ("CLASSIFIED", "AGENCY", "SELLER", "PROPERTY_SEARCH"):
        lead_id = sandbox.add_lead(PARIS, lead_type)
        assert_conforms(openapi, api.get(f"/v2/leads/{lead_id}"))
    assert_conforms(openapi, api.post(f"/v2/classifieds/{123_456}/leads", {}))
    sandbox.add_lead(PARIS, "CLASSIFIED", classified_id=123_456)
    response = api.post(f"/v2/classifieds/{123_456}/leads", {})
    assert response.json()["Count"] == 1
    assert_conforms(openapi, response)


def test_the_repository_copy_of_the_contract_matches_the_shared_one() -> None:
    # In a clean clone only the copy exists; next to the shared contract they must not drift.
    if SHARED_SPEC.exists():
        assert SPEC_COPY.read_bytes() == SHARED_SPEC.read_bytes(), (
            "copy ../shared/api/gsl-leads-v2.yaml to docs/api/"
        )
    assert SPEC_COPY.exists()


def test_the_check_is_not_vacuous(api: SandboxApi, sandbox: Any, openapi: OpenAPI) -> None:
    # A lead with an unknown type and a problem without its status type must both be caught.
    response = api.get(f"/v2/leads/{_lead_id()}")
    response._content = response.content.replace(b'"leadType":"', b'"leadType":"X')
    with pytest.raises(OpenAPIError, match="InvalidData"):
        assert_conforms(openapi, response)

    problem = api.get("/v2/leads/abc")
    problem._content = problem.content.replace(b'"status":404', b'"status":"404"')
    with pytest.raises(OpenAPIError, match="InvalidData"):
        assert_conforms(openapi, problem)

    sandbox.configure(fault_rate=1.0, fault_mode="malformed")
    with pytest.raises(OpenAPIError, match="deserialize"):
        assert_conforms(openapi, api.post("/v2/leads/search", GOOD_SEARCH))
