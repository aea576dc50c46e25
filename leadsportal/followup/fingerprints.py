"""Contact fingerprints, the "déjà connu" index: keyed hashes of contacts' e-mails and phones.

The API is read-only and cannot search by contact, so the dashboard keeps its own index, filled
with every page of leads it fetches (lists, detail, the `index_contacts` command). Only leads
indexed here can match: a lead that nobody has listed, opened or indexed is unknown to it.

Personal data minimisation: the index stores an HMAC-SHA256 of the normalised e-mail or phone,
keyed from SECRET_KEY, never the value itself. Erased contacts (GDPR) have nothing to hash, and
when a lead is seen erased its earlier fingerprints are deleted, so it never feeds a match.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import leads_search_pages
from leadsportal.followup.expiry import lead_expires_at
from leadsportal.followup.models import AgencyLead, ContactFingerprint, SearchFingerprint
from leadsportal.leads_api import (
    MAX_WINDOW_DAYS,
    Lead,
    LeadFamily,
    SearchCriteria,
)
from leadsportal.lib.generations import generation_bump, generation_get
from leadsportal.lib.phones import phone_key

MAX_OTHER_LEADS = 100
INDEXED_CACHE_SECONDS = 300
# Remembered for an erased or expired lead whose fingerprints are gone.
FORGOTTEN = "forgotten"


def normalise_phone(number: str | None) -> str | None:
    """One form for a number however it is written: "06 12 34 56 78", "06.12.34.56.78",
    "+33612345678", "+33 6 12 34 56 78", "0033 6 12 34 56 78" and "+33 (0)6 12 34 56 78" all
    give "0612345678"; other countries' numbers their E.164 form (`lib.phones.phone_key`)."""
    return phone_key(number)


# A word of a name: letters and digits; "Jean-Pierre d'Arc" has the words jean, pierre, d, arc.
_NAME_SEPARATORS = re.compile(r"[^0-9a-z]+")
MIN_NAME_WORD = 2


def name_words(text: str | None) -> list[str]:
    """The words of a name as the search compares them: accents and case ignored ("Lefèvre" and
    "LEFEVRE" are "lefevre"), one-letter words left out, in order, without repeats."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("ß", "ss").replace("æ", "ae").replace("œ", "oe").replace("ø", "o")
    words = (word for word in _NAME_SEPARATORS.split(plain) if len(word) >= MIN_NAME_WORD)
    return list(dict.fromkeys(words))


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    cleaned = email.strip().lower()
    return cleaned if "@" in cleaned else None


@functools.cache
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"leadsportal.followup.contact-fingerprint:" + secret.encode()).digest()


def fingerprint(kind: str, normalised: str) -> str:
    return hmac.new(
        _key(settings.SECRET_KEY), f"{kind}:{normalised}".encode(), hashlib.sha256
    ).hexdigest()


def lead_fingerprints(lead: Lead) -> set[str]:
    """The digests of a lead's contact: none for an erased contact."""
    contact = lead.contact
    if contact.is_erased:
        return set()
    digests = set()
    email = normalise_email(contact.email)
    if email:
        digests.add(fingerprint("email", email))
    for phone in contact.phone_numbers:
        normalised = normalise_phone(phone.number)
        if normalised:
            digests.add(fingerprint("phone", normalised))
    return digests


def lead_name_digests(lead: Lead) -> set[str]:
    """The digests of the words of a lead's contact name (the search's), none when erased."""
    contact = lead.contact
    if contact.is_erased:
        return set()
    words = name_words(contact.first_name) + name_words(contact.last_name)
    return {fingerprint("name", word) for word in words}


def _search_fingerprints_write(
    *, agency: Agency, leads: Sequence[Lead], erased: Iterable[str]
) -> None:
    """The name words of these leads, for the search (one insert)."""
    forgotten = set(erased)
    rows = [
        SearchFingerprint(
            agency=agency,
            lead_id=lead.lead_id,
            digest=digest,
            expires_at=lead_expires_at(lead),
        )
        for lead in leads
        if lead.lead_id not in forgotten
        for digest in sorted(lead_name_digests(lead))
    ]
    if rows:
        SearchFingerprint.objects.bulk_create(rows, ignore_conflicts=True)


@dataclass(frozen=True)
class IndexedFingerprint:
    """A row of the index as the sync reads it."""

    lead_id: str
    digest: str
    lead_created_at: datetime


@dataclass(frozen=True)
class FingerprintPlan:
    """What a page of leads asks of the index, before looking at it."""

    wanted: dict[str, frozenset[str]]  # lead id -> digests of its contact
    erased: frozenset[str]  # leads whose contact is erased or expired: never to match

    @property
    def digests(self) -> frozenset[str]:
        return frozenset().union(*self.wanted.values())


def _to_forget(lead: Lead, now: datetime) -> bool:
    # An expired lead must be erased everywhere: it is treated like an erased contact.
    return lead.contact.is_erased or lead_expires_at(lead) <= now


def _generation_key(agency: Agency) -> str:
    return f"fingerprints:generation:{agency.pk}"


def indexed_key(agency: Agency, lead_id: str, generation: int) -> str:
    return f"fingerprints:indexed:{agency.pk}:{generation}:{lead_id}"


def _generation(agency: Agency) -> int:
    return generation_get(_generation_key(agency))


def remembered_answers_forget(*, agency: Agency) -> None:
    """Fingerprints were deleted: every remembered answer of the agency may be wrong now (a
    lead known through the forgotten one is known no more)."""
    generation_bump(_generation_key(agency))


def fingerprints_plan(leads: Sequence[Lead], *, now: datetime) -> FingerprintPlan:
    """The digests each lead contributes, and the leads to forget (pure)."""
    wanted: dict[str, frozenset[str]] = {}
    erased: set[str] = set()
    for lead in leads:
        if _to_forget(lead, now):
            erased.add(lead.lead_id)
        else:
            wanted[lead.lead_id] = frozenset(lead_fingerprints(lead))
    return FingerprintPlan(wanted=wanted, erased=frozenset(erased))


@dataclass(frozen=True)
class FingerprintChanges:
    """What the index must become for a page of leads, and what the page learns from it."""

    stale: frozenset[str]  # leads whose rows are deleted
    new_rows: tuple[IndexedFingerprint, ...]  # rows inserted
    known: frozenset[str]  # leads whose contact came through an earlier lead


def fingerprints_changes(
    plan: FingerprintPlan, *, created: dict[str, datetime], indexed: Sequence[IndexedFingerprint]
) -> FingerprintChanges:
    """Compare a plan with the rows of the index that share its digests or leads (pure).

    `created` is each planned lead's creation date; `indexed` the rows the index holds for the
    plan's digests and erased leads.
    """
    existing = {(row.lead_id, row.digest) for row in indexed}
    stale = frozenset(row.lead_id for row in indexed if row.lead_id in plan.erased)
    new_rows = tuple(
        IndexedFingerprint(lead_id=lead_id, digest=digest, lead_created_at=created[lead_id])
        for lead_id, digests in plan.wanted.items()
        for digest in sorted(digests)
        if (lead_id, digest) not in existing
    )
    # The earliest lead of each digest, among the index and this page, as (creation, id): ties
    # are broken by id so that of two leads created the same second exactly one is "earlier".
    earliest: dict[str, tuple[datetime, str]] = {}
    for row in (*(row for row in indexed if row.lead_id not in stale), *new_rows):
        key = (row.lead_created_at, row.lead_id)
        if row.digest not in earliest or key < earliest[row.digest]:
            earliest[row.digest] = key
    known = frozenset(
        lead_id
        for lead_id, digests in plan.wanted.items()
        if any(
            earliest[digest] < (created[lead_id], lead_id)
            for digest in digests
            if digest in earliest
        )
    )
    return FingerprintChanges(stale=stale, new_rows=new_rows, known=known)


def lead_index_write(*, agency: Agency, leads: Sequence[Lead], now: datetime) -> None:
    """Give each lead its row in the agency lead index (one insert; rows already there stay).

    Only what is not personal: ids, family, portal, listing, dates. Expired leads are left out
    (the purge would delete them at once).
    """
    rows = []
    for lead in leads:
        expires_at = lead_expires_at(lead)
        if expires_at <= now:
            continue
        classified = lead.classified
        rows.append(
            AgencyLead(
                agency=agency,
                lead_id=lead.lead_id,
                lead_type=lead.lead_type.value,
                portal=lead.meta.portal[:20],
                classified_id=classified.classified_id if classified else None,
                classified_reference=(classified.reference or "")[:60] if classified else "",
                classified_title=(classified.title or "")[:200] if classified else "",
                lead_created_at=lead.meta.creation_date,
                expires_at=expires_at,
                first_seen_at=now,
            )
        )
    if rows:
        # A row already there keeps its dates (first seen, announced); only the listing's
        # reference and title follow the API (rows indexed before the title was kept get it).
        AgencyLead.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["agency", "lead_id"],
            update_fields=["classified_reference", "classified_title"],
        )


@dataclass(frozen=True)
class SyncResult:
    known: frozenset[str]  # ids of the leads whose contact came through an earlier lead
    inserted: int
    deleted: int


def contact_fingerprints_sync(
    *, agency: Agency, leads: Sequence[Lead], now: datetime | None = None, remember: bool = True
) -> SyncResult:
    """Index these leads (their rows in the agency lead index and their contacts' fingerprints)
    and tell which ones match an earlier lead of the agency.

    At most six queries whatever the number of leads: one insert of the index rows, one insert
    of the name words (the search's, apart), one read, one insert of the missing fingerprints,
    and for contacts erased since they were indexed one delete of their fingerprints and one of
    their name words (the nightly re-read, `remember=False`, deletes the name words of every
    erased contact);
    none for a page whose leads were all indexed moments ago. Those are remembered in the
    cache for INDEXED_CACHE_SECONDS with their answer (whether an earlier lead shares their
    contact): a list seen again skips hashing and the index. Deleting fingerprints (an erased
    contact) forgets every answer of the agency; an earlier lead indexed meanwhile (by
    `index_contacts`) shows in a badge once the entry expires. `remember=False` (the indexing
    command, thousands of leads) leaves the cache alone.
    """
    now = now or timezone.now()
    generation = _generation(agency) if remember else 0
    keys = {lead.lead_id: indexed_key(agency, lead.lead_id, generation) for lead in leads}
    remembered = cache.get_many(list(keys.values())) if keys and remember else {}
    already: dict[str, bool] = {}
    for lead in leads:
        state = remembered.get(keys[lead.lead_id])
        forget = _to_forget(lead, now)
        # Skipped: a lead indexed moments ago (its answer remembered), or one already
        # forgotten. A lead erased since it was indexed goes through, to be forgotten.
        if (state == FORGOTTEN and forget) or (isinstance(state, bool) and not forget):
            already[lead.lead_id] = state is True
    known_before = frozenset(lead_id for lead_id, known in already.items() if known)
    fresh = [lead for lead in leads if lead.lead_id not in already]
    lead_index_write(agency=agency, leads=fresh, now=now)
    plan = fingerprints_plan(fresh, now=now)
    _search_fingerprints_write(agency=agency, leads=fresh, erased=plan.erased)
    if not remember and plan.erased:
        # The nightly re-read (and the indexing command) forgets the name words of every
        # erased contact; a page does when their e-mail or phone is forgotten (below).
        SearchFingerprint.objects.filter(agency=agency, lead_id__in=plan.erased).delete()
    digests = plan.digests
    if not digests and not plan.erased:
        # Nothing to look up; leads without a phone or e-mail are remembered too.
        if plan.wanted and remember:
            cache.set_many(
                {keys[lead_id]: False for lead_id in plan.wanted}, timeout=INDEXED_CACHE_SECONDS
            )
        return SyncResult(known=known_before, inserted=0, deleted=0)
    indexed = [
        IndexedFingerprint(lead_id=lead_id, digest=digest, lead_created_at=created)
        for lead_id, digest, created in ContactFingerprint.objects.filter(agency=agency)
        .filter(Q(digest__in=digests) | Q(lead_id__in=plan.erased))
        .values_list("lead_id", "digest", "lead_created_at")
    ]
    by_id = {lead.lead_id: lead for lead in leads}
    changes = fingerprints_changes(
        plan,
        created={lead_id: by_id[lead_id].meta.creation_date for lead_id in plan.wanted},
        indexed=indexed,
    )
    deleted = 0
    if changes.stale:
        deleted, _ = ContactFingerprint.objects.filter(
            agency=agency, lead_id__in=changes.stale
        ).delete()
        if remember:
            SearchFingerprint.objects.filter(agency=agency, lead_id__in=changes.stale).delete()
        if remember:
            remembered_answers_forget(agency=agency)
            generation = _generation(agency)
            keys = {lead_id: indexed_key(agency, lead_id, generation) for lead_id in keys}
    if changes.new_rows:
        ContactFingerprint.objects.bulk_create(
            [
                ContactFingerprint(
                    agency=agency,
                    lead_id=row.lead_id,
                    digest=row.digest,
                    lead_created_at=row.lead_created_at,
                    expires_at=lead_expires_at(by_id[row.lead_id]),
                )
                for row in changes.new_rows
            ],
            ignore_conflicts=True,
        )
    if remember:
        cache.set_many(
            {
                **{keys[lead_id]: lead_id in changes.known for lead_id in plan.wanted},
                **{keys[lead_id]: FORGOTTEN for lead_id in plan.erased},
            },
            timeout=INDEXED_CACHE_SECONDS,
        )
    return SyncResult(
        known=known_before | changes.known, inserted=len(changes.new_rows), deleted=deleted
    )


@dataclass(frozen=True)
class OtherLeads:
    lead_ids: list[str]  # newest first
    total: int


def contact_other_leads(*, agency: Agency, lead_id: str) -> OtherLeads:
    """The other indexed leads of the agency sharing an e-mail or phone with this lead (2 queries)."""
    own = ContactFingerprint.objects.filter(agency=agency, lead_id=lead_id).values("digest")
    matches = (
        ContactFingerprint.objects.filter(agency=agency, digest__in=own)
        .exclude(lead_id=lead_id)
        .values_list("lead_id", "lead_created_at")
        .distinct()
        .order_by("-lead_created_at", "lead_id")
    )
    rows = list(matches[: MAX_OTHER_LEADS + 1])
    ids = list(dict.fromkeys(row[0] for row in rows))
    total = len(ids)
    if total > MAX_OTHER_LEADS:
        total = (
            ContactFingerprint.objects.filter(agency=agency, digest__in=own)
            .exclude(lead_id=lead_id)
            .values("lead_id")
            .distinct()
            .count()
        )
    return OtherLeads(lead_ids=ids[:MAX_OTHER_LEADS], total=total)


def contact_fingerprints_forget(*, agency: Agency, lead_ids: Iterable[str]) -> int:
    """Drop the fingerprints of leads found erased (or gone) when fetched again."""
    ids = list(lead_ids)
    if not ids:
        return 0
    deleted, _ = ContactFingerprint.objects.filter(agency=agency, lead_id__in=ids).delete()
    SearchFingerprint.objects.filter(agency=agency, lead_id__in=ids).delete()
    if deleted:
        remembered_answers_forget(agency=agency)
    return deleted


@dataclass(frozen=True)
class IndexResult:
    leads: int
    inserted: int
    deleted: int
    upstream_calls: int


def contacts_index_period(*, agency: Agency, start: datetime, end: datetime) -> IndexResult:
    """Index the contacts of every lead of the agency created in [start, end).

    The period is read in windows of the API's 92 days, 100 leads a page; leads found erased
    lose their fingerprints. Raises LeadsApiError when the API fails (what was indexed stays).
    """
    leads = inserted = deleted = calls = 0
    window_start = start
    while window_start < end:
        window_end = min(end, window_start + timedelta(days=MAX_WINDOW_DAYS))
        for page in leads_search_pages(
            agency=agency,
            family=LeadFamily.ALL,
            criteria=SearchCriteria(start=window_start, end=window_end),
        ):
            calls += 1
            result = contact_fingerprints_sync(agency=agency, leads=page.leads, remember=False)
            leads += len(page.leads)
            inserted += result.inserted
            deleted += result.deleted
        window_start = window_end
    return IndexResult(leads=leads, inserted=inserted, deleted=deleted, upstream_calls=calls)
