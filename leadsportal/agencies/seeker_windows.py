"""The window of a Seeker Leads agency's feed, read as aligned slices that are cached each on its own.

A list on Seeker Leads is cut from every lead ingested in its period (the feed has no search and
no total). The feed selects by ingestion date, so a day that is over never gains a lead: later
it can only lose one (its TTL passed) or see a contact erased (GDPR). So the period is read as
slices that do not depend on the list's exact dates, and each slice is cached for as long as it
can still change:

- the last `RECENT_DAYS` days, today included, are UTC days; anything older is read in aligned
  7-day blocks (the API's longest window), cut where the recent days begin. Two lists, a tab
  count and a lead looked up by id share the slices they have in common.
- A slice that is still open (today's, or one that ended less than `SETTLE_SECONDS` ago) lives
  `OPEN_SECONDS` and belongs to the agency's generation: when the watcher sees a new lead it moves
  the generation, and the next list reads today's slice again (one call up to 100 leads a day).
- A closed slice lives `CLOSED_SECONDS`, whatever the generation: an erasure upstream shows at
  the latest that much later (a lead past its TTL never shows: it is dropped at every read).

While people use an agency's lists (a list read in the last `IN_USE_SECONDS`), the watcher keeps
the closed days of the default 7-day list cached (`keep_warm`, in the worker, never in a
request): so the default list of an agency with 500 leads a week costs at most one upstream call
(two past 100 leads in one day), today's slice. The first list after a quiet half hour reads the
missing days, one call per day side by side under the API's limit (docs/BENCHMARKS.md, "Seeker
Leads windows").

Pages of one process that miss the same slices at once share one read (a lock per agency).
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.core.cache import cache
from django.utils import timezone

from leadsportal import seeker_api
from leadsportal.leads_api import Lead, LeadsApiUnavailable
from leadsportal.lib import deadlines

DAY: Final = 86_400
WEEK: Final = 7 * DAY
# Monday 1970-01-05 00:00 UTC: the 7-day blocks start on a Monday.
WEEK_ORIGIN: Final = 4 * DAY
# The default list's 7 days, and the UTC day its first Paris day starts in.
RECENT_DAYS: Final = 8
OPEN_SECONDS: Final = 45
CLOSED_SECONDS: Final = 600
# A slice that ended this recently may still receive a lead the feed is ingesting.
SETTLE_SECONDS: Final = 300
# Ingestion dates a little ahead of our clock still belong to today's slice.
CLOCK_MARGIN_SECONDS: Final = 60
# An agency's lists count as in use this long after one was read (the watcher keeps them warm).
IN_USE_SECONDS: Final = 1800
IN_USE_MARK_EVERY_SECONDS: Final = 60
# The watcher reads a closed day again when its entry has less than this left (two polls).
WARM_AHEAD_SECONDS: Final = 60


@dataclass(frozen=True, order=True)
class Slice:
    """[low, high) in Unix seconds."""

    low: int
    high: int

    @property
    def api_window(self) -> tuple[int, int]:
        """The (minDate, maxDate) pair of GET /leads: both inclusive."""
        return self.low, self.high - 1

    def is_open(self, now: int) -> bool:
        return self.high > now - SETTLE_SECONDS


def slices_of(low: int, high: int, now: int) -> list[Slice]:
    """The aligned slices that cover [low, high), oldest first (none after now)."""
    today = now - now % DAY
    recent = today - (RECENT_DAYS - 1) * DAY
    slices: list[Slice] = []
    if low < recent:
        block = WEEK_ORIGIN + (low - WEEK_ORIGIN) // WEEK * WEEK
        while block < min(high, recent):
            slices.append(Slice(block, min(block + WEEK, recent)))
            block += WEEK
    day = max(low, recent)
    day -= day % DAY
    last = min(high, now + CLOCK_MARGIN_SECONDS)
    while day < last:
        slices.append(Slice(day, day + DAY))
        day += DAY
    return slices


_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _lock(agency_key: str) -> threading.Lock:
    with _locks_lock:
        if len(_locks) > 1024:
            _locks.clear()
        return _locks.setdefault(agency_key, threading.Lock())


def _key(agency_key: str, generation: int, piece: Slice, now: int) -> str:
    base = f"upstream:slice:{agency_key}:{piece.low}:{piece.high}"
    return f"{base}:g{generation}" if piece.is_open(now) else base


def _in_use_key(agency_key: str) -> str:
    return f"upstream:slices-in-use:{agency_key}"


# A cached slice: (the Unix second its entry lapses, its leads).
type _Entry = tuple[int, tuple[Lead, ...]]


def _entry(value: object) -> _Entry | None:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int):
        return value
    return None


def _read(
    client: seeker_api.SeekerLeadsClient, keys: dict[Slice, str], missing: list[Slice], now: int
) -> dict[str, _Entry]:
    read = client.windows_leads([piece.api_window for piece in missing])
    entries: dict[str, _Entry] = {}
    for piece, leads in zip(missing, read, strict=True):
        timeout = OPEN_SECONDS if piece.is_open(now) else CLOSED_SECONDS
        entries[keys[piece]] = (now + timeout, leads)
        cache.set(keys[piece], entries[keys[piece]], timeout=timeout)
    return entries


def window_leads(
    client: seeker_api.SeekerLeadsClient,
    *,
    agency_key: str,
    generation: int,
    start: datetime,
    end: datetime,
) -> tuple[Lead, ...]:
    """Every lead ingested in [start, end) and not expired, newest first: the cached slices,
    and the missing ones from the feed (raises the client's LeadsApiError)."""
    now_moment = timezone.now()
    now = int(now_moment.timestamp())
    low, high = math.floor(start.timestamp()), math.ceil(end.timestamp())
    slices = slices_of(low, high, now)
    keys = {piece: _key(agency_key, generation, piece, now) for piece in slices}
    raw = cache.get_many([*keys.values(), _in_use_key(agency_key)])
    marked = raw.get(_in_use_key(agency_key))
    if not isinstance(marked, int) or marked < now - IN_USE_MARK_EVERY_SECONDS:
        # Marked again only now and then: a list's several reads do not each write.
        cache.set(_in_use_key(agency_key), now, timeout=IN_USE_SECONDS)
    found = _entries(raw, keys.values())
    if any(key not in found for key in keys.values()):
        with _lock(agency_key):
            found.update(_cached(key for key in keys.values() if key not in found))
            missing = [piece for piece in slices if keys[piece] not in found]
            if missing:
                found.update(_read(client, keys, missing, now))
    return _newest_first(
        (found[keys[piece]][1] for piece in slices), start=start, end=end, now=now_moment
    )


def _cached(keys: Iterable[str]) -> dict[str, _Entry]:
    wanted = list(keys)
    return _entries(cache.get_many(wanted), wanted)


def _entries(raw: dict[str, object], keys: Iterable[str]) -> dict[str, _Entry]:
    entries = {}
    for key in keys:
        entry = _entry(raw.get(key))
        if entry is not None:
            entries[key] = entry
    return entries


def cached_leads(
    *, agency_key: str, generation: int, start: datetime, end: datetime
) -> tuple[Lead, ...]:
    """The leads of [start, end) that cached slices hold, newest first; reads nothing."""
    now_moment = timezone.now()
    now = int(now_moment.timestamp())
    slices = slices_of(math.floor(start.timestamp()), math.ceil(end.timestamp()), now)
    found = _cached(_key(agency_key, generation, piece, now) for piece in slices)
    return _newest_first(
        (entry[1] for entry in found.values()), start=start, end=end, now=now_moment
    )


def prefetch(
    client: seeker_api.SeekerLeadsClient,
    *,
    agency_key: str,
    generation: int,
    start: datetime,
    end: datetime,
    round_seconds: float | None,
) -> bool:
    """Read the missing slices of [start, end) ahead, as many at once as the API's limit
    allows (a round), the token first.

    With `round_seconds` (the worker), each step has a deadline of its own: a long period
    takes the rounds it needs, yet a stalled upstream ends it within one. Without (a request),
    all share the current deadline, and when it runs out the read stops there: False, the
    slices read so far stay cached for whoever goes on. True when every slice is cached.
    Raises the client's LeadsApiError for a fault (an error, not the time running out)."""
    now = int(timezone.now().timestamp())
    slices = slices_of(math.floor(start.timestamp()), math.ceil(end.timestamp()), now)
    keys = {piece: _key(agency_key, generation, piece, now) for piece in slices}
    found = _cached(keys.values())
    missing = [piece for piece in slices if keys[piece] not in found]
    if not missing:
        return True
    steps: list[Callable[[], object]] = [client.token_ready]
    for group in itertools.batched(missing, seeker_api.CONCURRENCY_LIMIT):
        steps.append(functools.partial(_locked_read, client, keys, list(group), now, agency_key))
    for step in steps:
        if round_seconds is not None:
            with deadlines.deadline_scope(round_seconds, replace=True):
                step()
            continue
        try:
            step()
        except LeadsApiUnavailable:
            left = deadlines.seconds_left()
            if left is not None and left <= 0:
                return False  # the request's time is up, not the upstream
            raise
    return True


def _locked_read(
    client: seeker_api.SeekerLeadsClient,
    keys: dict[Slice, str],
    missing: list[Slice],
    now: int,
    agency_key: str,
) -> None:
    with _lock(agency_key):
        _read(client, keys, missing, now)


def keep_warm(client: seeker_api.SeekerLeadsClient, *, agency_key: str) -> int:
    """While the agency's lists are in use, read again each closed day of the default list
    whose entry is missing or about to lapse; returns the days read (none when not in use).
    The watcher calls it after each poll; raises the client's LeadsApiError."""
    if not cache.get(_in_use_key(agency_key)):
        return 0
    now = int(timezone.now().timestamp())
    today = now - now % DAY
    recent = today - (RECENT_DAYS - 1) * DAY
    closed = [piece for piece in slices_of(recent, today, now) if not piece.is_open(now)]
    # A closed slice's key has no generation: any will do.
    keys = {piece: _key(agency_key, 0, piece, now) for piece in closed}
    found = _cached(keys.values())
    due = [
        piece
        for piece in closed
        if keys[piece] not in found or found[keys[piece]][0] < now + WARM_AHEAD_SECONDS
    ]
    if due:
        with _lock(agency_key):
            _read(client, keys, due, now)
    return len(due)


def is_expired(lead: Lead, now: datetime) -> bool:
    """Past its TTL a Seeker lead "must be deleted from all systems": never shown again."""
    expires = lead.meta.expiration_date
    return expires is not None and expires <= now


def _newest_first(
    slices: Iterable[tuple[Lead, ...]], *, start: datetime, end: datetime, now: datetime
) -> tuple[Lead, ...]:
    unique: dict[str, Lead] = {}
    for leads in slices:
        for lead in leads:
            if not start <= lead.meta.creation_date < end:
                continue
            if is_expired(lead, now):
                continue
            unique.setdefault(lead.lead_id, lead)
    return tuple(
        sorted(
            unique.values(), key=lambda lead: (lead.meta.creation_date, lead.lead_id), reverse=True
        )
    )
