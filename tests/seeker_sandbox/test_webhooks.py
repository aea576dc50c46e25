"""Webhook subscriptions of the Seeker sandbox, and its calls to the subscribed URLs."""

from __future__ import annotations

import queue
from typing import Any

import pytest

from .conftest import BORDEAUX, NANTES, SeekerApi, WebhookReceiver


def subscribe(
    api: SeekerApi,
    url: str,
    *,
    key: str = "cle-agence-42",
    status: str = "ACTIVE",
    client: str = BORDEAUX,
) -> dict[str, Any]:
    response = api.call(
        "POST",
        "/webhook/subscriptions",
        json={"url": url, "apiKey": key, "status": status},
        client=client,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_new_lead_is_posted_to_each_active_subscription(
    seeker_api: SeekerApi, seeker_sandbox: Any, webhook_receiver: WebhookReceiver
) -> None:
    subscription = subscribe(seeker_api, webhook_receiver.url)
    subscribe(seeker_api, webhook_receiver.url + "/off", status="INACTIVE")
    subscribe(seeker_api, webhook_receiver.url + "/nantes", client=NANTES)

    lead_id = seeker_sandbox.add_lead(BORDEAUX, "CLASSIFIED")
    call = webhook_receiver.next_call()

    assert call.path == "/hooks/aviv"
    assert call.headers["X-Api-Key"] == "cle-agence-42"
    assert call.body["leadId"] == lead_id
    assert call.body["subscriptionId"] == subscription["subscriptionId"]
    assert seeker_sandbox.join_deliveries()
    with pytest.raises(queue.Empty):  # neither the inactive one nor another client's
        webhook_receiver.calls.get_nowait()


def test_the_audit_tells_successes_and_failures_newest_first(
    seeker_api: SeekerApi, seeker_sandbox: Any, webhook_receiver: WebhookReceiver
) -> None:
    subscription = subscribe(seeker_api, webhook_receiver.url)
    audit_path = f"/webhook/subscriptions/{subscription['subscriptionId']}/audit"
    assert seeker_api.get(audit_path).json() == {"lastSuccessTimestamp": None, "recentEvents": []}

    first = seeker_sandbox.add_lead(BORDEAUX)
    assert seeker_sandbox.join_deliveries()
    webhook_receiver.status = 500
    second = seeker_sandbox.add_lead(BORDEAUX)
    assert seeker_sandbox.join_deliveries()

    audit = seeker_api.get(audit_path).json()
    assert [event["leadId"] for event in audit["recentEvents"]] == [second, first]
    assert [event["success"] for event in audit["recentEvents"]] == [False, True]
    assert [event["httpStatus"] for event in audit["recentEvents"]] == [500, 200]
    assert audit["lastSuccessTimestamp"] == audit["recentEvents"][1]["timestamp"]
    limited = seeker_api.get(audit_path, params={"limit": 1}).json()
    assert [event["leadId"] for event in limited["recentEvents"]] == [second]


def test_an_unreachable_receiver_is_a_failure_in_the_audit(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    subscription = subscribe(seeker_api, "http://127.0.0.1:9/nobody-listens")

    seeker_sandbox.add_lead(BORDEAUX)
    assert seeker_sandbox.join_deliveries()

    audit = seeker_api.get(f"/webhook/subscriptions/{subscription['subscriptionId']}/audit").json()
    assert audit["recentEvents"][0]["success"] is False
    assert audit["recentEvents"][0]["httpStatus"] is None


def test_update_and_delete(
    seeker_api: SeekerApi, seeker_sandbox: Any, webhook_receiver: WebhookReceiver
) -> None:
    subscription = subscribe(seeker_api, webhook_receiver.url)
    path = f"/webhook/subscriptions/{subscription['subscriptionId']}"

    updated = seeker_api.call(
        "PUT", path, json={"url": webhook_receiver.url, "apiKey": "nouvelle", "status": "INACTIVE"}
    )
    assert updated.status_code == 200
    assert updated.json()["status"] == "INACTIVE"
    assert updated.json()["createdAt"] == subscription["createdAt"]
    seeker_sandbox.add_lead(BORDEAUX)
    assert seeker_sandbox.join_deliveries()
    assert webhook_receiver.calls.empty()

    assert seeker_api.call("DELETE", path).status_code == 204
    assert seeker_api.call("DELETE", path).status_code == 404
    assert seeker_api.get(path + "/audit").status_code == 404
    # Another client cannot touch a subscription it did not make.
    other = subscribe(seeker_api, webhook_receiver.url)
    assert (
        seeker_api.call(
            "DELETE", f"/webhook/subscriptions/{other['subscriptionId']}", client=NANTES
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"url": "https://elsewhere.example/h", "apiKey": "k", "status": "ACTIVE"}, ["/url"]),
        ({"url": "ftp://127.0.0.1/h", "apiKey": "k", "status": "ACTIVE"}, ["/url"]),
        ({"url": "http://127.0.0.1:9/h", "apiKey": "", "status": "PAUSED"}, ["/apiKey", "/status"]),
        ({}, ["/url", "/apiKey", "/status"]),
    ],
)
def test_a_bad_subscription_names_its_faults(
    seeker_api: SeekerApi, body: dict[str, Any], names: list[str]
) -> None:
    response = seeker_api.call("POST", "/webhook/subscriptions", json=body)

    assert response.status_code == 400
    assert [error["name"] for error in response.json()["errors"]] == names
