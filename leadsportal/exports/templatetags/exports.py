"""How the export history describes an export."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from leadsportal.dashboard.query import audit_description
from leadsportal.exports.models import ExportRecord

register = template.Library()


@register.filter
def export_subject(record: ExportRecord) -> str:
    """ "Vendeurs · du 21/11/2026 au 27/11/2026 · SeLoger", or "Annonce n° 40512"."""
    if record.classified_id is not None:
        return _("Annonce n° %(id)s") % {"id": record.classified_id}
    return audit_description(record.family, record.filters or {})
