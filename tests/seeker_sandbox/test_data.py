"""The Seeker sandbox's seeded data: reproducible, and with the cases a client must survive."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from leadsportal.seeker_sandbox.data import ANCHOR, CLASSIFIED_ALPHABET, ClientData
from leadsportal.seeker_sandbox.state import data_for

from .conftest import BORDEAUX, NANTES, SeekerApi

SEED = 20260101


def rendered(client: str) -> list[dict[str, Any]]:
    data = data_for(client)
    return [data.render(row) for row in data.rows]


def test_same_seed_same_leads_other_client_other_leads() -> None:
    one = ClientData(BORDEAUX, seed=SEED, count=300, anchor=ANCHOR)
    again = ClientData(BORDEAUX, seed=SEED, count=300, anchor=ANCHOR)
    other = ClientData(NANTES, seed=SEED, count=300, anchor=ANCHOR)

    assert [one.render(row) for row in one.rows] == [again.render(row) for row in again.rows]
    assert {row.lead_id for row in one.rows}.isdisjoint(row.lead_id for row in other.rows)


def test_every_category_and_the_awkward_cases_are_there() -> None:
    leads = rendered(BORDEAUX)
    categories = Counter(lead["metadata"]["leadCategory"] for lead in leads)
    calls = [lead for lead in leads if lead["metadata"]["leadCategory"] == "CALL_TRACKING"]
    erased = [
        lead
        for lead in leads
        if lead.get("contactRequest") and lead["contactRequest"]["firstName"] is None
    ]

    assert set(categories) == {"CLASSIFIED", "AGENCY", "PROPERTY_SEARCH", "CALL_TRACKING"}
    assert all(lead["callDetails"]["status"] in {"ANSWERED", "MISSED"} for lead in calls)
    assert any(lead.get("contactRequest") is None for lead in calls)
    assert any(lead["callDetails"]["isVoiceMail"] for lead in calls)
    # The portal's GDPR erasure: names, message, gender, language gone, no phone, e-mail kept.
    assert len(erased) >= 10
    for lead in erased:
        contact = lead["contactRequest"]
        assert contact["phoneNumbers"] == []
        assert contact["message"] is None and contact["gender"] is None
        assert contact["email"]
    assert any(not lead["metadata"]["portal"].endswith("-FRA") for lead in leads)


def test_listings_carry_the_portals_id_and_mostly_the_agencys_reference() -> None:
    listings = data_for(BORDEAUX).listings.values()

    for listing in listings:
        assert len(listing.classified_id) == 12 and listing.classified_id[:2].isdigit()
        assert set(listing.classified_id[2:]) <= set(CLASSIFIED_ALPHABET)
    own = [listing for listing in listings if listing.offerer_estate_id]
    assert 0 < len(own) < len(listings)
    assert all(listing.offerer_estate_id.startswith("BDX-") for listing in own)


def test_ttl_is_three_years_after_ingestion() -> None:
    lead = rendered(BORDEAUX)[0]
    ingested = datetime.fromtimestamp(lead["metadata"]["ingestionDate"], UTC)
    ttl = datetime.fromtimestamp(lead["metadata"]["TTL"], UTC)

    assert 3 * 365 <= (ttl - ingested).days <= 3 * 366
    assert ttl.time() == ingested.time()


def test_erasing_a_lead_serves_it_erased(seeker_api: SeekerApi, seeker_sandbox: Any) -> None:
    lead_id = seeker_sandbox.add_lead(BORDEAUX, "CALL_TRACKING")
    before = seeker_api.get(f"/leads/{lead_id}").json()
    assert before["callDetails"]["seekerPhoneNumber"]

    seeker_sandbox.erase_contact(BORDEAUX, lead_id)
    after = seeker_api.get(f"/leads/{lead_id}").json()

    assert after["callDetails"]["seekerPhoneNumber"] is None
    assert after["callDetails"]["duration"] == before["callDetails"]["duration"]
