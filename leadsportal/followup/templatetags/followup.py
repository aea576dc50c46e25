"""Template filters of the follow-up: `{{ seconds|duration }}`, `{{ status|status_badge }}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from leadsportal.followup import display
from leadsportal.followup.services import user_label

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return display.duration_label(seconds)


@register.filter
def status_badge(status: str) -> SafeString:
    return display.status_badge(status)


@register.filter
def person(user: object) -> str:
    """A colleague's name; a deleted account reads as such."""
    if user is None:
        return str(_("ancien membre"))
    return user_label(user)  # type: ignore[arg-type]
