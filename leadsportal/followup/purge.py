"""The daily purge: everything stored about leads past their expiration date (GDPR)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from leadsportal.followup.models import (
    AgencyLead,
    ContactFingerprint,
    FollowupEvent,
    LeadFollowup,
    LeadNote,
    LeadRead,
    SearchFingerprint,
)


@dataclass(frozen=True)
class PurgeResult:
    followups: int
    notes: int
    events: int
    reads: int
    fingerprints: int
    index_rows: int = 0


def followups_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete everything stored about leads past their expiration date (GDPR)."""
    now = now or timezone.now()
    followups = LeadFollowup.objects.filter(expires_at__lte=now)
    notes = LeadNote.objects.filter(followup__expires_at__lte=now)
    events = FollowupEvent.objects.filter(followup__expires_at__lte=now)
    reads = LeadRead.objects.filter(expires_at__lte=now)
    fingerprints = ContactFingerprint.objects.filter(expires_at__lte=now)
    name_words = SearchFingerprint.objects.filter(expires_at__lte=now)
    index_rows = AgencyLead.objects.filter(expires_at__lte=now)
    if dry_run:
        return PurgeResult(
            followups=followups.count(),
            notes=notes.count(),
            events=events.count(),
            reads=reads.count(),
            fingerprints=fingerprints.count() + name_words.count(),
            index_rows=index_rows.count(),
        )
    with transaction.atomic():
        _, by_model = followups.delete()
        _, read_counts = reads.delete()
        _, fingerprint_counts = fingerprints.delete()
        _, name_counts = name_words.delete()
        _, index_counts = index_rows.delete()
    return PurgeResult(
        followups=by_model.get(LeadFollowup._meta.label, 0),
        notes=by_model.get(LeadNote._meta.label, 0),
        events=by_model.get(FollowupEvent._meta.label, 0),
        reads=read_counts.get(LeadRead._meta.label, 0),
        fingerprints=fingerprint_counts.get(ContactFingerprint._meta.label, 0)
        + name_counts.get(SearchFingerprint._meta.label, 0),
        index_rows=index_counts.get(AgencyLead._meta.label, 0),
    )
