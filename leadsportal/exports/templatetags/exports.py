"""How the export history and an export's page describe an export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from leadsportal.dashboard.query import audit_description
from leadsportal.exports.building import grouped
from leadsportal.exports.models import ExportRecord

register = template.Library()


@register.filter
def export_subject(record: ExportRecord) -> str:
    """ "Vendeurs · du 21/11/2026 au 27/11/2026 · SeLoger", or "Annonce n° 40512"."""
    if record.classified_id is not None:
        return _("Annonce n° %(id)s") % {"id": record.classified_id}
    return audit_description(record.family, record.filters or {})


@dataclass(frozen=True)
class FileState:
    """What the history says of an export's file, for the person looking."""

    state: str  # "direct" (sent by the request), "preparing", "available", "expired", "none"
    url: str = ""  # the progress page (its download button), for the person who asked


@register.filter
def export_file(record: ExportRecord, user: Any) -> FileState:
    if not record.background:
        return FileState("direct")
    own = record.user_id is not None and record.user_id == getattr(user, "pk", None)
    url = reverse("exports:job", args=[record.pk]) if own else ""
    now = timezone.now()
    if not record.finished:
        return FileState("preparing", url)
    if record.file_available(now):
        return FileState("available", url)
    if record.file_expired(now):
        return FileState("expired")
    return FileState("none")


@register.filter
def thousands(value: int | None) -> str:
    """1504 → "1 504" (grouped in the reader's language, whatever USE_THOUSAND_SEPARATOR)."""
    if value is None:
        return ""
    return grouped(int(value))
