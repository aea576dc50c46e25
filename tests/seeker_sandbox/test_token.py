"""The Seeker sandbox's identity provider and its checks: JSON body, audience, User-Agent,
24-hour tokens, and the count AVIV's review looks at (tokens asked while one still lived)."""

from __future__ import annotations

from typing import Any

import jwt

from .conftest import BORDEAUX, NANTES, SeekerApi


def test_a_json_body_gets_a_24_hour_bearer_token(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    response = seeker_api.request_token(intermediary_id="RC-000001")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86_400
    assert "no-store" in response.headers["Cache-Control"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == BORDEAUX
    assert claims["exp"] - claims["iat"] == 86_400


def test_a_form_body_is_refused(seeker_api: SeekerApi) -> None:
    response = seeker_api.session.post(
        seeker_api.root + "/oauth/token",
        data={"client_id": BORDEAUX, "client_secret": "bordeaux-demo-secret"},
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_secret_unknown_client_and_other_audience(seeker_api: SeekerApi) -> None:
    assert seeker_api.request_token(client_secret="nope").status_code == 401
    assert seeker_api.request_token("agence-inconnue").status_code == 401
    other = seeker_api.request_token(audience="https://api.aviv-group.com/caas/v4")
    assert other.status_code == 403
    assert other.json()["error"] == "access_denied"
    assert seeker_api.request_token(audience="").status_code == 403


def test_requests_without_a_user_agent_are_blocked(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    token = seeker_api.token()
    headers = {"User-Agent": ""}

    api_call = seeker_api.get(
        "/leads", token=token, headers=headers, params={"minDate": 0, "maxDate": 1}
    )
    token_call = seeker_api.session.post(
        seeker_api.root + "/oauth/token", json={}, headers=headers, timeout=10
    )

    assert api_call.status_code == token_call.status_code == 403
    assert "User-Agent" in api_call.json()["detail"]
    assert seeker_sandbox.requests_without_user_agent() == 2
    assert seeker_sandbox.api_requests(BORDEAUX) == 0  # blocked before anything else


def test_asking_again_while_a_token_lives_is_counted(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    assert seeker_api.request_token().status_code == 200
    assert seeker_api.request_token(NANTES).status_code == 200
    assert seeker_sandbox.premature_tokens(BORDEAUX) == 0

    assert seeker_api.request_token().status_code == 200

    assert seeker_sandbox.premature_tokens(BORDEAUX) == 1
    assert seeker_sandbox.premature_tokens(NANTES) == 0
    assert seeker_sandbox.token_requests(BORDEAUX) == 2


def test_tokens_are_checked(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    expired = seeker_sandbox.issue_token(BORDEAUX, ttl=-10)
    scopeless = seeker_sandbox.issue_token(BORDEAUX, scope="")
    params = {"minDate": 0, "maxDate": 1}

    assert seeker_api.get("/leads", token=expired, params=params).status_code == 401
    assert seeker_api.get("/leads", token="abc.def.ghi", params=params).status_code == 401
    refused = seeker_api.get("/leads", token=scopeless, params=params)
    assert refused.status_code == 403
    assert "scope" in refused.json()["detail"]  # what tells a client to take a new token
