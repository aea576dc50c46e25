"""Seeker leads read as the dashboard's leads: families, listing, contact, criteria, calls."""

from __future__ import annotations

from typing import Any

import pytest

from leadsportal.leads_api import LeadType
from leadsportal.leads_api import contract as gsl_contract
from leadsportal.seeker_api import classified_number, contract, to_lead

INGESTED = 1_767_225_600  # 2026-01-01T00:00:00Z


def lead(category: str, intention: str | None = None, **members: Any) -> dict[str, Any]:
    return {
        "metadata": {
            "leadId": "a1b2c3d4-0000-4000-8000-000000000042",
            "ingestionDate": INGESTED,
            "portal": "LIM-FRA",
            "TTL": INGESTED + 3 * 365 * 86_400,
            "leadCategory": category,
            "seekerIntention": intention,
        },
        "contactRequest": {
            "firstName": "Gwenaëlle",
            "lastName": "Le Gall",
            "email": "g.legall@example.com",
            "phoneNumbers": [{"type": "MOBILE", "number": "06 12 34 56 78", "verified": True}],
            "gender": "FEMALE",
            "language": "FR",
            "message": "Bonjour ; est-ce toujours disponible ?",
            "isOwner": False,
        },
        **members,
    }


def mapped(raw: dict[str, Any]) -> Any:
    return to_lead(contract.parse_lead(raw))


CRITERIA = {
    "estateType": ["HOUSE"],
    "rooms": {"numberOfRoomsMin": 3, "numberOfRoomsMax": 5},
    "spaces": {"spaceMin": 80, "spaceMax": None},
    "budget": {"amountMin": None, "amountMax": 420_000},
    "geo": {"city": "Rezé", "postalCodes": ["44400"], "departments": ["44"]},
}
LISTING = {
    "classifiedId": "42ABCDEFGHJK",
    "offererEstateId": "NTE-2026-0042",
    "offererMarketingKey": "0042",
    "estateType": ["APARTMENT"],
}


@pytest.mark.parametrize(
    ("category", "intention", "family"),
    [
        ("CLASSIFIED", "BUY", LeadType.CLASSIFIED),
        ("CLASSIFIED", None, LeadType.CLASSIFIED),
        ("AGENCY", "SELL", LeadType.SELLER),  # an owner: GSL's sellers
        ("AGENCY", "BUY", LeadType.AGENCY),
        ("AGENCY", "ASK_A_QUESTION", LeadType.AGENCY),
        ("PROPERTY_SEARCH", "BUY", LeadType.PROPERTY_SEARCH),
        ("PROPERTY_SEARCH", "SELL", LeadType.SELLER),
        ("CALL_TRACKING", None, LeadType.CALL_TRACKING),
    ],
)
def test_each_category_lands_in_a_family(
    category: str, intention: str | None, family: LeadType
) -> None:
    assert mapped(lead(category, intention)).lead_type is family


def test_the_listing_reference_shown_is_the_agencys_own() -> None:
    result = mapped(lead("CLASSIFIED", "BUY", property=LISTING))

    assert result.classified.reference == "NTE-2026-0042"
    assert result.classified.portal_id == "42ABCDEFGHJK"
    assert result.classified.number_label == "42ABCDEFGHJK"
    assert result.classified.classified_id == classified_number("42ABCDEFGHJK")
    assert result.classified.estate_type == "APARTMENT"
    assert result.property_search is None  # a listing's type is not a search


def test_without_its_reference_a_listing_falls_back_on_its_other_keys() -> None:
    marketing = mapped(lead("CLASSIFIED", property={**LISTING, "offererEstateId": None})).classified
    bare = mapped(lead("CLASSIFIED", property={"classifiedId": "42ABCDEFGHJK"})).classified
    programme = mapped(
        lead("CLASSIFIED", property={"projectId": "P123", "projectOffererEstateId": "PRG-123"})
    ).classified

    assert marketing.reference == "0042"
    assert bare.reference is None and bare.number_label == "42ABCDEFGHJK"
    assert programme.reference == "PRG-123" and programme.portal_id == "P123"


def test_dates_and_meta() -> None:
    result = mapped(lead("AGENCY", "RENT"))

    assert result.meta.creation_date.timestamp() == INGESTED
    assert result.meta.expiration_date.timestamp() == INGESTED + 3 * 365 * 86_400
    assert result.meta.portal == "LIM-FRA"
    assert result.meta.intention == "RENT"
    assert result.meta.agency_id is None


def test_a_search_keeps_its_criteria() -> None:
    search = mapped(lead("PROPERTY_SEARCH", "BUY", property=CRITERIA)).property_search

    assert search.transaction_type == "SALE"
    assert search.estate_types == ("HOUSE",)
    assert (search.rooms_min, search.rooms_max) == (3, 5)
    assert search.living_area_min == 80 and search.living_area_max is None
    assert search.budget_max == 420_000
    assert search.city == "Rezé" and search.postal_codes == ("44400",)


def test_a_seller_describes_their_property() -> None:
    result = mapped(lead("AGENCY", "SELL", property=CRITERIA))

    assert result.property_search is None
    estimation = result.estimation
    assert estimation.estate_type == "HOUSE"
    assert estimation.rooms == 3 and estimation.living_area == 80
    assert estimation.postal_code == "44400" and estimation.city == "Rezé"
    assert estimation.estimated_price_min is None  # Seeker Leads gives no valuation


def test_a_tracked_call_has_its_details_and_the_callers_number() -> None:
    raw = lead(
        "CALL_TRACKING",
        property=LISTING,
        callDetails={
            "seekerPhoneNumber": "+33 7 11 22 33 44",
            "isVoiceMail": True,
            "duration": 42,
            "status": "MISSED",
        },
    )
    raw["contactRequest"] = None

    result = mapped(raw)

    assert result.lead_type is LeadType.CALL_TRACKING
    assert result.call_details == gsl_contract.CallDetails(
        seeker_phone_number="+33 7 11 22 33 44",
        is_voicemail=True,
        duration_seconds=42,
        status="MISSED",
    )
    assert [phone.number for phone in result.contact.phone_numbers] == ["+33 7 11 22 33 44"]
    assert not result.contact.is_erased
    assert result.classified.reference == "NTE-2026-0042"


def test_the_callers_number_is_not_added_twice() -> None:
    raw = lead("CALL_TRACKING", callDetails={"seekerPhoneNumber": "+33612345678"})

    phones = mapped(raw).contact.phone_numbers

    assert [phone.number for phone in phones] == ["06 12 34 56 78"]


def erased(raw: dict[str, Any]) -> dict[str, Any]:
    raw["contactRequest"] = {
        "firstName": None,
        "lastName": None,
        "email": "kept@example.com",  # the portal's erasure keeps it
        "phoneNumbers": [],
        "gender": None,
        "language": None,
        "message": None,
        "isOwner": None,
    }
    return raw


def test_a_gdpr_erased_lead_reads_as_erased_e_mail_included() -> None:
    parsed = contract.parse_lead(erased(lead("CLASSIFIED", property=LISTING)))
    result = to_lead(parsed)

    assert parsed.contact.is_erased and parsed.contact.email == "kept@example.com"
    assert result.contact.is_erased
    assert result.contact.email is None
    assert result.classified.reference == "NTE-2026-0042"


def test_an_erased_call_is_erased_once_the_number_is_gone_too() -> None:
    calling = erased(lead("CALL_TRACKING", callDetails={"seekerPhoneNumber": "0611223344"}))
    gone = erased(lead("CALL_TRACKING", callDetails={"seekerPhoneNumber": None, "duration": 9}))

    assert not mapped(calling).contact.is_erased
    result = mapped(gone)
    assert result.contact.is_erased
    assert result.call_details.seeker_phone_number is None
    assert result.call_details.duration_seconds == 9


def test_the_gsl_contract_still_refuses_a_call_tracking_lead() -> None:
    with pytest.raises(gsl_contract.ContractViolation, match="unknown leadType"):
        gsl_contract.parse_lead(
            {
                "leadMetaInfos": {
                    "leadId": "abc",
                    "leadType": "CALL_TRACKING",
                    "creationDate": "2026-01-01T00:00:00Z",
                    "portal": "SLG-FRA",
                },
                "contactRequest": {},
            }
        )
