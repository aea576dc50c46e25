"""Queries of the Seeker sandbox: a client's generated leads plus those added at run time,
read as a feed (oldest first, by ingestion date) with the portal's erasures applied.

Only the rows of the page asked for are rendered to JSON; windows work on the compact index
(data.py), so a page stays fast at 100,000 leads per client.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import heapq
from typing import Any

from leadsportal.seeker_sandbox.data import ADDED_BASE, LeadRow
from leadsportal.seeker_sandbox.state import data_for, erased_contact, state

_CURSOR_PREFIX = "c1:"


def window(client_id: str, min_ts: int, max_ts: int) -> list[LeadRow]:
    """Rows ingested in [min_ts, max_ts], both inclusive, oldest first."""
    generated = data_for(client_id).window(min_ts, max_ts)
    added = [row for row in state.added_rows(client_id) if min_ts <= row.ts <= max_ts]
    return list(heapq.merge(generated, added)) if added else generated


def encode_cursor(row: LeadRow) -> str:
    """An opaque cursor: the position (ingestion date, number) of the page's first row, so
    that a page read later starts at the same lead even if newer leads arrived meanwhile."""
    raw = f"{_CURSOR_PREFIX}{row.ts}:{row.n}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not raw.startswith(_CURSOR_PREFIX):
        return None
    ts, _, n = raw.removeprefix(_CURSOR_PREFIX).partition(":")
    if not (ts.isdigit() and n.isdigit()):
        return None
    return int(ts), int(n)


def page(
    client_id: str, min_ts: int, max_ts: int, limit: int, cursor: tuple[int, int] | None
) -> tuple[list[dict[str, Any]], LeadRow | None]:
    """The leads of one page and the first row of the next one (None: this is the last)."""
    rows = window(client_id, min_ts, max_ts)
    start = 0 if cursor is None else bisect.bisect_left(rows, cursor, key=lambda r: (r.ts, r.n))
    chosen = rows[start : start + limit]
    following = rows[start + limit] if start + limit < len(rows) else None
    return [render(client_id, row) for row in chosen], following


def render(client_id: str, row: LeadRow) -> dict[str, Any]:
    lead = state.added_lead(client_id, row.lead_id) if row.n >= ADDED_BASE else None
    if lead is None:
        lead = data_for(client_id).render(row)
    if state.is_erased(client_id, row.lead_id):
        lead = erase(lead)
    return lead


def erase(lead: dict[str, Any]) -> dict[str, Any]:
    erased = dict(lead)
    if "contactRequest" in lead and lead["contactRequest"] is not None:
        erased["contactRequest"] = erased_contact(lead["contactRequest"])
    if isinstance(lead.get("callDetails"), dict):
        erased["callDetails"] = {**lead["callDetails"], "seekerPhoneNumber": None}
    return erased


def lead(client_id: str, lead_id: str) -> dict[str, Any] | None:
    """One lead of this client; None for an unknown id or another client's lead."""
    added = state.added_lead(client_id, lead_id)
    if added is not None:
        return erase(added) if state.is_erased(client_id, lead_id) else added
    row = data_for(client_id).by_id.get(lead_id)
    return render(client_id, row) if row is not None else None
