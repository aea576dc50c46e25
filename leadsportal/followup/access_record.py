"""The record of who opened what: each opening of a lead's detail and each export, for managers.

User, lead id, time; never lead data. An export is one record (with the number of leads it
wrote and its line in the export history) plus one row per lead it wrote, so that "who saw this
lead?" finds the exports that held it. Kept `LEADS_ACCESS_RECORD_MONTHS` calendar months, then
purged by the daily task (watch/tasks.py).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import AccessRecord, AccessRecordLead


def lead_opened_record(
    *, agency: Agency, user: AbstractBaseUser | AnonymousUser, lead_id: str
) -> None:
    """A person opened the detail of one of the agency's leads."""
    AccessRecord.objects.create(
        agency=agency,
        user_id=user.pk,
        username=user.get_username(),
        kind=AccessRecord.Kind.OPENED,
        at=timezone.now(),
        lead_id=lead_id,
    )


def export_record_start(
    *, agency: Agency, user: AbstractBaseUser | AnonymousUser, export_ref: int
) -> AccessRecord:
    """An export begins; its leads are added page by page as they are written."""
    return AccessRecord.objects.create(
        agency=agency,
        user_id=user.pk,
        username=user.get_username(),
        kind=AccessRecord.Kind.EXPORTED,
        at=timezone.now(),
        export_ref=export_ref,
    )


def export_record_leads(record: AccessRecord, lead_ids: Iterable[str]) -> None:
    """Leads an export has just written (one page of them)."""
    rows = [AccessRecordLead(record=record, lead_id=lead_id) for lead_id in lead_ids]
    if not rows:
        return
    with transaction.atomic():
        AccessRecordLead.objects.bulk_create(rows)
        AccessRecord.objects.filter(pk=record.pk).update(lead_count=F("lead_count") + len(rows))


@dataclass(frozen=True)
class AccessFilter:
    """What a manager narrows the record to; every field optional."""

    user_id: int | None = None
    kind: str = ""
    lead_id: str = ""
    start: datetime | None = None  # included
    end: datetime | None = None  # excluded


def access_records(agency: Agency, matching: AccessFilter) -> QuerySet[AccessRecord]:
    """The agency's records, newest first."""
    records = AccessRecord.objects.filter(agency=agency)
    if matching.user_id is not None:
        records = records.filter(user_id=matching.user_id)
    if matching.kind:
        records = records.filter(kind=matching.kind)
    if matching.lead_id:
        # The record of an opening names the lead; an export's, the leads it wrote.
        records = records.filter(
            Q(lead_id=matching.lead_id)
            | Q(pk__in=AccessRecordLead.objects.filter(lead_id=matching.lead_id).values("record"))
        )
    if matching.start is not None:
        records = records.filter(at__gte=matching.start)
    if matching.end is not None:
        records = records.filter(at__lt=matching.end)
    return records.order_by("-at", "-pk")


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier (31 March - 1 month: 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def access_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than the retention period; how many went."""
    cutoff = months_before(now or timezone.now(), settings.LEADS_ACCESS_RECORD_MONTHS)
    _deleted, by_model = AccessRecord.objects.filter(at__lt=cutoff).delete()
    return by_model.get(AccessRecord._meta.label, 0)
