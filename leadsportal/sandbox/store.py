"""Queries of the sandbox: a client's generated leads plus the ones added at run time.

Only the rows of the requested page are rendered to JSON; counting and filtering work on the
compact index (see data.py), so a page query stays fast at 100,000 leads per client.
"""

from __future__ import annotations

import heapq
from typing import Any

from leadsportal.sandbox.data import ADDED_BASE, ClientData, LeadRow, filter_rows
from leadsportal.sandbox.state import data_for, state
from leadsportal.sandbox.validation import Page, Search


def _render(client_id: str, data: ClientData, row: LeadRow) -> dict[str, Any]:
    if row.n >= ADDED_BASE:
        lead = state.added_lead(client_id, row.lead_id)
        if lead is not None:
            return lead
    return data.render(row)


def _page(
    client_id: str, data: ClientData, matches: list[LeadRow], page: Page
) -> tuple[list[dict[str, Any]], int]:
    """Newest first: the page is counted from the end of the oldest-first list."""
    total = len(matches)
    stop = total - (page.index - 1) * page.size
    if stop <= 0:
        return [], total
    rows = matches[max(0, stop - page.size) : stop]
    return [_render(client_id, data, row) for row in reversed(rows)], total


def search(
    client_id: str, criteria: Search, *, lead_type: str | None
) -> tuple[list[dict[str, Any]], int]:
    """A page of the client's leads matching the criteria (of one type, or all), and their count."""
    data = data_for(client_id)
    generated = filter_rows(
        data.window(criteria.start_ts, criteria.end_ts, lead_type),
        classified_ids=criteria.classified_ids,
        portals=criteria.portals,
    )
    added = filter_rows(
        (
            row
            for row in state.added_rows(client_id)
            if criteria.start_ts <= row.ts < criteria.end_ts and lead_type in (None, row.lead_type)
        ),
        classified_ids=criteria.classified_ids,
        portals=criteria.portals,
    )
    matches = list(heapq.merge(generated, added)) if added else generated
    return _page(client_id, data, matches, criteria.page)


def classified_leads(
    client_id: str, classified_id: int, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """Every lead of one listing, whatever its date; an unknown listing has none."""
    data = data_for(client_id)
    generated = data.by_classified.get(classified_id, [])
    added = [row for row in state.added_rows(client_id) if row.classified_id == classified_id]
    matches = list(heapq.merge(generated, added)) if added else generated
    return _page(client_id, data, matches, page)


def lead(client_id: str, lead_id: str) -> dict[str, Any] | None:
    """One lead of this client; None for an unknown id or another client's lead."""
    added = state.added_lead(client_id, lead_id)
    if added is not None:
        return added
    data = data_for(client_id)
    row = data.by_id.get(lead_id)
    return data.render(row) if row is not None else None
