"""AVIV Seeker Leads API v1 on the wire: every path, field name and limit, in one place.

This module is the only code of the project that knows what Seeker Leads' JSON looks like
(docs/api/aviv-seeker-leads-v1.yaml, written from ../shared/api/aviv-seeker-leads-v1-notes.md;
what the notes do not say is marked `x-inferred` there). It builds query strings and bodies and
turns responses into typed, immutable objects that say what the upstream said; `mapping.py`
then reads those as the dashboard's leads.

It differs from the GSL contract in ways a client must respect: a feed read by windows of at
most 7 days in Unix seconds (not a search), cursor pages announced by the status (206: more,
200: last, 404: nothing in the window) without a total, a 24-hour token that must be reused,
a mandatory User-Agent and a limit of 10 requests every 200 ms.

Parsing is tolerant where the contract allows it (unknown members ignored, optional members
missing or null) and strict where a wrong value would mislead a person (a lead without an id,
a category or an ingestion date is a malformed response, not a blank row).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from leadsportal.leads_api.contract import FieldError, Problem

# --- Hosts, paths and limits ------------------------------------------------------------------

PRODUCTION_BASE_URL: Final = "https://api.aviv-group.com/seeker-leads/v1"
SANDBOX_BASE_URL: Final = "https://api.aviv-group.com/sandbox/seeker-leads/v1"
# One identity provider for AVIV's APIs, production and sandbox alike.
AVIV_TOKEN_URL: Final = "https://auth.api.aviv-group.com/oauth/token"
AVIV_API_HOST: Final = "api.aviv-group.com"
# Every base URL ends with this; an embedded sandbox serves its token beside it (TOKEN_PATH).
BASE_PATH_SUFFIX: Final = "/seeker-leads/v1"
TOKEN_PATH: Final = "/oauth/token"

LEADS_PATH: Final = "/leads"
LEAD_PATH: Final = "/leads/{lead_id}"
SUBSCRIPTIONS_PATH: Final = "/webhook/subscriptions"
SUBSCRIPTION_PATH: Final = "/webhook/subscriptions/{subscription_id}"
SUBSCRIPTION_AUDIT_PATH: Final = "/webhook/subscriptions/{subscription_id}/audit"

# Query parameters of GET /leads.
PARAM_MIN_DATE: Final = "minDate"
PARAM_MAX_DATE: Final = "maxDate"
PARAM_LIMIT: Final = "limit"
PARAM_START: Final = "start"  # the cursor, inside links.next

# minDate and maxDate are both inclusive and at most 7 days apart.
MAX_WINDOW_SECONDS: Final = 7 * 86_400
# What the public client asks; the notes know of no larger page.
PAGE_SIZE: Final = 100
# A week of a busy agency is a few pages; a cursor that goes on past this is not a feed but a loop.
MAX_PAGES_PER_WINDOW: Final = 1_000
# Statuses of GET /leads: more pages follow, the last page, nothing in the window.
STATUS_MORE: Final = 206
STATUS_LAST: Final = 200
STATUS_EMPTY: Final = 404

# At most 10 requests every 200 ms (per client), or 429.
CONCURRENCY_LIMIT: Final = 10
CONCURRENCY_WINDOW_SECONDS: Final = 0.2

AUDIT_LIMIT_DEFAULT: Final = 10
AUDIT_LIMIT_MAX: Final = 100

# Tokens live 24 hours and must be reused for all of it (AVIV checks it before production).
TOKEN_LIFETIME_SECONDS: Final = 86_400
GRANT_TYPE: Final = "client_credentials"
# Requests without one are blocked by AVIV's firewall, the token request too.
USER_AGENT_HEADER: Final = "User-Agent"
# The key a subscription registers comes back with each webhook call in this header (x-inferred).
WEBHOOK_KEY_HEADER: Final = "X-Api-Key"

LEAD_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
SUBSCRIPTION_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# Two digits, then ten of 1-9 and A-Z without O (no 0/O confusion).
CLASSIFIED_ID_PATTERN: Final = re.compile(r"^[0-9]{2}[1-9A-NP-Z]{10}$")
OFFERER_REFERENCE_MAX: Final = 512
PROBLEM_CONTENT_TYPE: Final = "application/problem+json"


class ContractViolation(ValueError):
    """A response that does not follow the contract (missing required member, wrong type)."""


class LeadCategory(enum.StrEnum):
    CLASSIFIED = "CLASSIFIED"
    AGENCY = "AGENCY"
    PROPERTY_SEARCH = "PROPERTY_SEARCH"
    # Not in the docs' list, but in the public client's code: a tracked call to the agency.
    CALL_TRACKING = "CALL_TRACKING"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


# The 12 French portals of the GSL contract, and the group's other countries.
PORTALS: Final = (
    "SLG-FRA",
    "SLN-FRA",
    "SLC-FRA",
    "BCM-FRA",
    "LIM-FRA",
    "LIN-FRA",
    "LIC-FRA",
    "BDS-FRA",
    "LUX-FRA",
    "LCI-FRA",
    "MAG-FRA",
    "SIG-FRA",
    "IMN-DEU",
    "IWB-BEL",
    "IWT-DEU",
    "YSQ-DEU",
    "IWT-AUT",
    "SIG-DEU",
)
SEEKER_INTENTIONS: Final = ("SELL", "BUY", "RENT", "MANAGE", "ASK_A_QUESTION")
GENDERS: Final = ("MALE", "FEMALE", "OTHER", "PREFER_NOT_TO_DISCLOSE")
LANGUAGES: Final = ("DE", "EN", "ES", "FR", "HE", "IT", "NL", "PT", "RU")
PHONE_TYPES: Final = ("MOBILE", "LANDLINE")
ESTATE_TYPES: Final = (
    "HOUSE",
    "APARTMENT",
    "PLOT",
    "BUILDING",
    "OFFICE",
    "TRADING",
    "GASTRONOMY_HOTEL",
    "STORAGE_PRODUCTION",
    "AGRICULTURE_FORESTRY",
    "PARKING",
    "SENIOR",
    "PROJECT",
    "MISCELLANEOUS",
)
DISTRIBUTION_TYPES: Final = ("BUYER", "SELLER", "LANDLORD", "TENANT")
# What the public client compares callDetails.status with; other values are kept as sent.
CALL_ANSWERED: Final = "ANSWERED"


# --- Requests --------------------------------------------------------------------------------


def window_slices(start: datetime, end: datetime) -> tuple[tuple[int, int], ...]:
    """The half-open period [start, end) as the (minDate, maxDate) pairs the API accepts.

    Both bounds of a pair are inclusive Unix seconds, so consecutive pairs meet without
    overlapping (a lead on a boundary comes once), and each spans 7 days of seconds at most
    (maxDate - minDate < 7 days): the strictest reading of "at most 7 days".
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass aware datetimes")
    first = math.ceil(start.timestamp())
    last = math.ceil(end.timestamp()) - 1
    slices: list[tuple[int, int]] = []
    low = first
    while low <= last:
        high = min(low + MAX_WINDOW_SECONDS - 1, last)
        slices.append((low, high))
        low = high + 1
    return tuple(slices)


def leads_query(min_date: int, max_date: int, limit: int = PAGE_SIZE) -> dict[str, int]:
    if max_date < min_date or max_date - min_date >= MAX_WINDOW_SECONDS:
        raise ValueError("a window of GET /leads is 1 second to 7 days long")
    if not 1 <= limit <= PAGE_SIZE:
        raise ValueError(f"limit is 1..{PAGE_SIZE}")
    return {PARAM_MIN_DATE: min_date, PARAM_MAX_DATE: max_date, PARAM_LIMIT: limit}


def audit_query(limit: int = AUDIT_LIMIT_DEFAULT) -> dict[str, int]:
    if not 1 <= limit <= AUDIT_LIMIT_MAX:
        raise ValueError(f"limit is 1..{AUDIT_LIMIT_MAX}")
    return {PARAM_LIMIT: limit}


def token_body(
    *, client_id: str, client_secret: str, audience: str, intermediary_id: str = ""
) -> dict[str, str]:
    """A JSON body, not a form: AVIV's identity provider wants the API's audience in it."""
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": GRANT_TYPE,
        "audience": audience,
    }
    if intermediary_id:
        body["intermediary_id"] = intermediary_id
    return body


def subscription_body(*, url: str, api_key: str, status: SubscriptionStatus) -> dict[str, str]:
    return {"url": url, "apiKey": api_key, "status": status.value}


def default_token_url(base_url: str) -> str:
    """AVIV's identity provider for AVIV's hosts; beside the API for an embedded sandbox."""
    parts = urlsplit(base_url)
    if parts.hostname == AVIV_API_HOST:
        return AVIV_TOKEN_URL
    root = base_url.rstrip("/").removesuffix(BASE_PATH_SUFFIX)
    return root + TOKEN_PATH


def next_page_url(base_url: str, raw_next: str) -> str:
    """links.next, resolved against the API, if it stays on the API.

    The bearer token travels with the next request: a link to another host (or scheme, or a
    path outside the API) is refused, never followed.
    """
    base = urlsplit(base_url.rstrip("/") + "/")
    resolved = urljoin(base_url.rstrip("/") + LEADS_PATH, raw_next)
    target = urlsplit(resolved)
    if (target.scheme, target.netloc) != (base.scheme, base.netloc) or not (
        target.path + "/"
    ).startswith(base.path):
        raise ContractViolation("links.next leaves the API")
    return resolved


# --- Responses -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"

    def __repr__(self) -> str:  # a token in a traceback is a token in a log
        return f"Token(expires_in={self.expires_in})"


@dataclass(frozen=True, slots=True)
class SeekerPhone:
    number: str
    type: str | None = None
    verified: bool = False


@dataclass(frozen=True, slots=True)
class SeekerContact:
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    email: str | None = None
    phone_numbers: tuple[SeekerPhone, ...] = ()
    gender: str | None = None
    language: str | None = None
    message: str | None = None
    is_owner: bool | None = None

    @property
    def is_erased(self) -> bool:
        """The portal erased the seeker's data (GDPR): names, message, gender, language gone,
        no phone. The e-mail is not on the portal's list of erased members."""
        return (
            self.first_name is None
            and self.last_name is None
            and self.name is None
            and self.message is None
            and self.gender is None
            and self.language is None
            and not self.phone_numbers
        )


@dataclass(frozen=True, slots=True)
class SeekerProperty:
    """The listing's ids (the portal's and the agency's own), and for searches the criteria."""

    classified_id: str | None = None
    offerer_estate_id: str | None = None
    offerer_marketing_key: str | None = None
    project_id: str | None = None
    project_offerer_estate_id: str | None = None
    project_offerer_marketing_key: str | None = None
    estate_types: tuple[str, ...] = ()
    rooms_min: float | None = None
    rooms_max: float | None = None
    space_min: float | None = None
    space_max: float | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    city: str | None = None
    postal_codes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    @property
    def has_criteria(self) -> bool:
        return bool(
            self.estate_types
            or self.postal_codes
            or self.departments
            or self.city
            or any(
                value is not None
                for value in (
                    self.rooms_min,
                    self.rooms_max,
                    self.space_min,
                    self.space_max,
                    self.budget_min,
                    self.budget_max,
                )
            )
        )


@dataclass(frozen=True, slots=True)
class SeekerCallDetails:
    seeker_phone_number: str | None = None
    is_voicemail: bool | None = None
    duration_seconds: int | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class SeekerMetadata:
    lead_id: str
    ingestion_date: datetime
    lead_category: LeadCategory
    portal: str
    ttl: datetime | None = None
    seeker_intention: str | None = None


@dataclass(frozen=True, slots=True)
class SeekerLead:
    metadata: SeekerMetadata
    contact: SeekerContact
    property_info: SeekerProperty | None = None
    call_details: SeekerCallDetails | None = None
    distribution_types: tuple[str, ...] = ()

    @property
    def lead_id(self) -> str:
        return self.metadata.lead_id


@dataclass(frozen=True, slots=True)
class LeadsPage:
    """One page of a window. `next_url` is set on a 206 (more follow), None on the last page."""

    leads: tuple[SeekerLead, ...]
    next_url: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A webhook subscription. Its apiKey is ours: never kept here, never shown back."""

    subscription_id: str
    url: str
    status: SubscriptionStatus
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    timestamp: datetime
    success: bool
    http_status: int | None = None
    lead_id: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionAudit:
    last_success: datetime | None
    recent_events: tuple[AuditEvent, ...]


# --- Parsing helpers -------------------------------------------------------------------------


def _mapping(value: Any, where: str, *, required: bool = False) -> Mapping[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        raise ContractViolation(f"{where} should be an object")
    return value


def _str(obj: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise ContractViolation(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ContractViolation(f"{name} should be a string")
    return value


def _required_str(obj: Mapping[str, Any], name: str) -> str:
    value = _str(obj, name, required=True)
    if not value:
        raise ContractViolation(f"{name} should not be empty")
    return value


def _number(obj: Mapping[str, Any], name: str) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContractViolation(f"{name} should be a number")
    return float(value)


def _int(obj: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise ContractViolation(f"{name} is required")
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContractViolation(f"{name} should be an integer")
    return value


def _bool(obj: Mapping[str, Any], name: str) -> bool | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ContractViolation(f"{name} should be a boolean")
    return value


def _str_list(obj: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = obj.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContractViolation(f"{name} should be a list of strings")
    return tuple(value)


# Unix seconds from 1970 to 2100: a value outside is a unit mistake (milliseconds), not a date.
_LATEST_SECONDS: Final = 4_102_444_800


def parse_unix(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContractViolation(f"{name} should be Unix seconds")
    if not 0 <= value < _LATEST_SECONDS:
        raise ContractViolation(f"{name} is not a plausible Unix time in seconds")
    return datetime.fromtimestamp(value, UTC)


def _optional_unix(obj: Mapping[str, Any], name: str) -> datetime | None:
    value = obj.get(name)
    return None if value is None else parse_unix(value, name)


# --- Parsers ---------------------------------------------------------------------------------


def parse_token(payload: Any) -> Token:
    obj = _mapping(payload, "token response", required=True)
    assert obj is not None
    token_type = _str(obj, "token_type") or "Bearer"
    if token_type.lower() != "bearer":
        raise ContractViolation("token_type should be Bearer")
    expires_in = _int(obj, "expires_in", required=True)
    assert expires_in is not None
    if expires_in <= 0:
        raise ContractViolation("expires_in should be positive")
    return Token(access_token=_required_str(obj, "access_token"), expires_in=expires_in)


def parse_oauth_error(payload: Any) -> str:
    """The `error` code of a refused token request, for logs ("" when there is none)."""
    if isinstance(payload, Mapping) and isinstance(payload.get("error"), str):
        return str(payload["error"])[:100]
    return ""


def parse_problem(payload: Any, status: int) -> Problem:
    """RFC 7807 problem details, with the validation `errors[]` ({name, reason, meta}).

    Anything unreadable still gives a Problem: an error must never hide behind a parse error.
    """
    if not isinstance(payload, Mapping):
        return Problem(status=status)
    errors: list[FieldError] = []
    raw_errors = payload.get("errors")
    if isinstance(raw_errors, list):
        for item in raw_errors:
            if isinstance(item, Mapping):
                errors.append(
                    FieldError(
                        field=str(item.get("name") or ""), message=str(item.get("reason") or "")
                    )
                )
    title, detail, kind = payload.get("title"), payload.get("detail"), payload.get("type")
    return Problem(
        status=status,
        title=title if isinstance(title, str) else "",
        detail=detail if isinstance(detail, str) else "",
        type=kind if isinstance(kind, str) else "about:blank",
        errors=tuple(errors),
    )


def problem_instance(payload: Any) -> str:
    """The problem's `instance`: the request's traceparent, what AVIV's support asks for."""
    if isinstance(payload, Mapping) and isinstance(payload.get("instance"), str):
        return str(payload["instance"])[:200]
    return ""


def _parse_phone(value: Any) -> SeekerPhone | None:
    obj = _mapping(value, "phoneNumbers[]")
    if obj is None:
        return None
    number = _str(obj, "number")
    if not number or not number.strip():
        return None
    return SeekerPhone(number=number, type=_str(obj, "type"), verified=bool(_bool(obj, "verified")))


def _parse_contact(value: Any) -> SeekerContact:
    obj = _mapping(value, "contactRequest")
    if obj is None:  # a tracked call may come without a contact request
        return SeekerContact()
    raw_phones = obj.get("phoneNumbers")
    if raw_phones is not None and not isinstance(raw_phones, list):
        raise ContractViolation("phoneNumbers should be a list")
    phones = tuple(p for p in (_parse_phone(item) for item in raw_phones or ()) if p is not None)
    return SeekerContact(
        first_name=_str(obj, "firstName"),
        last_name=_str(obj, "lastName"),
        name=_str(obj, "name"),
        email=_str(obj, "email"),
        phone_numbers=phones,
        gender=_str(obj, "gender"),
        language=_str(obj, "language"),
        message=_str(obj, "message"),
        is_owner=_bool(obj, "isOwner"),
    )


def _range(obj: Mapping[str, Any], name: str, low: str, high: str) -> tuple[float | None, ...]:
    inner = _mapping(obj.get(name), name)
    if inner is None:
        return (None, None)
    return (_number(inner, low), _number(inner, high))


def _parse_property(value: Any) -> SeekerProperty | None:
    obj = _mapping(value, "property")
    if obj is None:
        return None
    rooms = _range(obj, "rooms", "numberOfRoomsMin", "numberOfRoomsMax")
    spaces = _range(obj, "spaces", "spaceMin", "spaceMax")
    budget = _range(obj, "budget", "amountMin", "amountMax")
    geo = _mapping(obj.get("geo"), "geo") or {}
    return SeekerProperty(
        classified_id=_str(obj, "classifiedId"),
        offerer_estate_id=_str(obj, "offererEstateId"),
        offerer_marketing_key=_str(obj, "offererMarketingKey"),
        project_id=_str(obj, "projectId"),
        project_offerer_estate_id=_str(obj, "projectOffererEstateId"),
        project_offerer_marketing_key=_str(obj, "projectOffererMarketingKey"),
        estate_types=_str_list(obj, "estateType"),
        rooms_min=rooms[0],
        rooms_max=rooms[1],
        space_min=spaces[0],
        space_max=spaces[1],
        budget_min=budget[0],
        budget_max=budget[1],
        city=_str(geo, "city"),
        postal_codes=_str_list(geo, "postalCodes"),
        departments=_str_list(geo, "departments"),
    )


def _parse_call_details(value: Any) -> SeekerCallDetails | None:
    obj = _mapping(value, "callDetails")
    if obj is None:
        return None
    duration = _int(obj, "duration")
    if duration is not None and duration < 0:
        raise ContractViolation("duration should not be negative")
    return SeekerCallDetails(
        seeker_phone_number=_str(obj, "seekerPhoneNumber"),
        is_voicemail=_bool(obj, "isVoiceMail"),
        duration_seconds=duration,
        status=_str(obj, "status"),
    )


def _parse_metadata(value: Any) -> SeekerMetadata:
    obj = _mapping(value, "metadata", required=True)
    assert obj is not None
    raw_category = _required_str(obj, "leadCategory")
    try:
        category = LeadCategory(raw_category)
    except ValueError as exc:
        raise ContractViolation(f"unknown leadCategory {raw_category!r}") from exc
    ingestion = obj.get("ingestionDate")
    if ingestion is None:
        raise ContractViolation("ingestionDate is required")
    lead_id = _required_str(obj, "leadId")
    if not LEAD_ID_PATTERN.match(lead_id):
        raise ContractViolation("leadId has characters a lead id never has")
    return SeekerMetadata(
        lead_id=lead_id,
        ingestion_date=parse_unix(ingestion, "ingestionDate"),
        lead_category=category,
        portal=_required_str(obj, "portal"),
        ttl=_optional_unix(obj, "TTL"),
        seeker_intention=_str(obj, "seekerIntention"),
    )


def parse_lead(payload: Any) -> SeekerLead:
    obj = _mapping(payload, "lead", required=True)
    assert obj is not None
    return SeekerLead(
        metadata=_parse_metadata(obj.get("metadata")),
        contact=_parse_contact(obj.get("contactRequest")),
        property_info=_parse_property(obj.get("property")),
        call_details=_parse_call_details(obj.get("callDetails")),
        distribution_types=_str_list(obj, "distributionType"),
    )


def parse_leads_page(payload: Any, status: int, base_url: str) -> LeadsPage:
    """A 200 or 206 body. A 206 must say where the next page is; a 200 is the last page."""
    obj = _mapping(payload, "page", required=True)
    assert obj is not None
    items = obj.get("items")
    if not isinstance(items, list):
        raise ContractViolation("items should be a list")
    links = _mapping(obj.get("links"), "links") or {}
    raw_next = _str(links, "next")
    next_url: str | None = None
    if status == STATUS_MORE:
        if not raw_next:
            raise ContractViolation("a 206 page needs links.next")
        next_url = next_page_url(base_url, raw_next)
    return LeadsPage(leads=tuple(parse_lead(item) for item in items), next_url=next_url)


def parse_subscription(payload: Any) -> Subscription:
    obj = _mapping(payload, "subscription", required=True)
    assert obj is not None
    raw_status = _required_str(obj, "status")
    try:
        status = SubscriptionStatus(raw_status)
    except ValueError as exc:
        raise ContractViolation(f"unknown subscription status {raw_status!r}") from exc
    return Subscription(
        subscription_id=_required_str(obj, "subscriptionId"),
        url=_required_str(obj, "url"),
        status=status,
        created_at=_optional_unix(obj, "createdAt"),
        updated_at=_optional_unix(obj, "updatedAt"),
    )


def parse_audit(payload: Any) -> SubscriptionAudit:
    obj = _mapping(payload, "audit", required=True)
    assert obj is not None
    raw_events = obj.get("recentEvents")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise ContractViolation("recentEvents should be a list")
    events = []
    for raw in raw_events:
        event = _mapping(raw, "recentEvents[]", required=True)
        assert event is not None
        timestamp = event.get("timestamp")
        if timestamp is None:
            raise ContractViolation("recentEvents[].timestamp is required")
        events.append(
            AuditEvent(
                timestamp=parse_unix(timestamp, "timestamp"),
                success=bool(_bool(event, "success")),
                http_status=_int(event, "httpStatus"),
                lead_id=_str(event, "leadId"),
            )
        )
    return SubscriptionAudit(
        last_success=_optional_unix(obj, "lastSuccessTimestamp"), recent_events=tuple(events)
    )
