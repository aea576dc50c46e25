"""Template tags of the lead lists: the Export menu of a list.

The menu is the list's: it links to the export views by URL name and asks the agency's rules
(`agencies.permissions`) whether the person may export, so that the dashboard needs nothing of
the exports app. The export view checks the permission again: the menu only hides links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.formats import number_format

from leadsportal.agencies.permissions import can_export, can_see_history
from leadsportal.dashboard.export_formats import ExportFormat
from leadsportal.leads_api import PAGE_SIZE_MAX

register = template.Library()


@dataclass(frozen=True)
class ExportLink:
    format: str
    label: str
    url: str


@dataclass(frozen=True)
class ExportMenu:
    links: list[ExportLink]
    count: int | None
    history_url: str | None

    @property
    def count_display(self) -> str:
        if self.count is None:
            return ""
        return number_format(self.count, decimal_pos=0, use_l10n=True, force_grouping=True)

    @property
    def background_limit(self) -> int:
        """Above this many leads, the exports app prepares the file in the background."""
        return int(settings.LEADS_EXPORT_BACKGROUND_PAGES) * PAGE_SIZE_MAX

    @property
    def in_background(self) -> bool:
        return self.count is not None and self.count > self.background_limit

    @property
    def background_limit_display(self) -> str:
        return number_format(self.background_limit, decimal_pos=0, force_grouping=True)


@register.simple_tag(takes_context=True)
def export_menu(context: template.Context) -> ExportMenu | None:
    """The menu for the list being rendered, or None when the user may not export."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not can_export(membership):
        return None
    # The list's query object (LeadQuery or ListingQuery) knows its export URL.
    query = context.get("query")
    if query is None:
        return None
    links = [
        ExportLink(
            format=export_format.value,
            label=str(export_format.label),
            url=query.export_url(export_format.value),
        )
        for export_format in ExportFormat
    ]
    count = context.get("count")
    return ExportMenu(
        links=links,
        count=count if isinstance(count, int) else None,
        history_url=reverse("exports:history") if can_see_history(membership) else None,
    )
