"""The Seeker sandbox's rate limit (10 requests every 200 ms per client) and injected faults."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from leadsportal.seeker_sandbox.data import ANCHOR

from .conftest import BORDEAUX, NANTES, SeekerApi

ANCHOR_TS = int(ANCHOR.timestamp())
WINDOW = (ANCHOR_TS - 7 * 86_400, ANCHOR_TS)  # over 10 leads: a first page is a 206


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_eleventh_request_within_200_ms_is_a_429(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    seeker_api.token()
    seeker_api.token(NANTES)
    clock = Clock()
    seeker_sandbox.clock = clock

    statuses = [seeker_api.leads(*WINDOW).status_code for _ in range(11)]
    other_client = seeker_api.leads(*WINDOW, client=NANTES)
    clock.now += 0.2
    after_the_window = seeker_api.leads(*WINDOW)

    assert statuses[:10] == [206] * 10
    assert statuses[10] == 429
    assert other_client.status_code == 206  # per client
    assert after_the_window.status_code == 206
    assert seeker_sandbox.rate_limited(BORDEAUX) == 1


def test_a_429_says_when_to_come_back(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    seeker_api.token()
    seeker_sandbox.clock = Clock()
    seeker_sandbox.configure(rate_limit=1)
    seeker_api.leads(*WINDOW)

    response = seeker_api.leads(*WINDOW)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["status"] == 429


def test_faults_come_as_asked(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    seeker_api.token()
    seeker_sandbox.configure(fault_next=3, fault_mode="error500")
    statuses = [seeker_api.leads(*WINDOW).status_code for _ in range(4)]
    assert statuses == [500, 500, 500, 206]

    seeker_sandbox.configure(fault_next=1, fault_mode="unavailable503")
    unavailable = seeker_api.leads(*WINDOW)
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "1"

    seeker_sandbox.configure(fault_next=1, fault_mode="malformed")
    malformed = seeker_api.leads(*WINDOW)
    try:
        malformed.json()
    except requests.JSONDecodeError:
        pass
    else:
        raise AssertionError("a malformed fault must not be JSON")
    assert seeker_sandbox.stats()["faults"] == {"error500": 3, "unavailable503": 1, "malformed": 1}


def test_a_stall_holds_the_answer(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    seeker_api.token()
    seeker_sandbox.configure(fault_next=1, fault_mode="stall", stall_seconds=5)

    try:
        seeker_api.session.get(
            seeker_api.base + "/leads",
            params={"minDate": WINDOW[0], "maxDate": WINDOW[1]},
            headers={"Authorization": f"Bearer {seeker_api.token()}"},
            timeout=0.3,
        )
    except requests.Timeout:
        pass
    else:
        raise AssertionError("a stalled request must not answer before its stall ends")


def test_the_peak_of_requests_in_flight_is_counted(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    token = seeker_api.token()
    seeker_sandbox.configure(fault_next=3, fault_mode="stall", stall_seconds=30)

    def call() -> None:
        with requests.Session() as session:
            session.get(
                seeker_api.base + "/leads",
                params={"minDate": WINDOW[0], "maxDate": WINDOW[1]},
                headers={"Authorization": f"Bearer {token}", "User-Agent": "t/1"},
                timeout=30,
            )

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(200):  # until the three are held by their stall
        if seeker_sandbox.peak_in_flight(BORDEAUX) == 3:
            break
        time.sleep(0.05)
    peak = seeker_sandbox.peak_in_flight(BORDEAUX)
    seeker_sandbox.reset()  # wakes the stalled requests
    for thread in threads:
        thread.join(timeout=10)

    assert peak == 3
