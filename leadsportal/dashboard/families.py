"""The lead families the dashboard shows, one tab each: the registry every list, export and
count reads. A new family is a line here, a table in tables.py and its export columns."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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
)
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}
TABS_BY_FAMILY = {tab.family: tab for tab in TABS}
