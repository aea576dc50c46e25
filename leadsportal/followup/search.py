"""The search box: what a person typed, and the agency's leads it finds, from the index only.

A phone number in any common notation, an e-mail in any case, the words of a first or last
name (accents and case ignored, whole words, all of them), a listing's reference or number.
Answered from the agency lead index and its keyed fingerprints (followup/fingerprints.py): the
typed text is normalised and hashed the same way, never stored, and no clear personal data is
read from the database, because there is none. The leads found are then fetched by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.followup.fingerprints import (
    fingerprint,
    name_words,
    normalise_email,
    normalise_phone,
)
from leadsportal.followup.listings import portal_listing_number
from leadsportal.followup.models import AgencyLead, ContactFingerprint, SearchFingerprint

MAX_QUERY_LENGTH = 100
_PHONE_CHARACTERS = re.compile(r"[0-9+\s.()/-]+")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")
_MAX_CLASSIFIED_DIGITS = 18


@dataclass(frozen=True)
class SearchTerms:
    """Every way a typed text can be read; a lead found by any of them is a result."""

    email: str | None = None
    phone: str | None = None  # normalised (lib.phones.phone_key)
    words: tuple[str, ...] = ()  # of a name, normalised (fingerprints.name_words)
    reference: str | None = None  # of a listing, as typed (case ignored)
    classified_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.email or self.phone or self.words or self.reference or self.classified_id)


def search_terms(text: str) -> SearchTerms:
    """What `text` can mean (pure)."""
    typed = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not typed:
        return SearchTerms()
    if "@" in typed:
        return SearchTerms(email=normalise_email(typed.replace(" ", "")))
    has_digits = any(ch.isdigit() for ch in typed)
    if not has_digits:
        return SearchTerms(words=tuple(name_words(typed)))
    phone = normalise_phone(typed) if _PHONE_CHARACTERS.fullmatch(typed) else None
    classified_id = int(typed) if typed.isdigit() and len(typed) <= _MAX_CLASSIFIED_DIGITS else None
    reference = typed if _REFERENCE.fullmatch(typed) and not typed.isdigit() else None
    return SearchTerms(phone=phone, reference=reference, classified_id=classified_id)


def leads_found(
    *, agency: Agency, terms: SearchTerms, now: datetime | None = None
) -> QuerySet[AgencyLead]:
    """The agency's indexed leads matching the terms, newest first (not yet expired)."""
    rows = AgencyLead.objects.filter(agency=agency, expires_at__gt=now or timezone.now())
    if terms.is_empty:
        return rows.none()
    matches = Q()
    contact_digests = [
        fingerprint(kind, value)
        for kind, value in (("email", terms.email), ("phone", terms.phone))
        if value
    ]
    if contact_digests:
        matches |= Q(
            lead_id__in=ContactFingerprint.objects.filter(
                agency=agency, digest__in=contact_digests
            ).values("lead_id")
        )
    if terms.words:
        digests = {fingerprint("name", word) for word in terms.words}
        # Every word typed must be a word of the name: "marie dupont" is not every Marie.
        matches |= Q(
            lead_id__in=SearchFingerprint.objects.filter(agency=agency, digest__in=digests)
            .values("lead_id")
            .annotate(words=Count("digest", distinct=True))
            .filter(words=len(digests))
            .values("lead_id")
        )
    if terms.reference:
        matches |= Q(classified_reference__iexact=terms.reference)
        number = portal_listing_number(agency=agency, typed=terms.reference)
        if number is not None:
            # A Seeker listing's number as its leads show it: the portal's 12 characters.
            matches |= Q(classified_id=number)
    if terms.classified_id:
        matches |= Q(classified_id=terms.classified_id)
    return rows.filter(matches).order_by("-lead_created_at", "lead_id")
