"""Live events: written by the watcher and the assignment, pushed to every open page.

The table is the transport. Each web process runs one `EventFeed` thread that reads the new
rows a few times a second (one indexed query, whatever the number of open pages) and wakes the
pages' streams; a page that lost its connection asks for the events after the last one it got.
No event holds personal data (family, portal, listing reference, who it is assigned to).
An event with a recipient (a reminder that fell due) goes to that member's pages only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import close_old_connections, connection
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.watch.models import LiveEvent

logger = logging.getLogger(__name__)

# How far back a page that reconnects may catch up, and how long events are kept.
CATCH_UP = timedelta(minutes=30)
KEEP_EVENTS = timedelta(days=1)
RECENT_EVENTS = 5_000  # kept in each process's memory for the streams


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    agency_id: int
    kind: str
    lead_id: str
    lead_type: str
    portal: str
    classified_id: int | None
    classified_reference: str
    assignee_id: int | None
    claimable: bool
    created_at: datetime
    recipient_id: int | None = None
    reminder_id: int | None = None
    due_at: datetime | None = None


def _event(row: LiveEvent) -> Event:
    return Event(
        id=row.pk,
        agency_id=row.agency_id,
        kind=row.kind,
        lead_id=row.lead_id,
        lead_type=row.lead_type,
        portal=row.portal,
        classified_id=row.classified_id,
        classified_reference=row.classified_reference,
        assignee_id=row.assignee_id,
        claimable=row.claimable,
        created_at=row.created_at,
        recipient_id=row.recipient_id,
        reminder_id=row.reminder_id,
        due_at=row.due_at,
    )


def event_publish(
    *,
    agency: Agency,
    kind: str,
    lead_id: str,
    lead_type: str,
    portal: str = "",
    classified_id: int | None = None,
    classified_reference: str = "",
    assignee: AbstractBaseUser | None = None,
    claimable: bool = False,
    recipient_id: int | None = None,
    reminder_id: int | None = None,
    due_at: datetime | None = None,
) -> LiveEvent:
    return LiveEvent.objects.create(
        agency=agency,
        kind=kind,
        lead_id=lead_id,
        lead_type=lead_type,
        portal=portal[:20],
        classified_id=classified_id,
        classified_reference=classified_reference[:60],
        assignee_id=assignee.pk if assignee else None,
        claimable=claimable,
        recipient_id=recipient_id,
        reminder_id=reminder_id,
        due_at=due_at,
    )


def latest_event_id(*, agency: Agency) -> int:
    """The id a page rendered now starts its stream after (one indexed query)."""
    row = LiveEvent.objects.filter(agency=agency).order_by("-id").values_list("id", flat=True)[:1]
    return next(iter(row), 0)


def events_after(*, agency_id: int, after: int, now: datetime | None = None) -> list[Event]:
    """The agency's events after id `after`, from the last CATCH_UP at most (a reconnection)."""
    since = (now or timezone.now()) - CATCH_UP
    rows = LiveEvent.objects.filter(agency_id=agency_id, id__gt=after, created_at__gte=since)
    return [_event(row) for row in rows.order_by("id")[:500]]


def events_forget_old(*, now: datetime | None = None) -> int:
    deleted, _ = LiveEvent.objects.filter(
        created_at__lt=(now or timezone.now()) - KEEP_EVENTS
    ).delete()
    return deleted


class EventFeed:
    """The process's reader of new live events; the pages' streams wait on it, sync or async.

    One query a few times a second whatever the number of open pages: the rows after the last
    id read, and those of the last few seconds again (a transaction may commit a lower id after
    a higher one), told apart by id. Only the streams of the event's agency are woken.
    """

    LATE_COMMIT = timedelta(seconds=5)
    PER_AGENCY = 500
    KNOWN = 20_000

    def __init__(self, check_seconds: float) -> None:
        self.check_seconds = check_seconds
        self.last_id = 0
        self.reads = 0
        self._by_agency: dict[int, deque[Event]] = {}
        self._known: dict[int, None] = {}
        self._condition = threading.Condition()
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._sequence: dict[int, int] = {}  # per agency: bumped with each new event
        self._last_error_log = 0.0

    def ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self.read_new(initial=True)
                self._thread = threading.Thread(target=self._run, name="live-events", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.read_new()
            except Exception:
                # The database is away: said once a minute, not four times a second.
                if time.monotonic() - self._last_error_log > 60:
                    self._last_error_log = time.monotonic()
                    logger.exception("live events could not be read")
                close_old_connections()
            self._stop.wait(self.check_seconds)
        connection.close()

    def stop(self) -> None:
        """End the reading thread (tests; a process that exits needs nothing)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def read_new(self, *, initial: bool = False) -> list[Event]:
        """Read the events not seen yet; the first read only notes where the table ends."""
        if initial:
            self.last_id = (
                LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            )
            return []
        # Two indexed reads: what follows the last id, and the rows of the last few seconds
        # below it that were not there at the last read (committed late).
        newer = list(LiveEvent.objects.filter(id__gt=self.last_id).order_by("id")[:1000])
        late = [
            row
            for row in LiveEvent.objects.filter(
                id__lte=self.last_id, created_at__gte=timezone.now() - self.LATE_COMMIT
            ).order_by("id")[:1000]
            if row.pk not in self._known
        ]
        self.reads += 1
        events = sorted((_event(row) for row in (*late, *newer)), key=lambda e: e.id)
        events = [event for event in events if event.id not in self._known]
        if not events:
            return []
        with self._condition:
            woken: set[int] = set()
            for event in events:
                self._known[event.id] = None
                queue = self._by_agency.setdefault(event.agency_id, deque(maxlen=self.PER_AGENCY))
                queue.append(event)
                woken.add(event.agency_id)
                self._sequence[event.agency_id] = self._sequence.get(event.agency_id, 0) + 1
            self.last_id = max(self.last_id, events[-1].id)
            while len(self._known) > self.KNOWN:
                del self._known[next(iter(self._known))]
            self._condition.notify_all()
            waiters = [w for agency_id in woken for w in self._waiters.get(agency_id, ())]
        for loop, flag in waiters:
            with contextlib.suppress(RuntimeError):  # that stream's loop has closed
                loop.call_soon_threadsafe(flag.set)
        return events

    def recent(self, *, agency_id: int) -> tuple[int, list[Event]]:
        """The agency's recent events, with the sequence number to wait from."""
        with self._condition:
            return self._sequence.get(agency_id, 0), list(self._by_agency.get(agency_id, ()))

    def wait_sync(self, *, agency_id: int, seen: int, timeout: float) -> None:
        """Until the agency has events after sequence `seen` (at once if it has already)."""
        with self._condition:
            self._condition.wait_for(lambda: self._sequence.get(agency_id, 0) != seen, timeout)

    async def wait_async(self, *, agency_id: int, seen: int, timeout: float) -> None:
        flag = asyncio.Event()
        waiter = (asyncio.get_running_loop(), flag)
        with self._condition:
            if self._sequence.get(agency_id, 0) != seen:
                return  # something came while the stream was sending
            self._waiters.setdefault(agency_id, set()).add(waiter)
        try:
            await asyncio.wait_for(flag.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._condition:
                self._waiters.get(agency_id, set()).discard(waiter)


class EventCursor:
    """What one open page has been sent: the events after the id it was rendered with, each
    once. (Events before it were on the page already: a lead that arrived a second before a
    click on "Voir" must not come back as a toast on the page it opened. The feed itself reads
    late-committed rows, so pages open before them get them.)"""

    def __init__(self, *, agency_id: int, after: int, user_id: int | None = None) -> None:
        self.agency_id = agency_id
        self.after = after
        self.user_id = user_id
        self.sent: set[int] = set()

    def take(self, events: Iterable[Event]) -> list[Event]:
        """The events not sent yet; those meant for one member (a reminder) only to them."""
        fresh = [
            e
            for e in events
            if e.id > self.after
            and e.id not in self.sent
            and (e.recipient_id is None or e.recipient_id == self.user_id)
        ]
        self.sent.update(e.id for e in fresh)
        return sorted(fresh, key=lambda e: e.id)


_feed: EventFeed | None = None
_feed_lock = threading.Lock()


def event_feed_stop() -> None:
    """Stop this process's feed, if it runs (the next stream starts another)."""
    with _feed_lock:
        feed = _feed
    if feed is not None:
        feed.stop()


def event_feed() -> EventFeed:
    """This process's feed, started on first use."""
    global _feed
    with _feed_lock:
        if _feed is None or _feed._stop.is_set():
            _feed = EventFeed(settings.LEADS_LIVE_CHECK_SECONDS)
        feed = _feed
    feed.ensure_started()
    return feed
