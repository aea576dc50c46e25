"""One poll of one agency: its newest leads, indexed, announced, assigned.

Incremental: from the creation date of the newest lead seen, minus LEADS_WATCH_OVERLAP (an
upstream may show a lead some time after its creation date), to now. A lead is new when the
index has no announcement for it; the first poll of an agency announces nothing (what was
there before the watcher started is not news). Faults slow down this agency only: each
failure doubles its pause (a 429's Retry-After when longer), up to LEADS_WATCH_MAX_BACKOFF.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import leads_search
from leadsportal.followup.fingerprints import contact_fingerprints_sync
from leadsportal.followup.models import AgencyLead
from leadsportal.followup.records import followup_from_lead
from leadsportal.leads_api import (
    PAGE_SIZE_MAX,
    Lead,
    LeadFamily,
    LeadsApiAuthError,
    LeadsApiError,
    LeadsApiRateLimited,
    PageRequest,
    SearchCriteria,
)
from leadsportal.watch.assignment import Rule, round_robin_assign
from leadsportal.watch.events import event_publish
from leadsportal.watch.models import AgencyWatch, LiveEvent

logger = logging.getLogger(__name__)

# A poll reads at most this many pages (of 100): a flood beyond is caught up by the next polls.
MAX_PAGES = 5
# Creation dates a little in the future (clocks differ) are still in the window.
CLOCK_MARGIN = timedelta(minutes=1)
# Refused credentials are not retried every few seconds: an administrator must act.
REFUSED_FIRST_PAUSE = 60


# (agency, lead id, minutes): called when a lead opens for claims.
ClaimWindow = Callable[[Agency, str, int], None]


@dataclass(frozen=True)
class PollResult:
    polled: bool  # False: the agency is backing off
    leads_seen: int = 0
    new_lead_ids: tuple[str, ...] = ()
    upstream_calls: int = 0
    error: str = ""  # the error's class name, never its text


def watch_state(agency: Agency) -> AgencyWatch:
    watch, _ = AgencyWatch.objects.get_or_create(agency=agency)
    return watch


def _pause_after_failure(watch: AgencyWatch, error: LeadsApiError) -> float:
    interval = settings.LEADS_WATCH_INTERVAL
    failures = watch.consecutive_failures
    if isinstance(error, LeadsApiAuthError):
        pause = REFUSED_FIRST_PAUSE * 2 ** min(failures - 1, 10)
    else:
        pause = interval * 2 ** min(failures, 10)
    if isinstance(error, LeadsApiRateLimited) and error.retry_after:
        pause = max(pause, error.retry_after)
    return float(min(pause, settings.LEADS_WATCH_MAX_BACKOFF))


def _state_for(error: LeadsApiError) -> str:
    if isinstance(error, LeadsApiAuthError):
        return AgencyWatch.State.REFUSED
    if isinstance(error, LeadsApiRateLimited):
        return AgencyWatch.State.RATE_LIMITED
    return AgencyWatch.State.FAILING


def _read_window(agency: Agency, start: datetime, end: datetime) -> tuple[list[Lead], int]:
    criteria = SearchCriteria(start=start, end=end)
    leads: list[Lead] = []
    calls = 0
    for index in range(1, MAX_PAGES + 1):
        page = leads_search(
            agency=agency,
            family=LeadFamily.ALL,
            criteria=criteria,
            page=PageRequest(index=index, size=PAGE_SIZE_MAX),
        )
        calls += 1
        leads.extend(page.leads)
        if not page.leads or index >= page.page_count:
            break
    return leads, calls


def agency_poll(
    *,
    agency: Agency,
    now: datetime | None = None,
    clock: Callable[[], datetime] = timezone.now,
    force: bool = False,
    claim_window: ClaimWindow | None = None,
) -> PollResult:
    """Poll the agency once (unless it is backing off and not `force`d). `claim_window` is
    called for each new lead under the "first to claim" rule (the task engine schedules the
    round-robin fallback)."""
    now = now or clock()
    watch = watch_state(agency)
    if not force and watch.next_poll_at and watch.next_poll_at > now:
        return PollResult(polled=False)
    newest_seen = watch.newest_created_at
    first_poll = newest_seen is None
    overlap = timedelta(seconds=settings.LEADS_WATCH_OVERLAP)
    if newest_seen is None:
        start = now - max(overlap, timedelta(hours=1))
    else:
        start = newest_seen - overlap
    try:
        leads, calls = _read_window(agency, start, now + CLOCK_MARGIN)
    except LeadsApiError as error:
        watch.consecutive_failures += 1
        pause = _pause_after_failure(watch, error)
        watch.state = _state_for(error)
        watch.next_poll_at = now + timedelta(seconds=pause)
        watch.last_poll_at = now
        watch.polls += 1
        watch.save()
        logger.warning(
            "lead watcher: upstream error",
            extra={
                "agency_id": agency.pk,
                "error": type(error).__name__,
                "failures": watch.consecutive_failures,
                "pause_seconds": pause,
            },
        )
        return PollResult(polled=True, error=type(error).__name__)

    contact_fingerprints_sync(agency=agency, leads=leads, now=now, remember=False)
    new = _announce(
        agency=agency, leads=leads, now=now, silently=first_poll, claim_window=claim_window
    )
    newest = max((lead.meta.creation_date for lead in leads), default=None)
    if first_poll:
        watch.newest_created_at = newest or now
    elif newest is not None and newest_seen is not None and newest > newest_seen:
        watch.newest_created_at = newest
    watch.state = AgencyWatch.State.OK
    watch.consecutive_failures = 0
    watch.next_poll_at = None
    watch.last_poll_at = watch.last_success_at = now
    watch.polls += 1
    watch.save()
    return PollResult(
        polled=True,
        leads_seen=len(leads),
        new_lead_ids=tuple(lead.lead_id for lead in new),
        upstream_calls=calls,
    )


def _announce(
    *,
    agency: Agency,
    leads: list[Lead],
    now: datetime,
    silently: bool,
    claim_window: ClaimWindow | None,
) -> list[Lead]:
    """Mark the leads not announced yet; unless silently, assign and announce each of them.

    The conditional update makes each lead news exactly once, even if two polls of the agency
    ever overlap (a poll slower than the interval)."""
    by_id = {lead.lead_id: lead for lead in leads}
    if not by_id:
        return []
    pending = list(
        AgencyLead.objects.filter(
            agency=agency, lead_id__in=list(by_id), announced_at__isnull=True
        ).values_list("pk", "lead_id")
    )
    if silently:
        AgencyLead.objects.filter(pk__in=[pk for pk, _ in pending]).update(announced_at=now)
        return []
    announced = []
    for pk, lead_id in sorted(pending, key=lambda row: by_id[row[1]].meta.creation_date):
        if AgencyLead.objects.filter(pk=pk, announced_at__isnull=True).update(announced_at=now):
            lead = by_id[lead_id]
            _arrival(agency=agency, lead=lead, now=now, claim_window=claim_window)
            announced.append(lead)
    return announced


def _arrival(
    *, agency: Agency, lead: Lead, now: datetime, claim_window: ClaimWindow | None
) -> None:
    """A new lead: its follow-up (with the assignee the rule gives), then the live event."""
    rule = agency.assignment_rule
    assignee = None
    with transaction.atomic():
        followup = followup_from_lead(agency=agency, lead=lead)
        if rule == Rule.ROUND_ROBIN:
            assignee = round_robin_assign(followup=followup, now=now)
        classified = lead.classified
        event_publish(
            agency=agency,
            kind=LiveEvent.Kind.LEAD,
            lead_id=lead.lead_id,
            lead_type=lead.lead_type.value,
            portal=lead.meta.portal,
            classified_id=classified.classified_id if classified else None,
            classified_reference=(classified.reference or "") if classified else "",
            assignee=assignee,
            claimable=rule == Rule.FIRST_TO_CLAIM and followup.assignee_id is None,
        )
    if rule == Rule.FIRST_TO_CLAIM and claim_window is not None:
        claim_window(agency, lead.lead_id, agency.claim_minutes)
