"""AVIV Seeker Leads webhooks: the subscription a Seeker agency registers (its secret in the
URL), the receiver that answers at once and makes the watcher poll the agency on the worker."""

from __future__ import annotations

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from leadsportal.agencies.models import Agency
from leadsportal.agencies.webhooks import webhook_path, webhook_register
from leadsportal.watch.models import LiveEvent
from leadsportal.watch.poll import agency_poll

BORDEAUX = "agence-bordeaux-demo"


@pytest.fixture
def queue():  # type: ignore[no-untyped-def]
    HUEY.flush()
    yield HUEY
    HUEY.flush()


def queued(huey) -> list[str]:  # type: ignore[no-untyped-def]
    return [task.name for task in huey.pending()]


def test_registering_subscribes_a_url_with_the_agencys_secret_kept_encrypted(
    bordeaux, seeker_state, sandbox_server
):
    first = webhook_register(agency=bordeaux, public_url=sandbox_server.url)
    assert first.created
    bordeaux.refresh_from_db()
    secret = bordeaux.webhook_secret()
    assert len(secret) >= 32
    assert secret not in bordeaux.webhook_secret_encrypted
    subscription = seeker_state.subscription(BORDEAUX, first.subscription_id)
    assert subscription["status"] == "ACTIVE"
    assert subscription["url"] == f"{sandbox_server.url}/webhooks/seeker/{bordeaux.pk}/{secret}/"
    # Again (a new address, new credentials): the same subscription, the same secret.
    again = webhook_register(agency=bordeaux, public_url="http://localhost:8000")
    assert (again.subscription_id, again.created) == (first.subscription_id, False)
    assert seeker_state.active_subscriptions(BORDEAUX) == 1
    assert seeker_state.subscription(BORDEAUX, first.subscription_id)["url"].startswith(
        "http://localhost:8000/webhooks/seeker/"
    )
    bordeaux.refresh_from_db()
    assert bordeaux.webhook_secret() == secret


def test_a_gsl_agency_has_no_webhook(paris):
    with pytest.raises(ValueError, match="Seeker"):
        webhook_register(agency=paris, public_url="http://127.0.0.1:8000")


def test_a_lead_added_upstream_calls_the_receiver_which_queues_a_poll_of_the_agency(
    transactional_db, bordeaux, seeker_state, sandbox_server, queue
):
    agency_poll(agency=bordeaux)  # the watcher's baseline
    registration = webhook_register(agency=bordeaux, public_url=sandbox_server.url)
    lead_id = seeker_state.add_lead(BORDEAUX, "CALL_TRACKING")
    assert seeker_state.join_deliveries()
    [delivery] = seeker_state.audit(registration.subscription_id, 10)["recentEvents"]
    assert (delivery["success"], delivery["httpStatus"]) == (True, 200)
    assert queued(queue) == ["watch_poll_now"]
    assert not LiveEvent.objects.filter(lead_id=lead_id).exists()  # nothing in the request

    # The worker runs the task: the lead is announced.
    queue.execute(queue.dequeue())
    assert LiveEvent.objects.filter(agency=bordeaux, lead_id=lead_id).exists()


def test_the_receiver_makes_no_upstream_call_and_refuses_a_wrong_secret(
    bordeaux, paris, seeker_state, queue
):
    bordeaux.new_webhook_secret()
    bordeaux.save()
    client = Client()
    path = webhook_path(agency=bordeaux)
    seeker_state.reset_counters()

    assert client.post(path, {}, content_type="application/json").status_code == 200
    assert seeker_state.api_requests() == 0 and seeker_state.token_requests() == 0
    assert queued(queue) == ["watch_poll_now"]
    queue.flush()

    wrong = path.replace(bordeaux.webhook_secret(), "x" * 43)
    assert client.post(wrong).status_code == 404
    assert client.get(path).status_code == 405
    assert (
        client.post(f"/webhooks/seeker/{paris.pk}/{bordeaux.webhook_secret()}/").status_code == 404
    )
    # An agency without a secret accepts nothing.
    Agency.objects.filter(pk=bordeaux.pk).update(webhook_secret_encrypted="")
    assert client.post(path).status_code == 404
    assert queued(queue) == []
