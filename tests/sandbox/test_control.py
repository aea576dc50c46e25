"""Control of the sandbox: the in-process object and its HTTP endpoints (/sandbox/_control...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from leadsportal.sandbox.state import data_for

from .conftest import LYON, PARIS, SandboxApi, criteria, iso

NOW_WINDOW = {"days_back": 1, "length_days": 3}  # from a day before the anchor to after now


def _ids(page: dict) -> list[str]:
    return [lead["leadMetaInfos"]["leadId"] for lead in page["Data"]["Leads"]]


def test_an_added_lead_is_the_newest_everywhere(api: SandboxApi, sandbox) -> None:
    cid = next(iter(data_for(PARIS).listings))
    before = api.search(**NOW_WINDOW)["Count"]
    sellers_before = api.search("/v2/sellers/leads/search", **NOW_WINDOW)["Count"]

    lead_id = sandbox.add_lead(PARIS, "CLASSIFIED", classified_id=cid)

    page = api.search(**NOW_WINDOW)
    assert page["Count"] == before + 1
    assert _ids(page)[0] == lead_id
    assert _ids(api.search("/v2/classifieds/leads/search", **NOW_WINDOW))[0] == lead_id
    assert api.search("/v2/sellers/leads/search", **NOW_WINDOW)["Count"] == sellers_before
    by_listing = api.post(f"/v2/classifieds/{cid}/leads", {}).json()
    assert _ids(by_listing)[0] == lead_id
    assert by_listing["Count"] == len(data_for(PARIS).by_classified[cid]) + 1
    detail = api.get(f"/v2/leads/{lead_id}").json()
    assert detail["leadMetaInfos"]["leadType"] == "CLASSIFIED"
    assert detail["classified"]["classifiedId"] == cid
    created = datetime.fromisoformat(detail["leadMetaInfos"]["creationDate"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert api.get(f"/v2/leads/{lead_id}", client_id=LYON).status_code == 404


@pytest.mark.parametrize("lead_type", ["AGENCY", "SELLER", "PROPERTY_SEARCH"])
def test_it_adds_leads_of_every_type(api: SandboxApi, sandbox, lead_type: str) -> None:
    lead_id = sandbox.add_lead(LYON, lead_type)

    detail = api.get(f"/v2/leads/{lead_id}", client_id=LYON).json()
    assert detail["leadMetaInfos"]["leadType"] == lead_type


def test_it_merges_overrides_into_an_added_lead(api: SandboxApi, sandbox) -> None:
    created = datetime.now(UTC) - timedelta(days=200)

    lead_id = sandbox.add_lead(
        PARIS,
        "AGENCY",
        creation_date=created,
        portal="BDS-FRA",
        contactRequest={"email": "deja.connu@example.com", "message": "=SOMME(A1:A3)"},
    )

    lead = api.get(f"/v2/leads/{lead_id}").json()
    assert lead["contactRequest"]["email"] == "deja.connu@example.com"
    assert lead["contactRequest"]["message"] == "=SOMME(A1:A3)"
    assert lead["contactRequest"]["firstName"]  # the rest is generated
    assert lead["leadMetaInfos"]["portal"] == "BDS-FRA"
    start = created - timedelta(hours=1)
    body = {"SearchCriteria": {"StartDate": iso(start), "EndDate": iso(start + timedelta(hours=2))}}
    assert _ids(api.post("/v2/leads/search", body).json()) == [lead_id]


def test_it_refuses_bad_added_leads(sandbox) -> None:
    with pytest.raises(ValueError, match="client"):
        sandbox.add_lead("agence-inconnue")
    with pytest.raises(ValueError, match="leadType"):
        sandbox.add_lead(PARIS, "RENTAL")
    with pytest.raises(ValueError, match="contactrequest"):
        sandbox.add_lead(PARIS, contactrequest={})


def test_added_leads_go_away_on_reset(api: SandboxApi, sandbox) -> None:
    lead_id = sandbox.add_lead(PARIS)

    sandbox.reset()

    assert api.get(f"/v2/leads/{lead_id}").status_code == 404


def test_control_endpoint_sets_knobs_and_resets(api: SandboxApi, sandbox) -> None:
    response = api.session.post(
        api.url("/_control"), json={"latency_ms": 5, "fault_mode": "stall"}, timeout=10
    )

    assert response.status_code == 200
    assert response.json()["knobs"]["latency_ms"] == 5
    assert sandbox.latency_ms == 5
    assert sandbox.fault_mode == "stall"

    response = api.session.post(api.url("/_control"), json={"reset": True}, timeout=10)
    assert response.json()["knobs"]["latency_ms"] == 0
    assert sandbox.fault_mode is None


@pytest.mark.parametrize("body", [{"latency_ms": "slow"}, {"warp": 9}, [1, 2]])
def test_control_endpoint_refuses_bad_knobs(api: SandboxApi, body: object) -> None:
    response = api.session.post(api.url("/_control"), json=body, timeout=10)

    assert response.status_code == 400
    assert response.json()["error"]


def test_control_stats_counts_requests(api: SandboxApi, sandbox) -> None:
    api.post("/v2/leads/search", {"SearchCriteria": criteria()})
    api.post("/v2/classifieds/1/leads", {})

    stats = api.session.get(api.url("/_control/stats"), timeout=10).json()

    assert stats["token_requests"] == {PARIS: 1}
    assert stats["tokens_issued"] == {PARIS: 1}
    assert stats["api_requests"] == {PARIS: {"searchLeads": 1, "getClassifiedLeads": 1}}
    assert stats["knobs"]["rate_limit"] == 1_000
    assert stats["leads_per_client"] == 2000
    assert set(stats) >= {
        "faults",
        "rate_limited",
        "added_leads",
        "anchor",
        "seed",
        "unauthenticated_requests",
    }

    api.session.post(api.url("/_control"), json={"reset_counters": True}, timeout=10)
    assert sandbox.api_requests() == 0


def test_control_leads_adds_a_lead_over_http(api: SandboxApi, sandbox) -> None:
    response = api.session.post(
        api.url("/_control/leads"),
        json={
            "client_id": LYON,
            "leadType": "SELLER",
            "lead": {"contactRequest": {"lastName": "Ébrard"}},
        },
        timeout=10,
    )

    assert response.status_code == 201
    lead_id = response.json()["leadId"]
    lead = api.get(f"/v2/leads/{lead_id}", client_id=LYON).json()
    assert lead["leadMetaInfos"]["leadType"] == "SELLER"
    assert lead["contactRequest"]["lastName"] == "Ébrard"
    assert sandbox.stats()["added_leads"] == {LYON: 1}


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "agence-inconnue"},
        {"client_id": PARIS, "leadType": "NOPE"},
        {"client_id": PARIS, "lead": 3},
    ],
)
def test_control_leads_refuses_bad_requests(api: SandboxApi, body: dict) -> None:
    response = api.session.post(api.url("/_control/leads"), json=body, timeout=10)

    assert response.status_code == 400


def test_control_token_issues_a_token_without_the_scope(api: SandboxApi) -> None:
    response = api.session.post(
        api.url("/_control/token"), json={"client_id": PARIS, "scope": ""}, timeout=10
    )

    token = response.json()["access_token"]
    assert (
        api.post("/v2/leads/search", {"SearchCriteria": criteria()}, token=token).status_code == 403
    )


def test_everything_is_404_when_the_sandbox_is_disabled(api: SandboxApi, settings) -> None:
    api.token(PARIS)
    settings.LEADS_SANDBOX_ENABLED = False

    assert api.session.get(api.url("/_control/stats"), timeout=10).status_code == 404
    assert api.session.post(api.url("/_control"), json={}, timeout=10).status_code == 404
    assert (
        api.session.post(
            api.url("/_control/leads"), json={"client_id": PARIS}, timeout=10
        ).status_code
        == 404
    )
    assert api.request_token(PARIS).status_code == 404
    assert api.post("/v2/leads/search", {"SearchCriteria": criteria()}).status_code == 404


def test_it_serves_without_the_database(api: SandboxApi, sandbox) -> None:
    # pytest-django blocks database access in every thread of this test, server threads too.
    with pytest.raises(RuntimeError, match="Database access not allowed"):
        connection.ensure_connection()
    lead_id = sandbox.add_lead(PARIS)

    assert api.post("/v2/leads/search", {"SearchCriteria": criteria()}).status_code == 200
    assert api.get(f"/v2/leads/{lead_id}").status_code == 200
    assert api.session.get(api.url("/_control/stats"), timeout=10).status_code == 200
