"""Seeker Leads' leads read as the dashboard's leads (leadsportal.leads_api's `Lead`).

Everything a person sees (families, listing, contact, criteria, expiry) is built on the GSL
model, so an agency on Seeker Leads gets the same pages once this mapping has run. What maps:

- Family: CLASSIFIED and CALL_TRACKING keep theirs; an owner who wants to sell (intention SELL)
  is a seller, as GSL's SELLER family is; other AGENCY and PROPERTY_SEARCH leads keep theirs.
- Listing: Seeker gives ids only. The reference shown is the agency's own (`offererEstateId`,
  else its marketing key, else the new-build programme's); the portal's 12-character id becomes
  `Classified.portal_id`, and its lossless number form `classified_id` (what our tables, URLs
  and filters key on).
- Dates: ingestion date for creation, TTL for expiry (after it the lead must be gone).
- A portal's GDPR erasure keeps the e-mail; the dashboard drops it too, so that the lead reads
  as erased on both upstreams and the seeker is not left findable by address alone.
- A tracked call: its details, and the caller's number among the contact's phones (so that the
  search by phone and "déjà connu" see it).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from leadsportal.leads_api.contract import (
    CallDetails,
    Classified,
    Contact,
    Estimation,
    Lead,
    LeadMeta,
    LeadType,
    PhoneNumber,
    PropertySearch,
)
from leadsportal.seeker_api.contract import (
    CLASSIFIED_ID_PATTERN,
    LeadCategory,
    SeekerContact,
    SeekerLead,
    SeekerProperty,
)

# The ten characters after the two digits of a classifiedId, in order (no 0, no O).
_ALPHABET: Final = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_BASE: Final = len(_ALPHABET)  # 34
_SPAN: Final = _BASE**10
# Ids outside the documented format get a digest at and above this, far past any encoded id
# (< 100 * 34**10 < 2**58), and below 2**61: a BigIntegerField holds both.
_DIGEST_FLOOR: Final = 1 << 60

_TRANSACTIONS: Final = {"BUY": "SALE", "RENT": "RENT"}
_DISTRIBUTION_TRANSACTIONS: Final = {"BUYER": "SALE", "TENANT": "RENT"}
_DIGITS = re.compile(r"\D")
# The families whose criteria describe what the seeker looks for (a listing's lead has the
# listing's own type, not a search).
_SEARCHING: Final = frozenset({LeadType.PROPERTY_SEARCH, LeadType.AGENCY})


def classified_number(portal_id: str) -> int:
    """The listing's number for our tables: a bijection of a documented classifiedId (two
    digits, then ten of 1-9A-NP-Z, read in base 34), a stable digest of any other."""
    if CLASSIFIED_ID_PATTERN.match(portal_id):
        value = 0
        for char in portal_id[2:]:
            value = value * _BASE + _ALPHABET.index(char)
        return int(portal_id[:2]) * _SPAN + value
    digest = hashlib.blake2b(portal_id.encode(), digest_size=8).digest()
    return _DIGEST_FLOOR + int.from_bytes(digest, "big") % _DIGEST_FLOOR


def classified_code(number: int) -> str | None:
    """The classifiedId a number came from (None for a digest or a number out of range)."""
    if not 0 <= number < 100 * _SPAN:
        return None
    prefix, value = divmod(number, _SPAN)
    chars = []
    for _ in range(10):
        value, index = divmod(value, _BASE)
        chars.append(_ALPHABET[index])
    return f"{prefix:02d}" + "".join(reversed(chars))


def lead_type(lead: SeekerLead) -> LeadType:
    category = lead.metadata.lead_category
    if category is LeadCategory.CALL_TRACKING:
        return LeadType.CALL_TRACKING
    if category is LeadCategory.CLASSIFIED:
        return LeadType.CLASSIFIED
    if lead.metadata.seeker_intention == "SELL":
        return LeadType.SELLER
    if category is LeadCategory.PROPERTY_SEARCH:
        return LeadType.PROPERTY_SEARCH
    return LeadType.AGENCY


def is_erased(lead: SeekerLead) -> bool:
    """Erased by the portal. A tracked call often has no contact request at all: it is erased
    only when the caller's number is gone too."""
    if not lead.contact.is_erased:
        return False
    if lead.metadata.lead_category is LeadCategory.CALL_TRACKING:
        details = lead.call_details
        return details is None or not details.seeker_phone_number
    return True


def _same_number(a: str, b: str) -> bool:
    da, db = _DIGITS.sub("", a), _DIGITS.sub("", b)
    return bool(da) and (da == db or da[-9:] == db[-9:])


def _contact(lead: SeekerLead) -> Contact:
    if is_erased(lead):
        return Contact()
    source: SeekerContact = lead.contact
    phones = [
        PhoneNumber(number=phone.number, type=phone.type, is_verified=phone.verified)
        for phone in source.phone_numbers
    ]
    caller = lead.call_details.seeker_phone_number if lead.call_details else None
    if caller and caller.strip() and not any(_same_number(caller, p.number) for p in phones):
        phones.append(PhoneNumber(number=caller.strip()))
    first, last = source.first_name, source.last_name
    if first is None and last is None and source.name:
        last = source.name  # one name only: shown as written
    return Contact(
        first_name=first,
        last_name=last,
        email=source.email,
        phone_numbers=tuple(phones),
        gender=source.gender,
        language=source.language,
        message=source.message,
        is_owner=source.is_owner,
    )


def _classified(prop: SeekerProperty | None) -> Classified | None:
    if prop is None:
        return None
    portal_id = prop.classified_id or prop.project_id
    if not portal_id:
        return None
    reference = (
        prop.offerer_estate_id
        or prop.offerer_marketing_key
        or prop.project_offerer_estate_id
        or prop.project_offerer_marketing_key
    )
    return Classified(
        classified_id=classified_number(portal_id),
        reference=reference or None,
        estate_type=prop.estate_types[0] if len(prop.estate_types) == 1 else None,
        portal_id=portal_id,
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _transaction(lead: SeekerLead) -> str | None:
    intention = lead.metadata.seeker_intention
    if intention in _TRANSACTIONS:
        return _TRANSACTIONS[intention]
    for kind in lead.distribution_types:
        if kind in _DISTRIBUTION_TRANSACTIONS:
            return _DISTRIBUTION_TRANSACTIONS[kind]
    return None


def _property_search(lead: SeekerLead) -> PropertySearch | None:
    prop = lead.property_info
    if prop is None or not prop.has_criteria:
        return None
    return PropertySearch(
        transaction_type=_transaction(lead),
        estate_types=prop.estate_types,
        rooms_min=_whole(prop.rooms_min),
        rooms_max=_whole(prop.rooms_max),
        living_area_min=prop.space_min,
        living_area_max=prop.space_max,
        budget_min=prop.budget_min,
        budget_max=prop.budget_max,
        city=prop.city,
        postal_codes=prop.postal_codes,
    )


def _estimation(lead: SeekerLead) -> Estimation | None:
    """A seller's property, from the criteria they gave (no address, no valuation: Seeker
    Leads has neither)."""
    prop = lead.property_info
    if prop is None or not prop.has_criteria:
        return None
    return Estimation(
        estate_type=prop.estate_types[0] if prop.estate_types else None,
        postal_code=prop.postal_codes[0] if prop.postal_codes else None,
        city=prop.city,
        living_area=prop.space_min if prop.space_min is not None else prop.space_max,
        rooms=_whole(prop.rooms_min if prop.rooms_min is not None else prop.rooms_max),
    )


def _call_details(lead: SeekerLead) -> CallDetails | None:
    details = lead.call_details
    if details is None:
        return None
    erased = is_erased(lead)
    return CallDetails(
        seeker_phone_number=None if erased else details.seeker_phone_number,
        is_voicemail=details.is_voicemail,
        duration_seconds=details.duration_seconds,
        status=details.status,
    )


def to_lead(lead: SeekerLead) -> Lead:
    """The dashboard's lead for a Seeker lead."""
    kind = lead_type(lead)
    meta = LeadMeta(
        lead_id=lead.metadata.lead_id,
        lead_type=kind,
        creation_date=lead.metadata.ingestion_date,
        portal=lead.metadata.portal,
        intention=lead.metadata.seeker_intention,
        expiration_date=lead.metadata.ttl,
    )
    return Lead(
        meta=meta,
        contact=_contact(lead),
        classified=_classified(lead.property_info),
        estimation=_estimation(lead) if kind is LeadType.SELLER else None,
        property_search=_property_search(lead) if kind in _SEARCHING else None,
        call_details=_call_details(lead),
    )
