"""The background work, on Huey (docs/TASKS.md says why): the lead watcher, the claim fallback,
the daily purge and re-indexing, the backfill of a new agency, the cleaning of old rows.

The scheduler's minute tick plans ahead: for every agency, one poll per watch interval, each
at its own offset inside the interval (agencies spread evenly). Every consumer process ticks;
a lease per minute lets one of them plan, and a lease per (agency, slot) lets exactly one
worker poll. Each plan reaches PLAN_AHEAD (two minutes), so every slot is planned by two
consecutive ticks: if the planning worker dies, what it planned is in the shared queue and
the next minute's plan (by a survivor) overlaps it; polls are never missing for more than the
slot a dying worker was in.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from leadsportal.agencies.models import Agency
from leadsportal.followup.access_record import access_records_purge
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.purge import followups_purge_expired
from leadsportal.leads_api import MAX_WINDOW_DAYS, LeadsApiError
from leadsportal.watch.assignment import FALLBACK_NOBODY_AVAILABLE, claim_fallback
from leadsportal.watch.events import events_forget_old
from leadsportal.watch.leases import lease_take, leases_forget_old
from leadsportal.watch.models import WatchLease
from leadsportal.watch.poll import agency_poll
from leadsportal.watch.reminders import reminders_tell_due
from leadsportal.watch.schedule import poll_offset, slot_of

logger = logging.getLogger(__name__)

PLAN_AHEAD = timedelta(minutes=2)


def polls_plan(
    *, now: datetime, agency_ids: list[int], interval: int
) -> list[tuple[int, int, datetime]]:
    """(agency id, slot, when) for every poll of the PLAN_AHEAD from now (pure)."""
    first = slot_of(now, interval)
    last = slot_of(now + PLAN_AHEAD, interval)
    plan = []
    for slot in range(first, last):
        for agency_id in agency_ids:
            when = datetime.fromtimestamp(
                slot * interval + poll_offset(agency_id, interval), tz=now.tzinfo
            )
            plan.append((agency_id, slot, max(when, now)))
    return plan


# Polls and plans go before the long tasks (backfills, the nightly re-read) in the queue.
URGENT, BACKGROUND = 10, 0


@db_periodic_task(crontab(), priority=URGENT)
def watch_plan_minute() -> int:
    """Plan the coming polls, once a minute across all consumers: the lease is taken once the
    plan is queued, so a planner that dies half-way leaves the minute to the next tick."""
    now = timezone.now()
    minute = slot_of(now, 60)
    if WatchLease.objects.filter(name="plan", slot=minute).exists():
        return 0
    interval = settings.LEADS_WATCH_INTERVAL
    agency_ids = list(
        Agency.objects.exclude(client_secret_encrypted="").values_list("pk", flat=True)
    )
    planned = polls_plan(now=now, agency_ids=agency_ids, interval=interval)
    for agency_id, slot, when in planned:
        watch_poll.schedule(args=(agency_id, slot), eta=when, priority=URGENT)
    lease_take("plan", minute)
    return len(planned)


@db_task(priority=URGENT)
def watch_poll(agency_id: int, slot: int) -> bool:
    """Poll one agency for one slot, unless another worker holds that slot or the slot is
    long past (workers that were all down do not replay the polls they missed)."""
    if slot_of(timezone.now(), settings.LEADS_WATCH_INTERVAL) > slot + 1:
        return False
    if not lease_take(f"poll:{agency_id}", slot):
        return False
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return False
    agency_poll(agency=agency, claim_window=claim_fallback_later)
    return True


@db_task(priority=URGENT)
def watch_poll_now(agency_id: int) -> bool:
    """Poll one agency now: a webhook said it has a new lead (AVIV Seeker Leads). An agency
    backing off after failures, or being polled by another worker, is left to its schedule."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return False
    return agency_poll(agency=agency, claim_window=claim_fallback_later).polled


# When nobody is available at the end of a claim window, look again this often, this long.
FALLBACK_RETRY_MINUTES = 5
FALLBACK_RETRIES = 24


def claim_fallback_later(agency: Agency, lead_id: str, minutes: int, attempt: int = 0) -> None:
    try:
        claim_fallback_task.schedule(
            args=(agency.pk, lead_id, attempt), delay=minutes * 60, priority=URGENT
        )
    except Exception:
        # The queue is down: the lead stays open to claims, and shows as waiting.
        logger.exception("claim fallback not queued", extra={"agency_id": agency.pk})


@db_task(priority=URGENT)
def claim_fallback_task(agency_id: int, lead_id: str, attempt: int = 0) -> None:
    followup = (
        LeadFollowup.objects.select_related("agency")
        .filter(agency_id=agency_id, lead_id=lead_id)
        .first()
    )
    if followup is None:
        return
    outcome = claim_fallback(followup=followup)
    if outcome is FALLBACK_NOBODY_AVAILABLE and attempt < FALLBACK_RETRIES:
        claim_fallback_later(followup.agency, lead_id, FALLBACK_RETRY_MINUTES, attempt + 1)


@db_periodic_task(crontab(), priority=URGENT)
def reminders_due_minute() -> int:
    """Every minute: tell the reminders that fell due and were not told yet (a queue that was
    down or busy at their time, a worker that died). Each is told once (reminders.py)."""
    return len(reminders_tell_due())


@db_task(priority=URGENT)
def reminder_due_task(reminder_id: int) -> bool:
    """At a reminder's due time: tell its person, on time rather than at the next minute. A
    reminder snoozed, done or cancelled since is not due any more: nothing happens (the snooze
    scheduled a task of its own)."""
    return bool(reminders_tell_due(reminder_ids=[reminder_id]))


def reminder_due_later(reminder_id: int, due_at: datetime) -> None:
    """Plan the telling of a reminder at its due time (after the commit of its change)."""
    try:
        reminder_due_task.schedule(args=(reminder_id,), eta=due_at, priority=URGENT)
    except Exception:
        # The queue is down: the minute's sweep tells it once a worker is back.
        logger.exception("reminder task not queued", extra={"reminder_id": reminder_id})


@db_task(priority=BACKGROUND)
def agency_backfill(agency_id: int, days: int = MAX_WINDOW_DAYS) -> None:
    """Index the agency's last `days` of leads (a new agency, or the daily re-read, which also
    drops the fingerprints of contacts erased upstream since)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return
    end = timezone.now() + timedelta(minutes=1)
    try:
        result = contacts_index_period(agency=agency, start=end - timedelta(days=days), end=end)
    except LeadsApiError as error:
        logger.warning(
            "lead index: re-read failed",
            extra={"agency_id": agency_id, "error": type(error).__name__},
        )
        return
    logger.info(
        "lead index: re-read",
        extra={
            "agency_id": agency_id,
            "leads": result.leads,
            "fingerprints_deleted": result.deleted,
            "upstream_calls": result.upstream_calls,
        },
    )


# The daily jobs are checked every hour and run once a day (a lease per UTC day): a day when
# no worker was up at the usual hour is caught up within the hour a worker is back.
@db_periodic_task(crontab(minute="15"), priority=BACKGROUND)
def daily_purge() -> None:
    """GDPR: everything stored about expired leads goes (the index rows included), and the
    access record's lines older than its retention period."""
    if not lease_take("purge", slot_of(timezone.now(), 86_400)):
        return
    result = followups_purge_expired()
    access_lines = access_records_purge()
    logger.info(
        "daily purge",
        extra={
            "followups": result.followups,
            "index_rows": result.index_rows,
            "access_records": access_lines,
        },
    )


@db_periodic_task(crontab(minute="45"), priority=BACKGROUND)
def daily_reread() -> None:
    """Re-read every agency's 92 days: erased contacts lose their fingerprints."""
    if timezone.now().hour < 2 or not lease_take("reread", slot_of(timezone.now(), 86_400)):
        return  # from 02:45 UTC, once a day: the upstream's quiet hours
    for agency_id in Agency.objects.exclude(client_secret_encrypted="").values_list(
        "pk", flat=True
    ):
        agency_backfill(agency_id)


@db_periodic_task(crontab(minute="7"), priority=BACKGROUND)
def hourly_cleanup() -> None:
    """Old leases and live events (kept a day for pages that reconnect)."""
    leases_forget_old()
    events_forget_old()
    close_old_connections()
