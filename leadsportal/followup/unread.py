"""Unread markers: which leads are new for a member, the counts of new leads, "tout lu".

What "new" means: a lead is new for a user until they open its detail, provided it was created
after the user's *watermark* in that agency, which is the latest of
- the start of their membership (a new colleague does not inherit 2,000 "new" leads),
- their last "Tout marquer comme lu" over everything (All tab, no portal or listing filter,
  a period that reaches today),
- NEW_HORIZON before now (a month-old unopened lead is late, no longer new).
Leads opened, or marked read with a narrower filter, are stored one by one (`LeadRead`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from django.utils import timezone

from leadsportal.agencies.models import Membership
from leadsportal.agencies.upstream import is_last_page, leads_search_pages
from leadsportal.followup.expiry import lead_expires_at
from leadsportal.followup.models import LeadRead
from leadsportal.followup.records import LocalFilter, local_leads_matching
from leadsportal.leads_api import (
    Lead,
    LeadFamily,
    SearchCriteria,
)

NEW_HORIZON: Final = timedelta(days=30)
# Upstream pages read at most by "Tout marquer comme lu" (100 leads each) and by the tab counts.
MAX_MARK_PAGES: Final = 10
MAX_COUNT_PAGES: Final = 3
# The end of "until now" windows sent to the API, a little ahead for clock differences.
CLOCK_MARGIN: Final = timedelta(minutes=1)


def read_watermark_get(*, membership: Membership, now: datetime | None = None) -> datetime:
    """Leads created before this instant are never new for this member (no query: the
    membership carries its "tout lu" mark)."""
    now = now or timezone.now()
    # Whole seconds: the API's dates have no fraction, and a lead created in the second the
    # member joined is theirs.
    candidates = [membership.created_at.replace(microsecond=0), now - NEW_HORIZON]
    if membership.leads_read_before is not None:
        candidates.append(membership.leads_read_before)
    return max(candidates)


def leads_unread(
    *, membership: Membership, leads: Sequence[Lead], since: datetime
) -> frozenset[str]:
    """The ids of these leads that are new for the member (at most one query)."""
    candidates = [lead.lead_id for lead in leads if lead.meta.creation_date >= since]
    if not candidates:
        return frozenset()
    read = set(
        LeadRead.objects.filter(
            user_id=membership.user_id, agency_id=membership.agency_id, lead_id__in=candidates
        ).values_list("lead_id", flat=True)
    )
    return frozenset(lead_id for lead_id in candidates if lead_id not in read)


def _read_row(membership: Membership, lead: Lead) -> LeadRead:
    return LeadRead(
        user_id=membership.user_id,
        agency_id=membership.agency_id,
        lead_id=lead.lead_id,
        lead_type=lead.lead_type.value,
        lead_created_at=lead.meta.creation_date,
        expires_at=lead_expires_at(lead),
    )


def lead_read_mark(*, membership: Membership, lead: Lead, now: datetime | None = None) -> None:
    """The member opened the lead. Leads too old to ever be new are not stored."""
    now = now or timezone.now()
    if lead.meta.creation_date < max(
        membership.created_at.replace(microsecond=0), now - NEW_HORIZON
    ):
        return
    LeadRead.objects.bulk_create([_read_row(membership, lead)], ignore_conflicts=True)


@dataclass(frozen=True)
class MarkAllResult:
    marked: int  # leads marked one by one
    everything: bool = False  # the watermark moved: every lead until now is read
    complete: bool = True  # False when the filter held more leads than one action marks


def leads_read_mark_all(
    *,
    membership: Membership,
    family: LeadFamily,
    criteria: SearchCriteria,
    local: LocalFilter,
    now: datetime | None = None,
) -> MarkAllResult:
    """Mark every lead of a list's filter as read for the member.

    - The whole list (All tab, no other filter, a period from the watermark to today): the
      watermark moves to now; no upstream call.
    - A status or "mes leads" filter: from the database; no upstream call.
    - Any other filter: the API is read for the part of the period after the watermark (the
      older leads are not new anyway), at most MAX_MARK_PAGES pages of 100 leads.
    """
    now = now or timezone.now()
    since = read_watermark_get(membership=membership, now=now)
    start = max(criteria.start, since)
    end = min(criteria.end, now + CLOCK_MARGIN)
    if int(start.timestamp()) >= int(end.timestamp()):  # the API's dates are whole seconds
        return MarkAllResult(marked=0)
    if local.active:
        rows = [
            LeadRead(
                user_id=membership.user_id,
                agency_id=membership.agency_id,
                lead_id=row.lead_id,
                lead_type=row.lead_type,
                lead_created_at=row.lead_created_at,
                expires_at=row.expires_at,
            )
            for row in local_leads_matching(
                agency=membership.agency,
                family=family,
                criteria=SearchCriteria(
                    start=start,
                    end=end,
                    portals=criteria.portals,
                    classified_ids=criteria.classified_ids,
                ),
                local=local,
            )
        ]
        LeadRead.objects.bulk_create(rows, ignore_conflicts=True)
        return MarkAllResult(marked=len(rows))
    everything = (
        family is LeadFamily.ALL
        and not criteria.portals
        and not criteria.classified_ids
        and criteria.start <= since
        and criteria.end >= now
    )
    if everything:
        Membership.objects.filter(pk=membership.pk).update(leads_read_before=now)
        membership.leads_read_before = now
        # Marks of leads before the new watermark say nothing any more.
        LeadRead.objects.filter(
            user_id=membership.user_id, agency_id=membership.agency_id, lead_created_at__lt=now
        ).delete()
        return MarkAllResult(marked=0, everything=True)
    window = SearchCriteria(
        start=start, end=end, classified_ids=criteria.classified_ids, portals=criteria.portals
    )
    leads: list[Lead] = []
    complete = False
    for page in leads_search_pages(
        agency=membership.agency, family=family, criteria=window, max_pages=MAX_MARK_PAGES
    ):
        leads.extend(page.leads)
        complete = is_last_page(page)
    rows = [_read_row(membership, lead) for lead in leads if lead.meta.creation_date >= since]
    LeadRead.objects.bulk_create(rows, ignore_conflicts=True)
    return MarkAllResult(marked=len(rows), complete=complete)


@dataclass(frozen=True)
class TabCounts:
    """New leads per family; `exact` is False when only the newest leads could be looked at
    (then the All count is still exact, the family counts are lower bounds)."""

    counts: dict[LeadFamily, int] = field(default_factory=dict)
    exact: bool = True


def new_leads_count_by_family(*, membership: Membership, now: datetime | None = None) -> TabCounts:
    """How many leads are new for the member, per tab.

    Usually one upstream call: the All route, from the watermark to now, 100 leads a page; the
    types of the leads give each tab's count, minus the ones the member opened (one query).
    More than MAX_COUNT_PAGES pages of candidates: the All count comes from the API's Count
    minus the member's reads, the tabs count the newest leads only.
    """
    now = now or timezone.now()
    since = read_watermark_get(membership=membership, now=now)
    end = now + CLOCK_MARGIN
    criteria = SearchCriteria(start=since, end=end)
    leads: list[Lead] = []
    total = 0
    for page in leads_search_pages(
        agency=membership.agency,
        family=LeadFamily.ALL,
        criteria=criteria,
        max_pages=MAX_COUNT_PAGES,
    ):
        total = page.count
        leads.extend(page.leads)
    candidates = [lead for lead in leads if lead.meta.creation_date >= since]
    unread = leads_unread(membership=membership, leads=candidates, since=since)
    by_type = Counter(lead.lead_type for lead in candidates if lead.lead_id in unread)
    counts = {
        family: by_type[family.lead_type] for family in LeadFamily if family.lead_type is not None
    }
    exact = len(leads) >= total
    if exact:
        counts[LeadFamily.ALL] = len(unread)
    else:
        read_since = LeadRead.objects.filter(
            user_id=membership.user_id,
            agency_id=membership.agency_id,
            lead_created_at__gte=since,
            lead_created_at__lt=end,
        ).count()
        counts[LeadFamily.ALL] = max(total - read_since, len(unread))
    return TabCounts(counts=counts, exact=exact)
