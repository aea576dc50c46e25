"""Bearer checks on every API route: 401 without a valid token, 403 without the scope, 404 for
a lead that is not the client's."""

from __future__ import annotations

import jwt
import pytest

from leadsportal.sandbox.state import data_for

from .conftest import LYON, PARIS, SandboxApi, criteria

ROUTES = [
    ("POST", "/v2/leads/search"),
    ("POST", "/v2/classifieds/leads/search"),
    ("POST", "/v2/agencies/leads/search"),
    ("POST", "/v2/sellers/leads/search"),
    ("POST", "/v2/propertysearches/leads/search"),
    ("POST", "/v2/classifieds/123456789/leads"),
    ("GET", "/v2/leads/2f1c7a9e-4b0d-4c1e-9a57-0c6b1d2e3f40"),
]


def _call(api: SandboxApi, method: str, path: str, headers: dict[str, str]):
    body = {"SearchCriteria": criteria()}
    return api.session.request(method, api.url(path), json=body, headers=headers, timeout=10)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_it_requires_a_bearer_token_on_every_route(api: SandboxApi, method: str, path: str) -> None:
    response = _call(api, method, path, {})

    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_it_refuses_a_token_without_the_scope_on_every_route(
    api: SandboxApi, sandbox, method: str, path: str
) -> None:
    token = sandbox.issue_token(PARIS, scope="")

    response = _call(api, method, path, {"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert "laas:leads:get" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer not-a-jwt", "Basic YWdlbmNlOnNlY3JldA==", "Token abc"],
)
def test_it_rejects_a_malformed_authorization(api: SandboxApi, authorization: str) -> None:
    response = _call(api, "POST", "/v2/leads/search", {"Authorization": authorization})

    assert response.status_code == 401


def test_it_rejects_a_token_signed_with_another_key(api: SandboxApi) -> None:
    claims = jwt.decode(api.token(PARIS), options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-of-at-least-32-bytes-long", algorithm="HS256")

    response = _call(api, "POST", "/v2/leads/search", {"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    assert response.json()["detail"] == "The access token is invalid."


def test_it_rejects_an_expired_token(api: SandboxApi, sandbox) -> None:
    expired = sandbox.issue_token(PARIS, ttl=-60)

    response = _call(api, "POST", "/v2/leads/search", {"Authorization": f"Bearer {expired}"})

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_it_accepts_a_token_issued_by_the_endpoint(api: SandboxApi) -> None:
    response = api.post("/v2/leads/search", {"SearchCriteria": criteria()})

    assert response.status_code == 200


def test_it_answers_404_for_a_lead_of_another_client_without_its_data(api: SandboxApi) -> None:
    lyon_row = data_for(LYON).rows[-1]
    lyon_lead = data_for(LYON).render(lyon_row)

    response = api.get(f"/v2/leads/{lyon_row.lead_id}", client_id=PARIS)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert lyon_lead["leadMetaInfos"]["creationDate"] not in response.text
    contact = lyon_lead["contactRequest"]
    for value in (contact["lastName"], contact["email"], contact["message"]):
        if value:
            assert value not in response.text
    # The owner sees it.
    assert api.get(f"/v2/leads/{lyon_row.lead_id}", client_id=LYON).status_code == 200


def test_it_answers_404_for_an_unknown_lead(api: SandboxApi) -> None:
    response = api.get("/v2/leads/00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_it_counts_requests_per_client_and_route(api: SandboxApi, sandbox) -> None:
    api.post("/v2/leads/search", {"SearchCriteria": criteria()})
    api.post("/v2/leads/search", {"SearchCriteria": criteria()})
    api.post("/v2/sellers/leads/search", {"SearchCriteria": criteria()}, client_id=LYON)
    _call(api, "POST", "/v2/leads/search", {})

    assert sandbox.api_requests(PARIS, "searchLeads") == 2
    assert sandbox.api_requests(LYON) == 1
    assert sandbox.api_requests(LYON, "searchSellerLeads") == 1
    assert sandbox.api_requests() == 3
    assert sandbox.stats()["unauthenticated_requests"] == 1


def test_it_answers_405_for_the_wrong_method(api: SandboxApi) -> None:
    response = api.get("/v2/leads/search")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
