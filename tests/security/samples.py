"""Sample arguments of the dashboard's URLs, taken from the live sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from leadsportal.agencies.models import Agency
from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.leads_api import Lead, LeadFamily, PageRequest, SearchCriteria, get_client

# Markup a lead could carry to the page; it must reach the browser as text, never as code.
HOSTILE_CONTACT = {
    "firstName": '"><script>alert(1)</script>',
    "lastName": "<style>body{display:none}</style>",
    "message": '<img src="x" onerror="alert(2)"> <a href="javascript:alert(3)">photos</a>',
}


@dataclass(frozen=True)
class Sample:
    """Real arguments for the dashboard's URLs: one lead of each type, a listing, a hostile lead."""

    leads: dict[LeadFamily, Lead]
    classified_id: int
    hostile_lead_id: str

    @property
    def lead_ids(self) -> list[str]:
        return [lead.lead_id for lead in self.leads.values()]


def window(days: int) -> SearchCriteria:
    """The last `days` days, up to the end of today (Paris)."""
    end = start_of_day(today_in_paris() + timedelta(days=1))
    return SearchCriteria(start=end - timedelta(days=days), end=end)


def recent_leads(
    agency: Agency, family: LeadFamily, *, days: int = 30, size: int = 20
) -> list[Lead]:
    page = get_client(agency.api_credentials()).search(family, window(days), PageRequest(size=size))
    return list(page.leads)
