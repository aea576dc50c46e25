"""What the follow-up adds to the dashboard's lead lists: per-row marks, local pages, extras.

Costs, whatever the page size:
- `lead_page_marks`: no upstream call and at most five queries (reads, follow-ups,
  fingerprints read / insert / delete of erased contacts), plus the reminders past their time
  of the page's follow-ups (one); the member's "tout lu" mark comes
  with the membership;
- `local_lead_page` (status or assignee filter): two queries (count, ids of the page), then the
  page's leads by id, concurrently and cached (`agencies.upstream.leads_get_by_ids`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.upstream import leads_get_by_ids
from leadsportal.dashboard.query import LeadQuery
from leadsportal.followup.fingerprints import contact_fingerprints_sync
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.pipeline import Stage, stages_by_code
from leadsportal.followup.records import (
    followups_for_leads,
    local_lead_ids,
    response_time_median,
)
from leadsportal.followup.reminders import overdue_lead_ids
from leadsportal.followup.unread import leads_unread, read_watermark_get
from leadsportal.leads_api import Lead, LeadFamily, LeadPage, PageRequest


@dataclass(frozen=True)
class LeadMarks:
    unread: bool = False
    known_contact: bool = False
    followup: LeadFollowup | None = None
    stage: Stage | None = None  # the follow-up's stage in the agency's pipeline
    overdue: bool = False  # an open reminder of the lead is past its time


@dataclass(frozen=True)
class PageMarks:
    unread: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    followups: dict[str, LeadFollowup] = field(default_factory=dict)
    stages: dict[str, Stage] = field(default_factory=dict)  # the agency's, by code
    overdue: frozenset[str] = frozenset()  # leads with an open reminder past its time

    def of(self, lead_id: str) -> LeadMarks:
        followup = self.followups.get(lead_id)
        return LeadMarks(
            unread=lead_id in self.unread,
            known_contact=lead_id in self.known,
            followup=followup,
            stage=self.stages.get(followup.status) if followup else None,
            overdue=lead_id in self.overdue,
        )


def lead_page_marks(*, membership: Membership, leads: Sequence[Lead]) -> PageMarks:
    """New / "déjà connu" / follow-up of each lead of a page; indexes the page's contacts."""
    if not leads:
        return PageMarks()
    since = read_watermark_get(membership=membership)
    followups = followups_for_leads(
        agency=membership.agency, lead_ids=[lead.lead_id for lead in leads]
    )
    return PageMarks(
        unread=leads_unread(membership=membership, leads=leads, since=since),
        known=contact_fingerprints_sync(agency=membership.agency, leads=leads).known,
        followups=followups,
        stages=stages_by_code(membership.agency) if followups else {},
        # Only leads with a follow-up can have a reminder: no query for a page of new leads.
        overdue=overdue_lead_ids(agency=membership.agency, lead_ids=list(followups)),
    )


def local_lead_page(
    *, membership: Membership, query: LeadQuery, page_request: PageRequest
) -> LeadPage:
    """A page of the leads the local filters (status, assignee, unassigned, unanswered,
    unread) select in our database, fetched by id.

    Leads the API no longer has (erased or expired upstream) are left out of the page.
    """
    ids_matching = local_lead_ids(
        agency=membership.agency,
        family=query.tab.family,
        criteria=query.criteria,
        local=query.local,
    )
    return page_of_ids(agency=membership.agency, lead_ids=ids_matching, page_request=page_request)


def page_of_ids(*, agency: Agency, lead_ids: QuerySet[Any], page_request: PageRequest) -> LeadPage:
    """One page of the leads whose ids a query of ours selects (newest first), fetched by id
    (bounded, cached, under the request's deadline); those the API no longer has are left out."""
    count = lead_ids.count()
    offset = (page_request.index - 1) * page_request.size
    ids = list(lead_ids[offset : offset + page_request.size])
    fetched = leads_get_by_ids(agency=agency, lead_ids=ids)
    leads = tuple(lead for lead_id in ids if (lead := fetched.get(lead_id)) is not None)
    return LeadPage(leads=leads, count=count, page=page_request)


def missing_on_page(page: LeadPage | None) -> int:
    """Rows a local page should have shown but the API no longer has."""
    if page is None or not page.count:
        return 0
    index = min(page.page.index, page.page_count)
    expected = min(page.page.size, page.count - (index - 1) * page.page.size)
    return max(0, expected - len(page.leads))


@dataclass(frozen=True)
class LiveBanner:
    """What a list tells the page's script, for the banner "3 nouveaux leads · Afficher": which
    new leads join this list (static/js/app.js compares each live event with it)."""

    list_url: str
    family: str
    portals: str  # comma-separated codes, "" for every portal
    classified_ids: str  # comma-separated, "" for every listing


def live_banner(*, query: LeadQuery, now: datetime | None = None) -> LiveBanner | None:
    """None when no new lead could ever join the list (a period that ended, or a status /
    assignee filter: new leads have no follow-up yet)."""
    now = now or timezone.now()
    if query.local.active or query.criteria.end <= now:
        return None
    return LiveBanner(
        list_url=query.url,
        family=query.tab.family.value,
        portals=",".join(query.criteria.portals),
        classified_ids=",".join(str(n) for n in query.criteria.classified_ids),
    )


def lead_list_extras(
    *, membership: Membership, query: LeadQuery | None, page: LeadPage | None
) -> dict[str, Any]:
    """Template context the follow-up adds to a family list."""
    if query is None:
        return {"followup_enabled": True}
    extras: dict[str, Any] = {
        "followup_enabled": True,
        "live_banner": live_banner(query=query),
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
