"""The Export menu of the lead lists, and how the export history describes an export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from leadsportal.dashboard import labels
from leadsportal.dashboard.views import TABS
from leadsportal.exports.models import ExportFormat, ExportRecord
from leadsportal.exports.permissions import can_export, can_see_history

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


def _list_filters(context: template.Context) -> dict[str, Any]:
    """The current list's filters, with its dates made explicit: the export then covers the
    list shown, even if the default window ("the last 7 days") moves before the click."""
    form = context.get("form")
    cleaned = getattr(form, "cleaned_data", None) if form is not None else None
    if cleaned and isinstance(cleaned.get("start"), date) and isinstance(cleaned.get("end"), date):
        query: dict[str, Any] = {
            "start": cleaned["start"].isoformat(),
            "end": cleaned["end"].isoformat(),
        }
        if cleaned.get("classified"):
            query["classified"] = cleaned["classified"]
        if cleaned.get("portal"):
            query["portal"] = cleaned["portal"]
        # The follow-up filters (status, assignee) narrow the list: the export follows them.
        for name in ("statut", "responsable"):
            if cleaned.get(name):
                query[name] = cleaned[name]
        return query
    request = context.get("request")
    if request is None:
        return {}
    return {
        name: value
        for name, value in request.GET.items()
        if name in ("start", "end", "classified", "portal", "statut", "responsable") and value
    }


@register.simple_tag(takes_context=True)
def export_menu(context: template.Context) -> ExportMenu | None:
    """The menu for the list being rendered, or None when the user may not export."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not can_export(membership):
        return None
    tab = context.get("tab")
    classified_id = context.get("classified_id")
    if tab is not None:
        slug = getattr(tab, "slug", "")
        base = reverse("exports:family_leads", args=[slug]) if slug else reverse("exports:leads")
        query = _list_filters(context)
    elif classified_id is not None:
        base = reverse("exports:classified_leads", args=[classified_id])
        query = {}
    else:
        return None
    links = [
        ExportLink(
            format=export_format.value,
            label=str(export_format.label),
            url=f"{base}?{urlencode({**query, 'format': export_format.value})}",
        )
        for export_format in ExportFormat
    ]
    count = context.get("count")
    return ExportMenu(
        links=links,
        count=count if isinstance(count, int) else None,
        history_url=reverse("exports:history") if can_see_history(membership) else None,
    )


@register.filter
def export_subject(record: ExportRecord) -> str:
    """ "Vendeurs · du 21/11/2026 au 27/11/2026 · SeLoger", or "Annonce n° 40512"."""
    if record.classified_id is not None:
        return _("Annonce n° %(id)s") % {"id": record.classified_id}
    families = {tab.family.value: str(tab.label) for tab in TABS}
    parts = [families.get(record.family, record.family)]
    filters = record.filters or {}
    try:
        start = date.fromisoformat(str(filters.get("start")))
        end = date.fromisoformat(str(filters.get("end")))
    except ValueError:
        pass
    else:
        parts.append(
            _("du %(start)s au %(end)s")
            % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
        )
    if filters.get("classified"):
        parts.append(_("annonce n° %(id)s") % {"id": filters["classified"]})
    if filters.get("portal"):
        parts.append(labels.portal_label(str(filters["portal"])))
    return " · ".join(str(part) for part in parts)
