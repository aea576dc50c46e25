"""Helpers of the follow-up tests: leads added to the live sandbox, rows of a rendered list."""

from __future__ import annotations

import re
from datetime import timedelta

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import Lead, LeadFamily, PageRequest, SearchCriteria, get_client
from tests.fixtures import phone  # noqa: F401 - the follow-up tests import it from here

PARIS_CLIENT_ID = "agence-paris-demo"
LYON_CLIENT_ID = "agence-lyon-demo"


def row_html(html: str, lead_id: str) -> str:
    match = re.search(rf'<tr[^>]*data-lead-id="{re.escape(lead_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for {lead_id}"
    return match.group(1)


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr[^>]*data-lead-id="([^"]+)"', html)


def unread_ids(html: str) -> set[str]:
    """Leads shown as new: bold row and "Non lu" badge."""
    bold = set(re.findall(r'<tr class="is-unread[^"]*"[^>]*? data-lead-id="([^"]+)"', html))
    badged = {
        lead_id
        for lead_id in listed_ids(html)
        if 'data-testid="unread-badge"' in row_html(html, lead_id)
    }
    assert bold == badged
    return badged


def known_ids(html: str) -> set[str]:
    return {
        lead_id
        for lead_id in listed_ids(html)
        if 'data-testid="known-contact"' in row_html(html, lead_id)
    }


def recent_leads(
    agency, *, days: int = 7, size: int = 100, family: LeadFamily = LeadFamily.ALL
) -> list[Lead]:  # type: ignore[no-untyped-def]
    """The agency's newest leads of the default window, straight from the API."""
    end = start_of_day(today_in_paris() + timedelta(days=1))
    criteria = SearchCriteria(start=end - timedelta(days=days), end=end)
    return list(
        get_client(agency.api_credentials()).search(family, criteria, PageRequest(size=size)).leads
    )
