"""Parsing of the API's JSON: tolerant of extras, strict where a wrong value would mislead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadsportal.leads_api import contract
from leadsportal.leads_api.contract import ContractViolation, PageRequest, SearchCriteria

LEAD = {
    "leadMetaInfos": {
        "leadId": "2f1c7a9e-4b0d-4c1e-9a57-0c6b1d2e3f40",
        "leadType": "SELLER",
        "creationDate": "2026-11-20T09:30:00Z",
        "portal": "SLG-FRA",
        "expirationDate": "2029-11-20T09:30:00Z",
        "somethingNew": {"nested": True},
    },
    "contactRequest": {
        "firstName": "Hélène",
        "lastName": "Lefèvre",
        "email": "helene.lefevre@example.fr",
        "phoneNumbers": [{"type": "MOBILE", "number": "06 12 34 56 78", "isVerified": True}],
        "message": "Bonjour,\nje souhaite vendre ; merci",
    },
    "estimation": {"city": "Lyon", "estimatedPriceMin": 250000, "estimatedPriceMax": 270000.5},
}


def test_a_lead_parses_and_ignores_unknown_members():
    lead = contract.parse_lead(LEAD)
    assert lead.meta.lead_type is contract.LeadType.SELLER
    assert lead.meta.creation_date == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert lead.contact.phone_numbers[0].number == "06 12 34 56 78"
    assert lead.contact.phone_numbers[0].is_verified
    assert lead.estimation is not None and lead.estimation.estimated_price_max == 270000.5
    assert lead.classified is None
    assert not lead.contact.is_erased


def test_an_erased_contact_is_recognised():
    erased = {
        **LEAD,
        "contactRequest": {
            "firstName": None,
            "lastName": None,
            "email": None,
            "gender": None,
            "language": None,
            "message": None,
            "phoneNumbers": [],
        },
    }
    assert contract.parse_lead(erased).contact.is_erased


@pytest.mark.parametrize(
    "broken",
    [
        {"contactRequest": {}},
        {**LEAD, "leadMetaInfos": {**LEAD["leadMetaInfos"], "leadType": "UNKNOWN"}},
        {**LEAD, "leadMetaInfos": {**LEAD["leadMetaInfos"], "creationDate": "yesterday"}},
        {**LEAD, "contactRequest": {"phoneNumbers": "0612"}},
        [],
    ],
)
def test_a_malformed_lead_is_a_contract_violation(broken):
    with pytest.raises(ContractViolation):
        contract.parse_lead(broken)


def test_a_page_needs_data_and_count():
    page = contract.parse_lead_page({"Data": {"Leads": [LEAD]}, "Count": 41}, PageRequest(size=20))
    assert page.count == 41 and page.page_count == 3
    with pytest.raises(ContractViolation):
        contract.parse_lead_page({"Data": {"Leads": [LEAD]}}, PageRequest())
    with pytest.raises(ContractViolation):
        contract.parse_lead_page({"Count": 1}, PageRequest())


def test_problem_details_read_both_spellings_of_errors():
    problem = contract.parse_problem(
        {
            "title": "Bad Request",
            "errors": [
                {"title": "EndDate", "message": "Missing"},
                {"name": "PageSize", "reason": "Too big"},
            ],
        },
        400,
    )
    assert [(e.field, e.message) for e in problem.errors] == [
        ("EndDate", "Missing"),
        ("PageSize", "Too big"),
    ]
    assert contract.parse_problem("not json", 502).status == 502


def test_search_body_uses_the_contract_names():
    body = contract.search_body(
        SearchCriteria(
            start=datetime(2026, 11, 1, tzinfo=UTC),
            end=datetime(2026, 11, 8, tzinfo=UTC),
            classified_ids=(42,),
            portals=("SLG-FRA",),
        ),
        PageRequest(index=2, size=50),
    )
    assert body == {
        "SearchCriteria": {
            "StartDate": "2026-11-01T00:00:00Z",
            "EndDate": "2026-11-08T00:00:00Z",
            "ClassifiedIds": [42],
            "Portals": ["SLG-FRA"],
        },
        "Pagination": {"PageIndex": 2, "PageSize": 50},
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "\tjava\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "VbScript:msgbox(1)",
        "//evil.example/listing",
        "ftp://files.example/listing",
        "https:evil.example",
        "https://www.seloger.com/annonces/1.htm\n<script>",
    ],
)
def test_only_web_addresses_become_listing_links(url: str) -> None:
    lead = contract.parse_lead(_lead_with_listing_url(url))
    assert lead.classified is not None and lead.classified.url is None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.seloger.com/annonces/achat/appartement/paris/123.htm",
        "HTTP://www.logic-immo.com/detail-vente-1.htm",
        "  https://www.bellesdemeures.com/annonce/9  ",
    ],
)
def test_web_addresses_stay(url: str) -> None:
    lead = contract.parse_lead(_lead_with_listing_url(url))
    assert lead.classified is not None and lead.classified.url == url.strip()


def _lead_with_listing_url(url: str) -> dict[str, object]:
    return {
        "leadMetaInfos": {
            "leadId": "lead-1",
            "leadType": "CLASSIFIED",
            "creationDate": "2026-11-30T10:00:00Z",
            "portal": "SLG-FRA",
        },
        "contactRequest": {"email": "x@example.org"},
        "classified": {"classifiedId": 123, "url": url},
    }
