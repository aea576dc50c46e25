"""The Seeker sandbox's control endpoints, as benchmarks and browser tests drive them over HTTP."""

from __future__ import annotations

from typing import Any

import requests

from .conftest import BORDEAUX, SeekerApi, WebhookReceiver


def control(api: SeekerApi, path: str = "", **body: Any) -> requests.Response:
    return api.session.post(api.root + "/_control" + path, json=body, timeout=10)


def test_knobs_are_set_and_reset(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    response = control(seeker_api, latency_ms=5, rate_limit=3, fault_mode="stall")
    assert response.status_code == 200
    assert response.json()["knobs"]["rate_limit"] == 3

    assert control(seeker_api, rate_limit=0).status_code == 400
    assert control(seeker_api, reset=True).json()["knobs"]["latency_ms"] == 0
    assert control(seeker_api, surprise=1).json()["error"] == "Unknown sandbox knob 'surprise'."


def test_adding_a_lead_calls_the_webhooks(
    seeker_api: SeekerApi, seeker_sandbox: Any, webhook_receiver: WebhookReceiver
) -> None:
    seeker_api.call(
        "POST",
        "/webhook/subscriptions",
        json={"url": webhook_receiver.url, "apiKey": "k", "status": "ACTIVE"},
    )

    response = control(
        seeker_api, "/leads", client_id=BORDEAUX, leadCategory="CALL_TRACKING", portal="SLG-FRA"
    )

    assert response.status_code == 201, response.text
    lead_id = response.json()["leadId"]
    assert response.json()["webhooks"] == 1
    assert webhook_receiver.next_call().body["leadId"] == lead_id
    lead = seeker_api.get(f"/leads/{lead_id}").json()
    assert lead["metadata"]["leadCategory"] == "CALL_TRACKING"
    assert lead["metadata"]["portal"] == "SLG-FRA"


def test_bad_control_requests_say_why(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    assert control(seeker_api, "/leads", client_id="inconnue").status_code == 400
    assert (
        control(seeker_api, "/leads", client_id=BORDEAUX, leadCategory="SELLER").status_code == 400
    )
    assert (
        control(seeker_api, "/leads", client_id=BORDEAUX, ingestionDate="hier").status_code == 400
    )
    assert control(seeker_api, "/erase", client_id=BORDEAUX, leadId="nope").status_code == 400
    assert seeker_api.session.get(seeker_api.root + "/_control", timeout=10).status_code == 405


def test_erase_and_stats(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    lead_id = control(seeker_api, "/leads", client_id=BORDEAUX, leadCategory="AGENCY").json()[
        "leadId"
    ]

    assert control(seeker_api, "/erase", client_id=BORDEAUX, leadId=lead_id).status_code == 200

    contact = seeker_api.get(f"/leads/{lead_id}").json()["contactRequest"]
    assert contact["firstName"] is None and contact["phoneNumbers"] == []
    stats = seeker_api.session.get(seeker_api.root + "/_control/stats", timeout=10).json()
    assert stats["added_leads"] == {BORDEAUX: 1}
    assert stats["token_requests"] == {BORDEAUX: 1}
    assert stats["requests_without_user_agent"] == 0


def test_a_token_for_any_scope(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    token = control(seeker_api, "/token", client_id=BORDEAUX, scope="").json()["access_token"]

    response = seeker_api.get("/leads", token=token, params={"minDate": 0, "maxDate": 1})

    assert response.status_code == 403
    assert seeker_sandbox.token_requests() == 0
