"""Helpers of the follow-up tests: leads added to the live sandbox, rows of a rendered list."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import Lead, LeadFamily, PageRequest, SearchCriteria, get_client

PARIS_CLIENT_ID = "agence-paris-demo"
LYON_CLIENT_ID = "agence-lyon-demo"


def phone(number: str) -> dict[str, object]:
    return {"number": number, "type": "MOBILE", "isVerified": False}


@pytest.fixture
def add_lead(sandbox) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """Add a lead to the Paris sandbox client: `add_lead(minutes_ago=.., email=.., phones=[..])`."""

    def add(
        *,
        lead_type: str = "CLASSIFIED",
        client_id: str = PARIS_CLIENT_ID,
        minutes_ago: int | None = None,
        email: str | None = "",
        phones: list[str] | None = None,
        **overrides: object,
    ) -> str:
        if minutes_ago is not None:
            overrides["creation_date"] = timezone.now() - timedelta(minutes=minutes_ago)
        contact: dict[str, object] = {}
        if email != "":
            contact["email"] = email
        if phones is not None:
            contact["phoneNumbers"] = [phone(number) for number in phones]
        if contact:
            overrides["contactRequest"] = contact
        return str(sandbox.add_lead(client_id, lead_type=lead_type, **overrides))

    return add


def row_html(html: str, lead_id: str) -> str:
    match = re.search(rf'<tr[^>]*data-lead-id="{re.escape(lead_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for {lead_id}"
    return match.group(1)


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr[^>]*data-lead-id="([^"]+)"', html)


def unread_ids(html: str) -> set[str]:
    """Leads shown as new: bold row and "Nouveau" badge."""
    bold = set(re.findall(r'<tr class="is-unread[^"]*" data-lead-id="([^"]+)"', html))
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


def poll_url(html: str) -> str:
    match = re.search(r'data-leads-poll hx-get="([^"]+)"', html)
    assert match, "no new-leads poller on the page"
    return html_lib.unescape(match.group(1))


def recent_leads(
    agency, *, days: int = 7, size: int = 100, family: LeadFamily = LeadFamily.ALL
) -> list[Lead]:  # type: ignore[no-untyped-def]
    """The agency's newest leads of the default window, straight from the API."""
    end = start_of_day(today_in_paris() + timedelta(days=1))
    criteria = SearchCriteria(start=end - timedelta(days=days), end=end)
    return list(
        get_client(agency.api_credentials()).search(family, criteria, PageRequest(size=size)).leads
    )
