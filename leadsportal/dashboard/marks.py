"""What the follow-up adds to the dashboard's lead lists: per-row marks, local pages, extras.

Costs, whatever the page size:
- `lead_page_marks`: no upstream call and at most five queries (reads, follow-ups,
  fingerprints read / insert / delete of erased contacts); the member's "tout lu" mark comes
  with the membership;
- `local_lead_page` (status or assignee filter): two queries (count, ids of the page), then the
  page's leads by id, concurrently and cached (`agencies.upstream.leads_get_by_ids`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from leadsportal.agencies.models import Membership
from leadsportal.agencies.upstream import leads_get_by_ids
from leadsportal.dashboard.query import LeadQuery
from leadsportal.followup.fingerprints import contact_fingerprints_sync
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.records import (
    followups_for_leads,
    followups_matching,
    response_time_median,
)
from leadsportal.followup.unread import leads_unread, read_watermark_get
from leadsportal.leads_api import Lead, LeadFamily, LeadPage, PageRequest


@dataclass(frozen=True)
class LeadMarks:
    unread: bool = False
    known_contact: bool = False
    followup: LeadFollowup | None = None


@dataclass(frozen=True)
class PageMarks:
    unread: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    followups: dict[str, LeadFollowup] = field(default_factory=dict)

    def of(self, lead_id: str) -> LeadMarks:
        return LeadMarks(
            unread=lead_id in self.unread,
            known_contact=lead_id in self.known,
            followup=self.followups.get(lead_id),
        )


def lead_page_marks(*, membership: Membership, leads: Sequence[Lead]) -> PageMarks:
    """New / "déjà connu" / follow-up of each lead of a page; indexes the page's contacts."""
    if not leads:
        return PageMarks()
    since = read_watermark_get(membership=membership)
    return PageMarks(
        unread=leads_unread(membership=membership, leads=leads, since=since),
        known=contact_fingerprints_sync(agency=membership.agency, leads=leads).known,
        followups=followups_for_leads(
            agency=membership.agency, lead_ids=[lead.lead_id for lead in leads]
        ),
    )


def local_lead_page(
    *, membership: Membership, query: LeadQuery, page_request: PageRequest
) -> LeadPage:
    """A page of the leads a status / assignee filter selects in our database, fetched by id.

    Leads the API no longer has (erased or expired upstream) are left out of the page.
    """
    rows = followups_matching(
        agency=membership.agency,
        family=query.tab.family,
        criteria=query.criteria,
        local=query.local,
    )
    count = rows.count()
    offset = (page_request.index - 1) * page_request.size
    ids = list(rows.values_list("lead_id", flat=True)[offset : offset + page_request.size])
    fetched = leads_get_by_ids(agency=membership.agency, lead_ids=ids)
    leads = tuple(lead for lead_id in ids if (lead := fetched.get(lead_id)) is not None)
    return LeadPage(leads=leads, count=count, page=page_request)


def missing_on_page(page: LeadPage | None) -> int:
    """Rows a local page should have shown but the API no longer has."""
    if page is None or not page.count:
        return 0
    index = min(page.page.index, page.page_count)
    expected = min(page.page.size, page.count - (index - 1) * page.page.size)
    return max(0, expected - len(page.leads))


def new_leads_poll_url(
    *, query: LeadQuery, page: LeadPage | None, now: datetime | None = None
) -> str | None:
    """The live banner's URL for a list, or None when no new lead could ever join it (a period
    that ended, or a status / assignee filter: new leads have no follow-up yet)."""
    now = now or timezone.now()
    if query.local.active or query.criteria.end <= now:
        return None
    seen = 0
    if page is not None and page.page.index == 1 and page.leads:
        # From the newest lead shown, that second included: another lead of the same second
        # is new too. The leads of that second already shown are subtracted by the poll.
        newest = int(max(lead.meta.creation_date for lead in page.leads).timestamp())
        since = datetime.fromtimestamp(newest, UTC)
        seen = sum(1 for lead in page.leads if int(lead.meta.creation_date.timestamp()) >= newest)
    else:
        since = now
    return query.poll_url(since=since, seen=seen)


def lead_list_extras(
    *, membership: Membership, query: LeadQuery | None, page: LeadPage | None
) -> dict[str, Any]:
    """Template context the follow-up adds to a family list."""
    if query is None:
        return {"followup_enabled": True}
    extras: dict[str, Any] = {
        "followup_enabled": True,
        "new_leads_poll_url": new_leads_poll_url(query=query, page=page),
        "mark_all_read_url": query.mark_all_read_url,
        "local_filter": query.local.active,
        "unavailable_leads": missing_on_page(page) if query.local.active else 0,
    }
    if query.tab.family is LeadFamily.ALL:
        criteria = query.criteria
        extras["response_time"] = response_time_median(
            agency=membership.agency, start=criteria.start, end=criteria.end
        )
    return extras
