"""The GSL Customer Leads API v2 on the wire: every path, field name and limit, in one place.

This module is the only code of the project that knows what the API's JSON looks like. It turns
our typed requests into request bodies and the API's responses into typed, immutable objects.
When the live API turns out to differ from docs/api/gsl-leads-v2.yaml (whose schemas were partly
reconstructed, see `x-inferred` there), this is the file to change.

Parsing is tolerant where the contract allows it (unknown members are ignored, optional members
may be missing or null) and strict where a wrong value would mislead a person (a lead without an
id, a type or a creation date is a malformed response, not a blank row).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

# --- Limits and paths ------------------------------------------------------------------------

SCOPE: Final = "laas:leads:get"
TOKEN_PATH: Final = "/oauth/token"
MAX_WINDOW_DAYS: Final = 92
PAGE_SIZE_MAX: Final = 100
PAGE_SIZE_DEFAULT: Final = 20
RATE_LIMIT_PER_SECOND: Final = 50
LEAD_PATH: Final = "/v2/leads/{lead_id}"
# Lead ids as the API makes them: anything else is refused before a call, never stored.
LEAD_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
CLASSIFIED_LEADS_PATH: Final = "/v2/classifieds/{classified_id}/leads"
PROBLEM_CONTENT_TYPE: Final = "application/problem+json"


class ContractViolation(ValueError):
    """A response that does not follow the contract (missing required member, wrong type)."""


class LeadType(enum.StrEnum):
    CLASSIFIED = "CLASSIFIED"
    AGENCY = "AGENCY"
    SELLER = "SELLER"
    PROPERTY_SEARCH = "PROPERTY_SEARCH"
    # A tracked phone call to the agency: AVIV Seeker Leads only (leadsportal/seeker_api), never
    # in a GSL response (the GSL parser refuses it); its lead carries `call_details`.
    CALL_TRACKING = "CALL_TRACKING"


# The types a GSL v2 response may carry.
GSL_LEAD_TYPES: Final = frozenset(
    {LeadType.CLASSIFIED, LeadType.AGENCY, LeadType.SELLER, LeadType.PROPERTY_SEARCH}
)


class LeadFamily(enum.StrEnum):
    """A search route of the API: all leads, or the leads of one type."""

    ALL = "all"
    CLASSIFIED = "classified"
    AGENCY = "agency"
    SELLER = "seller"
    PROPERTY_SEARCH = "property_search"
    # Tracked calls ("Appels"): AVIV Seeker Leads only; GSL v2 has no such route (GSL_FAMILIES).
    CALL_TRACKING = "call_tracking"

    @property
    def search_path(self) -> str:
        return _SEARCH_PATHS[self]

    @property
    def lead_type(self) -> LeadType | None:
        return None if self is LeadFamily.ALL else LeadType[self.name]


_SEARCH_PATHS: Final[dict[LeadFamily, str]] = {
    LeadFamily.ALL: "/v2/leads/search",
    LeadFamily.CLASSIFIED: "/v2/classifieds/leads/search",
    LeadFamily.AGENCY: "/v2/agencies/leads/search",
    LeadFamily.SELLER: "/v2/sellers/leads/search",
    LeadFamily.PROPERTY_SEARCH: "/v2/propertysearches/leads/search",
}
# The families GSL v2 has a search route for.
GSL_FAMILIES: Final = frozenset(_SEARCH_PATHS)

# Brand codes of the Portal enum, with the names the contract gives them.
PORTALS: Final[dict[str, str]] = {
    "SLG-FRA": "SeLoger",
    "SLN-FRA": "SeLoger Neuf",
    "SLC-FRA": "SeLoger Construire",
    "BCM-FRA": "SeLoger Bureaux et Commerces",
    "LIM-FRA": "Logic-Immo",
    "LIN-FRA": "Logic-Immo Neuf",
    "LIC-FRA": "Logic-Immo Construire",
    "BDS-FRA": "Belles Demeures",
    "LUX-FRA": "Luxe Residence",
    "LCI-FRA": "La Cote Immo",
    "MAG-FRA": "Meilleurs Agents",
    "SIG-FRA": "Signify",
}
ESTATE_TYPES: Final = (
    "HOUSE",
    "APARTMENT",
    "PLOT",
    "BUILDING",
    "OFFICE",
    "TRADING",
    "PARKING",
    "MISCELLANEOUS",
)
SALE_TIMEFRAMES: Final = (
    "IMMEDIATE",
    "LESS_THAN_3_MONTHS",
    "LESS_THAN_6_MONTHS",
    "MORE_THAN_6_MONTHS",
    "UNKNOWN",
)
INTENTIONS: Final = ("BUY", "RENT", "SELL", "MANAGE", "ASK_A_QUESTION")


# --- Requests --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """Lead creation window [start, end) plus optional listing and portal filters."""

    start: datetime
    end: datetime
    classified_ids: tuple[int, ...] = ()
    portals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PageRequest:
    index: int = 1
    size: int = PAGE_SIZE_DEFAULT


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, the form the contract's date-time examples use."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pagination_body(page: PageRequest) -> dict[str, int]:
    return {"PageIndex": page.index, "PageSize": page.size}


def search_body(criteria: SearchCriteria, page: PageRequest) -> dict[str, Any]:
    search: dict[str, Any] = {
        "StartDate": format_datetime(criteria.start),
        "EndDate": format_datetime(criteria.end),
    }
    if criteria.classified_ids:
        search["ClassifiedIds"] = list(criteria.classified_ids)
    if criteria.portals:
        search["Portals"] = list(criteria.portals)
    return {"SearchCriteria": search, "Pagination": pagination_body(page)}


def classified_leads_body(page: PageRequest) -> dict[str, Any]:
    return {"Pagination": pagination_body(page)}


# --- Responses -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Problem:
    """RFC 7807 problem details, with the API's `errors[]` of validation problems."""

    status: int
    title: str = ""
    detail: str = ""
    type: str = "about:blank"
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    number: str
    type: str | None = None
    is_verified: bool = False


@dataclass(frozen=True, slots=True)
class Contact:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_numbers: tuple[PhoneNumber, ...] = ()
    gender: str | None = None
    language: str | None = None
    message: str | None = None
    is_owner: bool | None = None

    @property
    def is_erased(self) -> bool:
        """True when the seeker had their personal data erased (GDPR): everything is gone."""
        return (
            self.first_name is None
            and self.last_name is None
            and self.email is None
            and not self.phone_numbers
            and self.message is None
        )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class LeadMeta:
    lead_id: str
    lead_type: LeadType
    creation_date: datetime
    portal: str
    agency_id: int | None = None
    intention: str | None = None
    expiration_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Classified:
    classified_id: int
    reference: str | None = None
    title: str | None = None
    transaction_type: str | None = None
    estate_type: str | None = None
    price: float | None = None
    living_area: float | None = None
    rooms: int | None = None
    postal_code: str | None = None
    city: str | None = None
    url: str | None = None
    # The listing's id as its portal writes it when that is not the number (AVIV Seeker Leads:
    # 12 characters such as "12ABCDEFGHJK"; `classified_id` is then its lossless number form).
    portal_id: str | None = None

    @property
    def number_label(self) -> str:
        """The listing's number as a person reads it on the portal."""
        return self.portal_id or str(self.classified_id)


@dataclass(frozen=True, slots=True)
class Estimation:
    estate_type: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    living_area: float | None = None
    rooms: int | None = None
    estimated_price_min: float | None = None
    estimated_price_max: float | None = None
    sale_timeframe: str | None = None


@dataclass(frozen=True, slots=True)
class PropertySearch:
    transaction_type: str | None = None
    estate_types: tuple[str, ...] = ()
    rooms_min: int | None = None
    rooms_max: int | None = None
    living_area_min: float | None = None
    living_area_max: float | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    city: str | None = None
    postal_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallDetails:
    """A tracked call (lead type CALL_TRACKING, AVIV Seeker Leads only)."""

    seeker_phone_number: str | None = None
    is_voicemail: bool | None = None
    duration_seconds: int | None = None
    status: str | None = None  # e.g. ANSWERED, MISSED: the upstream's word, kept as sent


@dataclass(frozen=True, slots=True)
class Lead:
    meta: LeadMeta
    contact: Contact
    classified: Classified | None = None
    estimation: Estimation | None = None
    property_search: PropertySearch | None = None
    call_details: CallDetails | None = None

    @property
    def lead_id(self) -> str:
        return self.meta.lead_id

    @property
    def lead_type(self) -> LeadType:
        return self.meta.lead_type


@dataclass(frozen=True, slots=True)
class LeadPage:
    leads: tuple[Lead, ...]
    count: int
    page: PageRequest = field(default_factory=PageRequest)

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.count / self.page.size))


# --- Parsing helpers -------------------------------------------------------------------------


def _get(obj: Mapping[str, Any], name: str) -> Any:
    """A member by its contract name, tolerating other casings (the page mixes them)."""
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return None


def _mapping(value: Any, where: str, *, required: bool = False) -> Mapping[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        raise ContractViolation(f"{where} should be an object")
    return value


def _str(obj: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = _get(obj, name)
    if value is None:
        if required:
            raise ContractViolation(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ContractViolation(f"{name} should be a string")
    return value


def _required_str(obj: Mapping[str, Any], name: str) -> str:
    value = _str(obj, name, required=True)
    assert value is not None
    return value


def _number(obj: Mapping[str, Any], name: str) -> float | None:
    value = _get(obj, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ContractViolation(f"{name} should be a number")
    return float(value)


def _int(obj: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    value = _get(obj, name)
    if value is None:
        if required:
            raise ContractViolation(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ContractViolation(f"{name} should be an integer")
    return value


def _bool(obj: Mapping[str, Any], name: str) -> bool | None:
    value = _get(obj, name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ContractViolation(f"{name} should be a boolean")
    return value


def _str_list(obj: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = _get(obj, name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContractViolation(f"{name} should be a list of strings")
    return tuple(value)


def parse_datetime(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ContractViolation(f"{name} should be a date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ContractViolation(f"{name} is not an ISO 8601 date-time") from exc
    # A date-time without offset is read as UTC, the API's zone.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _optional_datetime(obj: Mapping[str, Any], name: str) -> datetime | None:
    value = _get(obj, name)
    return None if value is None else parse_datetime(value, name)


# --- Parsers ---------------------------------------------------------------------------------


def parse_token(payload: Any) -> Token:
    obj = _mapping(payload, "token response", required=True)
    assert obj is not None
    token_type = _str(obj, "token_type") or "Bearer"
    if token_type.lower() != "bearer":
        raise ContractViolation("token_type should be Bearer")
    scope = _get(obj, "scope")
    if isinstance(scope, list):  # oauthlib hands the scope over as a list of scopes
        scope = " ".join(str(item) for item in scope)
    if scope is not None and not isinstance(scope, str):
        raise ContractViolation("scope should be a string")
    return Token(
        access_token=_required_str(obj, "access_token"),
        expires_in=_int(obj, "expires_in", required=True) or 0,
        scope=scope or "",
    )


def parse_problem(payload: Any, status: int) -> Problem:
    """Problem details from an error body; anything unreadable still gives a Problem."""
    if not isinstance(payload, Mapping):
        return Problem(status=status)
    errors: list[FieldError] = []
    raw_errors = _get(payload, "errors")
    if isinstance(raw_errors, list):
        for item in raw_errors:
            if isinstance(item, Mapping):
                # The public page's prose example says name/reason; its JSON says title/message.
                name = _get(item, "title") or _get(item, "name") or ""
                message = _get(item, "message") or _get(item, "reason") or ""
                errors.append(FieldError(field=str(name), message=str(message)))
    title = _get(payload, "title")
    detail = _get(payload, "detail")
    problem_type = _get(payload, "type")
    return Problem(
        status=status,
        title=title if isinstance(title, str) else "",
        detail=detail if isinstance(detail, str) else "",
        type=problem_type if isinstance(problem_type, str) else "about:blank",
        errors=tuple(errors),
    )


def _parse_phone(value: Any) -> PhoneNumber | None:
    obj = _mapping(value, "phoneNumbers[]")
    if obj is None:
        return None
    number = _str(obj, "number")
    if not number:
        return None
    return PhoneNumber(
        number=number, type=_str(obj, "type"), is_verified=bool(_bool(obj, "isVerified"))
    )


def _parse_contact(value: Any) -> Contact:
    obj = _mapping(value, "contactRequest", required=True)
    assert obj is not None
    raw_phones = _get(obj, "phoneNumbers")
    if raw_phones is not None and not isinstance(raw_phones, list):
        raise ContractViolation("phoneNumbers should be a list")
    phones = tuple(p for p in (_parse_phone(item) for item in raw_phones or ()) if p is not None)
    return Contact(
        first_name=_str(obj, "firstName"),
        last_name=_str(obj, "lastName"),
        email=_str(obj, "email"),
        phone_numbers=phones,
        gender=_str(obj, "gender"),
        language=_str(obj, "language"),
        message=_str(obj, "message"),
        is_owner=_bool(obj, "isOwner"),
    )


def _parse_meta(value: Any) -> LeadMeta:
    obj = _mapping(value, "leadMetaInfos", required=True)
    assert obj is not None
    raw_type = _required_str(obj, "leadType")
    try:
        lead_type = LeadType(raw_type)
    except ValueError as exc:
        raise ContractViolation(f"unknown leadType {raw_type!r}") from exc
    if lead_type not in GSL_LEAD_TYPES:
        raise ContractViolation(f"unknown leadType {raw_type!r}")
    creation = _get(obj, "creationDate")
    if creation is None:
        raise ContractViolation("creationDate is required")
    return LeadMeta(
        lead_id=_required_str(obj, "leadId"),
        lead_type=lead_type,
        creation_date=parse_datetime(creation, "creationDate"),
        portal=_required_str(obj, "portal"),
        agency_id=_int(obj, "agencyId"),
        intention=_str(obj, "intention"),
        expiration_date=_optional_datetime(obj, "expirationDate"),
    )


def _parse_classified(value: Any) -> Classified | None:
    obj = _mapping(value, "classified")
    if obj is None:
        return None
    classified_id = _int(obj, "classifiedId", required=True)
    assert classified_id is not None
    return Classified(
        classified_id=classified_id,
        reference=_str(obj, "reference"),
        title=_str(obj, "title"),
        transaction_type=_str(obj, "transactionType"),
        estate_type=_str(obj, "estateType"),
        price=_number(obj, "price"),
        living_area=_number(obj, "livingArea"),
        rooms=_int(obj, "rooms"),
        postal_code=_str(obj, "postalCode"),
        city=_str(obj, "city"),
        url=_web_url(_str(obj, "url")),
    )


def _web_url(value: str | None) -> str | None:
    """A listing's address on its portal, if it is a web address with a host: anything else
    (`javascript:`, `data:`, `vbscript:` in any case, a scheme hidden behind control
    characters, which browsers skip) never becomes a link."""
    if not value:
        return None
    cleaned = value.strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in cleaned):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return cleaned


def _parse_estimation(value: Any) -> Estimation | None:
    obj = _mapping(value, "estimation")
    if obj is None:
        return None
    return Estimation(
        estate_type=_str(obj, "estateType"),
        address=_str(obj, "address"),
        postal_code=_str(obj, "postalCode"),
        city=_str(obj, "city"),
        living_area=_number(obj, "livingArea"),
        rooms=_int(obj, "rooms"),
        estimated_price_min=_number(obj, "estimatedPriceMin"),
        estimated_price_max=_number(obj, "estimatedPriceMax"),
        sale_timeframe=_str(obj, "saleTimeframe"),
    )


def _parse_property_search(value: Any) -> PropertySearch | None:
    obj = _mapping(value, "propertySearch")
    if obj is None:
        return None
    return PropertySearch(
        transaction_type=_str(obj, "transactionType"),
        estate_types=_str_list(obj, "estateTypes"),
        rooms_min=_int(obj, "roomsMin"),
        rooms_max=_int(obj, "roomsMax"),
        living_area_min=_number(obj, "livingAreaMin"),
        living_area_max=_number(obj, "livingAreaMax"),
        budget_min=_number(obj, "budgetMin"),
        budget_max=_number(obj, "budgetMax"),
        city=_str(obj, "city"),
        postal_codes=_str_list(obj, "postalCodes"),
    )


def parse_lead(payload: Any) -> Lead:
    obj = _mapping(payload, "lead", required=True)
    assert obj is not None
    return Lead(
        meta=_parse_meta(_get(obj, "leadMetaInfos")),
        contact=_parse_contact(_get(obj, "contactRequest")),
        classified=_parse_classified(_get(obj, "classified")),
        estimation=_parse_estimation(_get(obj, "estimation")),
        property_search=_parse_property_search(_get(obj, "propertySearch")),
    )


def parse_lead_page(payload: Any, page: PageRequest) -> LeadPage:
    obj = _mapping(payload, "page", required=True)
    assert obj is not None
    data = _mapping(_get(obj, "Data"), "Data", required=True)
    assert data is not None
    raw_leads = _get(data, "Leads")
    if not isinstance(raw_leads, Sequence) or isinstance(raw_leads, str):
        raise ContractViolation("Data.Leads should be a list")
    count = _int(obj, "Count", required=True)
    assert count is not None
    if count < 0:
        raise ContractViolation("Count should not be negative")
    return LeadPage(leads=tuple(parse_lead(item) for item in raw_leads), count=count, page=page)
