"""GET /leads as a feed: 7-day windows in Unix seconds, cursor pages (206 / 200), 404 when empty."""

from __future__ import annotations

from typing import Any

from leadsportal.seeker_sandbox.data import ANCHOR
from leadsportal.seeker_sandbox.state import data_for

from .conftest import BORDEAUX, NANTES, SeekerApi

WEEK = 7 * 86_400
ANCHOR_TS = int(ANCHOR.timestamp())


def read_window(
    api: SeekerApi, low: int, high: int, *, client: str = BORDEAUX, **params: Any
) -> tuple[list[str], list[int]]:
    """Every lead id of a window, following links.next, and the status of each page."""
    ids: list[str] = []
    statuses: list[int] = []
    response = api.leads(low, high, client=client, **params)
    while True:
        statuses.append(response.status_code)
        if response.status_code == 404:
            return ids, statuses
        assert response.status_code in (200, 206), response.text[:300]
        ids.extend(item["metadata"]["leadId"] for item in response.json()["items"])
        if response.status_code == 200:
            return ids, statuses
        response = api.get(response.json()["links"]["next"], client=client)


def expected_ids(client: str, low: int, high: int) -> list[str]:
    return [row.lead_id for row in data_for(client).rows if low <= row.ts <= high]


def test_pages_of_a_week_are_206_until_the_last_200(seeker_api: SeekerApi) -> None:
    low, high = ANCHOR_TS - 3 * WEEK, ANCHOR_TS - 2 * WEEK - 1
    expected = expected_ids(BORDEAUX, low, high)
    assert len(expected) > 30

    ids, statuses = read_window(seeker_api, low, high, limit=30)

    assert ids == expected  # oldest first, each once, nothing missing
    assert statuses == [206] * (len(statuses) - 1) + [200]
    assert len(statuses) == -(-len(expected) // 30)


def test_both_bounds_are_inclusive(seeker_api: SeekerApi) -> None:
    row = data_for(BORDEAUX).rows[500]

    ids, _ = read_window(seeker_api, row.ts, row.ts)

    assert row.lead_id in ids


def test_a_window_without_leads_is_a_404(seeker_api: SeekerApi) -> None:
    response = seeker_api.leads(1_000_000, 1_000_000 + WEEK)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["instance"] == response.headers["traceparent"]


def test_the_default_page_is_ten_leads(seeker_api: SeekerApi) -> None:
    response = seeker_api.leads(ANCHOR_TS - WEEK, ANCHOR_TS)

    assert response.status_code == 206
    assert len(response.json()["items"]) == 10


def test_a_window_longer_than_seven_days_is_refused(seeker_api: SeekerApi) -> None:
    assert seeker_api.leads(ANCHOR_TS - WEEK, ANCHOR_TS).status_code != 400  # exactly 7 days

    response = seeker_api.leads(ANCHOR_TS - WEEK - 1, ANCHOR_TS)

    assert response.status_code == 400
    assert [error["name"] for error in response.json()["errors"]] == ["maxDate"]


def test_every_faulty_parameter_is_named(seeker_api: SeekerApi) -> None:
    response = seeker_api.get(
        "/leads", params={"maxDate": "hier", "limit": 500, "start": "not-a-cursor"}
    )

    assert response.status_code == 400
    names = sorted(error["name"] for error in response.json()["errors"])
    assert names == ["limit", "maxDate", "minDate", "start"]


def test_a_cursor_keeps_its_place_when_new_leads_arrive(
    seeker_api: SeekerApi, seeker_sandbox: Any
) -> None:
    low, high = ANCHOR_TS - 2 * WEEK, ANCHOR_TS - WEEK - 1
    first = seeker_api.leads(low, high, limit=20)
    assert first.status_code == 206
    # A lead ingested at the very start of the window: it is before the cursor.
    seeker_sandbox.add_lead(BORDEAUX, "AGENCY", ingestion_date=low)

    ids, _ = read_window(seeker_api, low, high, limit=20)
    rest = seeker_api.get(first.json()["links"]["next"])

    assert rest.json()["items"][0]["metadata"]["leadId"] == expected_ids(BORDEAUX, low, high)[20]
    assert len(ids) == len(expected_ids(BORDEAUX, low, high)) + 1


def test_a_client_sees_only_its_own_leads(seeker_api: SeekerApi) -> None:
    low, high = ANCHOR_TS - WEEK, ANCHOR_TS
    bordeaux, _ = read_window(seeker_api, low, high, limit=100)
    nantes, _ = read_window(seeker_api, low, high, limit=100, client=NANTES)

    assert bordeaux == expected_ids(BORDEAUX, low, high)
    assert nantes == expected_ids(NANTES, low, high)
    assert not set(bordeaux) & set(nantes)


def test_a_lead_by_id_and_not_another_clients(seeker_api: SeekerApi) -> None:
    row = data_for(BORDEAUX).rows[42]

    mine = seeker_api.get(f"/leads/{row.lead_id}")
    theirs = seeker_api.get(f"/leads/{row.lead_id}", client=NANTES)

    assert mine.status_code == 200
    assert mine.json()["metadata"]["leadId"] == row.lead_id
    assert mine.json()["metadata"]["ingestionDate"] == row.ts
    assert theirs.status_code == 404


def test_a_portal_creates_a_lead(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    response = seeker_api.call(
        "POST",
        "/leads",
        json={
            "metadata": {"leadCategory": "AGENCY", "portal": "BDS-FRA", "seekerIntention": "SELL"},
            "contactRequest": {"firstName": "Anne", "lastName": "Lévêque"},
        },
    )

    assert response.status_code == 201, response.text
    lead = response.json()
    assert lead["metadata"]["portal"] == "BDS-FRA"
    assert lead["contactRequest"]["lastName"] == "Lévêque"
    assert seeker_api.get(f"/leads/{lead['metadata']['leadId']}").json() == lead
