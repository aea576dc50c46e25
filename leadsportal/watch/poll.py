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
from django.db.models import F, Q
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import (
    agency_leads_changed,
    agency_windows_warm,
    arrivals_read,
)
from leadsportal.followup.fingerprints import contact_fingerprints_sync
from leadsportal.followup.models import AgencyLead
from leadsportal.followup.records import followup_from_lead
from leadsportal.leads_api import (
    LEAD_ID_PATTERN,
    Lead,
    LeadsApiAuthError,
    LeadsApiError,
    LeadsApiRateLimited,
)
from leadsportal.watch.assignment import Rule, round_robin_assign
from leadsportal.watch.events import event_publish
from leadsportal.watch.models import AgencyWatch, LiveEvent

logger = logging.getLogger(__name__)

# A poll reads at most this many pages (of 100) of its window.
MAX_PAGES = 20
# After a long pause the watcher reads forward this much at a time (oldest window first).
CATCH_UP_WINDOW = timedelta(hours=6)
# Leads older than this when first seen (a catch-up) are indexed without a toast or an
# assignment: they are in the lists, and waking everyone for yesterday's leads helps nobody.
ANNOUNCE_WITHIN = timedelta(hours=1)

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


def _pause_after_failure(failures: int, error: LeadsApiError) -> float:
    interval = settings.LEADS_WATCH_INTERVAL
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
    # Page by page, a long read keeps its claim on the agency.
    return arrivals_read(
        agency=agency,
        start=start,
        end=end,
        max_pages=MAX_PAGES,
        on_page=lambda: _busy_extend(agency),
    )


def _busy_take(agency: Agency, now: datetime) -> bool:
    """One poll of an agency at a time: a stalled upstream holds one worker thread, not one
    per interval. The claim lapses BUSY_FOR after its last renewal (a worker that died)."""
    free = Q(busy_until__isnull=True) | Q(busy_until__lt=now)
    return bool(
        AgencyWatch.objects.filter(free, agency=agency).update(busy_until=now + _busy_for())
    )


def _busy_for() -> timedelta:
    return timedelta(seconds=2 * settings.LEADS_WATCH_INTERVAL)


def _busy_extend(agency: Agency) -> None:
    AgencyWatch.objects.filter(agency=agency).update(busy_until=timezone.now() + _busy_for())


def _window(newest_seen: datetime | None, now: datetime) -> tuple[datetime, datetime, bool]:
    """[start, end) of the next read, and whether it reaches now. After a long pause (an
    outage, workers down) the watcher walks forward CATCH_UP_WINDOW at a time, oldest first,
    so that no lead is skipped whatever the number that piled up."""
    overlap = timedelta(seconds=settings.LEADS_WATCH_OVERLAP)
    if newest_seen is None:
        return now - max(overlap, timedelta(hours=1)), now + CLOCK_MARGIN, True
    start = newest_seen - overlap
    end = now + CLOCK_MARGIN
    if end - start > CATCH_UP_WINDOW:
        return start, start + CATCH_UP_WINDOW, False
    return start, end, True


def agency_poll(
    *,
    agency: Agency,
    now: datetime | None = None,
    clock: Callable[[], datetime] = timezone.now,
    force: bool = False,
    claim_window: ClaimWindow | None = None,
) -> PollResult:
    """Poll the agency once (unless it is backing off and not `force`d, or another worker is
    polling it). `claim_window` is called for each new lead under the "first to claim" rule
    (the task engine schedules the round-robin fallback)."""
    now = now or clock()
    watch = watch_state(agency)
    if not force and watch.next_poll_at and watch.next_poll_at > now:
        return PollResult(polled=False)
    if not _busy_take(agency, now):
        return PollResult(polled=False)
    try:
        return _poll(agency=agency, watch=watch, now=now, claim_window=claim_window)
    finally:
        AgencyWatch.objects.filter(agency=agency).update(busy_until=None)


def _poll(
    *, agency: Agency, watch: AgencyWatch, now: datetime, claim_window: ClaimWindow | None
) -> PollResult:
    newest_seen = watch.newest_created_at
    first_poll = newest_seen is None
    start, end, reaches_now = _window(newest_seen, now)
    calls = 0
    try:
        leads, calls = _read_window(agency, start, end)
        leads = [lead for lead in leads if LEAD_ID_PATTERN.match(lead.lead_id)]
        contact_fingerprints_sync(agency=agency, leads=leads, now=now, remember=False)
        new = _announce(
            agency=agency, leads=leads, now=now, silently=first_poll, claim_window=claim_window
        )
    except Exception as error:  # an upstream fault, or our own database: back off the same
        return _failed(agency, watch, now, error, calls)
    if new:
        # Lists built from a cached window (Seeker Leads) read it again: "Voir" shows the lead.
        agency_leads_changed(agency=agency)
    newest = max((lead.meta.creation_date for lead in leads), default=None)
    if first_poll:
        cursor = newest or now
    elif not reaches_now:
        # Catching up: the next read starts where this window ended (minus the overlap).
        cursor = max(end, newest) if newest else end
    else:
        cursor = max(newest, newest_seen) if newest and newest_seen else (newest or now)
    AgencyWatch.objects.filter(pk=watch.pk).update(
        state=AgencyWatch.State.OK,
        newest_created_at=cursor,
        consecutive_failures=0,
        next_poll_at=None,
        last_poll_at=now,
        last_success_at=now,
        polls=F("polls") + 1,
    )
    _keep_lists_warm(agency)
    return PollResult(
        polled=True,
        leads_seen=len(leads),
        new_lead_ids=tuple(lead.lead_id for lead in new),
        upstream_calls=calls,
    )


def _keep_lists_warm(agency: Agency) -> None:
    """Seeker Leads: the closed days of the agency's default list stay cached while its lists
    are in use, so that a list costs one call (today's). A fault here leaves the poll good:
    the next one tries again, and a list reads what it misses."""
    try:
        agency_windows_warm(agency=agency)
    except LeadsApiError as error:
        logger.info(
            "lead watcher: the lists' past days were not read",
            extra={"agency_id": agency.pk, "error": type(error).__name__},
        )


def _failed(
    agency: Agency, watch: AgencyWatch, now: datetime, error: Exception, calls: int
) -> PollResult:
    failures = watch.consecutive_failures + 1
    if isinstance(error, LeadsApiError):
        pause = _pause_after_failure(failures, error)
        state = _state_for(error)
        logger.warning(
            "lead watcher: upstream error",
            extra={
                "agency_id": agency.pk,
                "error": type(error).__name__,
                "failures": failures,
                "pause_seconds": pause,
            },
        )
    else:
        pause = float(
            min(
                settings.LEADS_WATCH_INTERVAL * 2 ** min(failures, 10),
                settings.LEADS_WATCH_MAX_BACKOFF,
            )
        )
        state = AgencyWatch.State.FAILING
        # Not the message: an exception's text may quote the data it choked on.
        logger.error(
            "lead watcher: poll failed",
            extra={"agency_id": agency.pk, "error": type(error).__name__, "failures": failures},
        )
    AgencyWatch.objects.filter(pk=watch.pk).update(
        state=state,
        consecutive_failures=failures,
        next_poll_at=now + timedelta(seconds=pause),
        last_poll_at=now,
        polls=F("polls") + 1,
    )
    return PollResult(polled=True, error=type(error).__name__, upstream_calls=calls)


def _announce(
    *,
    agency: Agency,
    leads: list[Lead],
    now: datetime,
    silently: bool,
    claim_window: ClaimWindow | None,
) -> list[Lead]:
    """Announce (assign, publish) each lead of the window that was not announced yet.

    Each lead is marked announced in the same transaction as its follow-up, assignment and
    event: all or nothing, and the conditional update makes it news exactly once even if two
    polls ever overlap. Leads created more than ANNOUNCE_WITHIN ago (a catch-up after an
    outage), and everything on the agency's first poll, are marked without a word."""
    by_id = {lead.lead_id: lead for lead in leads}
    if not by_id:
        return []
    pending = list(
        AgencyLead.objects.filter(
            agency=agency, lead_id__in=list(by_id), announced_at__isnull=True
        ).values_list("pk", "lead_id")
    )
    quiet = [
        pk
        for pk, lead_id in pending
        if silently or now - by_id[lead_id].meta.creation_date > ANNOUNCE_WITHIN
    ]
    if quiet:
        AgencyLead.objects.filter(pk__in=quiet).update(announced_at=now)
    announced = []
    for pk, lead_id in sorted(pending, key=lambda row: by_id[row[1]].meta.creation_date):
        if pk in quiet:
            continue
        lead = by_id[lead_id]
        with transaction.atomic():
            if not AgencyLead.objects.filter(pk=pk, announced_at__isnull=True).update(
                announced_at=now
            ):
                continue
            _arrival(agency=agency, lead=lead, now=now, claim_window=claim_window)
        announced.append(lead)
    return announced


def _arrival(
    *, agency: Agency, lead: Lead, now: datetime, claim_window: ClaimWindow | None
) -> None:
    """A new lead (inside the caller's transaction): its follow-up with the assignee the rule
    gives, the live event, and after the commit the claim window."""
    rule = agency.assignment_rule
    assignee = None
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
        window = claim_window
        transaction.on_commit(lambda: window(agency, lead.lead_id, agency.claim_minutes))
