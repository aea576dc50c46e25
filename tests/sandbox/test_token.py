"""POST /sandbox/oauth/token: client credentials, RFC 6749 errors, JWT claims."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from .conftest import LYON, PARIS, SandboxApi


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_it_issues_a_jwt_to_a_client_authenticated_by_http_basic(api: SandboxApi, sandbox) -> None:
    response = api.request_token(PARIS)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == sandbox.token_ttl == 3600
    assert body["scope"] == "laas:leads:get"
    claims = _claims(body["access_token"])
    assert claims["sub"] == PARIS
    assert claims["scope"] == "laas:leads:get"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"


def test_it_issues_a_jwt_to_a_client_authenticated_by_form_fields(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": LYON,
            "client_secret": "lyon-demo-secret",
            "scope": "laas:leads:get",
        },
        timeout=10,
    )

    assert response.status_code == 200
    assert _claims(response.json()["access_token"])["sub"] == LYON


def test_it_accepts_the_same_credentials_in_basic_and_form(api: SandboxApi) -> None:
    response = api.request_token(PARIS, client_id=PARIS)

    assert response.status_code == 200


def test_it_refuses_different_credentials_in_basic_and_form(api: SandboxApi) -> None:
    response = api.request_token(PARIS, client_id=LYON)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(PARIS, "wrong-secret"), ("agence-inconnue", "paris-demo-secret"), (PARIS, "")],
)
def test_it_rejects_a_bad_client_with_401_invalid_client(
    api: SandboxApi, client_id: str, secret: str
) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_it_rejects_a_request_without_credentials(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"), data={"grant_type": "client_credentials"}, timeout=10
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_rejects_garbage_basic_credentials(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic !!!not-base64"},
        timeout=10,
    )

    assert response.status_code == 401


def test_it_decodes_form_encoded_basic_credentials(api: SandboxApi) -> None:
    # RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    encoded = base64.b64encode(b"agence-paris-demo:paris-demo-secret").decode()
    response = api.session.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {encoded}"},
        timeout=10,
    )

    assert response.status_code == 200


def test_it_rejects_a_missing_grant_type_with_invalid_request(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data={"scope": "laas:leads:get"},
        auth=(PARIS, "paris-demo-secret"),
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_rejects_another_grant_type(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data={"grant_type": "password"},
        auth=(PARIS, "paris-demo-secret"),
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("scope", ["laas:leads:write", "laas:leads:get admin"])
def test_it_rejects_an_unknown_scope(api: SandboxApi, scope: str) -> None:
    response = api.request_token(PARIS, scope=scope)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("scope", ["", "   "])
def test_it_gives_the_default_scope_to_an_empty_scope(api: SandboxApi, scope: str) -> None:
    response = api.request_token(PARIS, scope=scope)

    assert response.status_code == 200
    assert response.json()["scope"] == "laas:leads:get"


def test_it_wants_a_form_body(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/oauth/token"),
        data=json.dumps({"grant_type": "client_credentials"}),
        headers={"Content-Type": "application/json"},
        auth=(PARIS, "paris-demo-secret"),
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_counts_token_requests_per_client(api: SandboxApi, sandbox) -> None:
    api.request_token(PARIS)
    api.request_token(PARIS)
    api.request_token(LYON)
    api.request_token(PARIS, scope="nope")

    assert sandbox.token_requests(PARIS) == 3
    assert sandbox.tokens_issued(PARIS) == 2
    assert sandbox.token_requests(LYON) == 1
    assert sandbox.token_requests() == 4


def test_it_issues_tokens_for_the_ttl_knob(api: SandboxApi, sandbox) -> None:
    sandbox.token_ttl = 5

    body = api.request_token(PARIS).json()

    assert body["expires_in"] == 5
    claims = _claims(body["access_token"])
    assert claims["exp"] - claims["iat"] == 5
