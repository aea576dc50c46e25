"""Validation: 400 application/problem+json whose errors[] name each faulty field."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest

from leadsportal.sandbox.data import ANCHOR

from .conftest import SEARCH_ROUTES, SandboxApi, criteria

START = "2026-01-10T00:00:00Z"


def _titles(response) -> list[str]:
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400
    assert problem["title"] and problem["detail"] and problem["type"]
    for error in problem["errors"]:
        assert error["message"]
    return sorted(error["title"] for error in problem["errors"])


CASES: list[tuple[str, Any, list[str]]] = [
    ("no SearchCriteria", {"Pagination": {"PageIndex": 1}}, ["SearchCriteria"]),
    ("empty body", None, ["SearchCriteria"]),
    ("SearchCriteria not an object", {"SearchCriteria": "today"}, ["SearchCriteria"]),
    ("no StartDate", {"SearchCriteria": {"EndDate": START}}, ["StartDate"]),
    ("no EndDate", {"SearchCriteria": {"StartDate": START}}, ["EndDate"]),
    ("no dates", {"SearchCriteria": {}}, ["EndDate", "StartDate"]),
    (
        "unparseable StartDate",
        {"SearchCriteria": {"StartDate": "hier", "EndDate": START}},
        ["StartDate"],
    ),
    (
        "StartDate not a string",
        {"SearchCriteria": {"StartDate": 1767225600, "EndDate": START}},
        ["StartDate"],
    ),
    (
        "unparseable EndDate",
        {"SearchCriteria": {"StartDate": START, "EndDate": "2026-02-31T00:00:00Z"}},
        ["EndDate"],
    ),
    (
        "EndDate equal to StartDate",
        {"SearchCriteria": {"StartDate": START, "EndDate": START}},
        ["EndDate"],
    ),
    (
        "EndDate before StartDate",
        {"SearchCriteria": {"StartDate": START, "EndDate": "2026-01-09T00:00:00Z"}},
        ["EndDate"],
    ),
    (
        "window of 92 days and a second",
        {"SearchCriteria": {"StartDate": START, "EndDate": "2026-04-12T00:00:01Z"}},
        ["EndDate"],
    ),
    ("PageIndex 0", {"SearchCriteria": criteria(), "Pagination": {"PageIndex": 0}}, ["PageIndex"]),
    (
        "PageIndex text",
        {"SearchCriteria": criteria(), "Pagination": {"PageIndex": "1"}},
        ["PageIndex"],
    ),
    ("PageSize 0", {"SearchCriteria": criteria(), "Pagination": {"PageSize": 0}}, ["PageSize"]),
    ("PageSize 101", {"SearchCriteria": criteria(), "Pagination": {"PageSize": 101}}, ["PageSize"]),
    ("PageSize 2.5", {"SearchCriteria": criteria(), "Pagination": {"PageSize": 2.5}}, ["PageSize"]),
    ("Pagination not an object", {"SearchCriteria": criteria(), "Pagination": 3}, ["Pagination"]),
    (
        "ClassifiedIds of strings",
        {"SearchCriteria": criteria(ClassifiedIds=["123"])},
        ["ClassifiedIds"],
    ),
    (
        "ClassifiedIds not an array",
        {"SearchCriteria": criteria(ClassifiedIds=123)},
        ["ClassifiedIds"],
    ),
    ("unknown portal", {"SearchCriteria": criteria(Portals=["SLG-FRA", "XXX-FRA"])}, ["Portals"]),
    ("lower-case portal", {"SearchCriteria": criteria(Portals=["slg-fra"])}, ["Portals"]),
    (
        "several faults at once",
        {
            "SearchCriteria": {"StartDate": "hier", "Portals": ["nope"], "ClassifiedIds": [1.5]},
            "Pagination": {"PageIndex": -1, "PageSize": 500},
        },
        ["ClassifiedIds", "EndDate", "PageIndex", "PageSize", "Portals", "StartDate"],
    ),
]


@pytest.mark.parametrize(("body", "titles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_it_names_each_faulty_field(api: SandboxApi, body: Any, titles: list[str]) -> None:
    if body is None:
        response = api.post("/v2/leads/search", data=b"")
    else:
        response = api.post("/v2/leads/search", body)

    assert _titles(response) == titles


@pytest.mark.parametrize("raw", [b"{not json", b'{"SearchCriteria": ', b"[1, 2]", b"\xff\xfe"])
def test_it_refuses_a_malformed_json_body(api: SandboxApi, raw: bytes) -> None:
    response = api.post("/v2/leads/search", data=raw)

    assert _titles(response) == ["body"]


@pytest.mark.parametrize("path", list(SEARCH_ROUTES))
def test_it_validates_on_every_search_route(api: SandboxApi, path: str) -> None:
    response = api.post(
        path, {"SearchCriteria": {"StartDate": START}, "Pagination": {"PageSize": 0}}
    )

    assert _titles(response) == ["EndDate", "PageSize"]


def test_it_mentions_the_missing_parameter_in_the_message(api: SandboxApi) -> None:
    response = api.post("/v2/leads/search", {"SearchCriteria": {"StartDate": START}})

    assert response.json()["errors"] == [
        {"title": "EndDate", "message": "Missing required parameter 'endDate'."}
    ]


def test_it_accepts_a_window_of_exactly_92_days(api: SandboxApi) -> None:
    body = {"SearchCriteria": {"StartDate": START, "EndDate": "2026-04-12T00:00:00Z"}}

    assert api.post("/v2/leads/search", body).status_code == 200


def test_it_accepts_request_keys_in_any_case(api: SandboxApi) -> None:
    body = {
        "searchCriteria": {key.lower(): value for key, value in criteria().items()},
        "PAGINATION": {"pageSize": 3, "PAGEINDEX": 2},
    }

    response = api.post("/v2/leads/search", body)

    assert response.status_code == 200
    assert len(response.json()["Data"]["Leads"]) == 3


def test_it_accepts_offsets_and_naive_dates_as_utc(api: SandboxApi) -> None:
    start = (ANCHOR - timedelta(days=30)).replace(hour=0, minute=0)
    end = start + timedelta(days=10)
    paris_time = timezone(timedelta(hours=1))

    def count(start_text: str, end_text: str) -> int:
        body = {"SearchCriteria": {"StartDate": start_text, "EndDate": end_text}}
        return api.post("/v2/leads/search", body).json()["Count"]

    utc = count(start.isoformat(), end.isoformat())
    assert utc > 0
    assert (
        count(start.astimezone(paris_time).isoformat(), end.astimezone(paris_time).isoformat())
        == utc
    )
    assert (
        count(start.replace(tzinfo=None).isoformat(), end.replace(tzinfo=None).isoformat()) == utc
    )


@pytest.mark.parametrize("classified_id", ["abc", "12a", "0", "-5", "1.5", "١٢"])
def test_it_names_a_non_numeric_classified_id(api: SandboxApi, classified_id: str) -> None:
    response = api.post(f"/v2/classifieds/{classified_id}/leads", {})

    assert _titles(response) == ["classifiedId"]


def test_it_reports_the_classified_id_and_the_pagination_together(api: SandboxApi) -> None:
    response = api.post("/v2/classifieds/abc/leads", {"Pagination": {"PageSize": 1000}})

    assert _titles(response) == ["PageSize", "classifiedId"]


def test_it_refuses_malformed_json_on_the_classified_route(api: SandboxApi) -> None:
    response = api.post("/v2/classifieds/123/leads", data=b"{oops")

    assert _titles(response) == ["body"]
