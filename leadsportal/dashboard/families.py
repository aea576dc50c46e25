"""The lead families the dashboard shows, one tab each: the registry every list, export and
count reads. A new family is a line here, a table in tables.py and its export columns."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from leadsportal.agencies.models import Agency
from leadsportal.agencies.upstream import families_of
from leadsportal.leads_api import LeadFamily


@dataclass(frozen=True)
class Tab:
    family: LeadFamily
    slug: str
    label: str | Promise

    @property
    def url(self) -> str:
        if self.slug:
            return reverse("dashboard:family_leads", args=[self.slug])
        return reverse("dashboard:leads")


TABS = (
    Tab(LeadFamily.ALL, "", gettext_lazy("Tous les leads")),
    Tab(LeadFamily.CLASSIFIED, "annonces", gettext_lazy("Annonces")),
    Tab(LeadFamily.AGENCY, "agence", gettext_lazy("Agence")),
    Tab(LeadFamily.SELLER, "vendeurs", gettext_lazy("Vendeurs")),
    Tab(LeadFamily.PROPERTY_SEARCH, "recherches", gettext_lazy("Recherches de biens")),
    # Tracked calls: only for agencies whose upstream has them (AVIV Seeker Leads).
    Tab(LeadFamily.CALL_TRACKING, "appels", gettext_lazy("Appels")),
)
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}
TABS_BY_FAMILY = {tab.family: tab for tab in TABS}


def tabs_of(agency: Agency) -> tuple[Tab, ...]:
    """The tabs an agency sees: the families its upstream has, in the registry's order."""
    families = families_of(agency=agency)
    return tuple(tab for tab in TABS if tab.family in families)
