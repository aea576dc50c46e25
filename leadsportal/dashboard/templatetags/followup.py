"""Template filters of the follow-up: `{{ seconds|duration }}`, `{{ status|status_badge }}`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.members import member_label
from leadsportal.dashboard import badges
from leadsportal.followup.models import FollowupEvent, LeadFollowup
from leadsportal.followup.pipeline import Stage, event_description

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return badges.duration_label(seconds)


@register.filter
def status_badge(status: str) -> SafeString:
    """A stage's badge by its default name (pages that know the agency's pipeline give the
    stage: `FollowupPanel.status_badge`)."""
    return badges.status_badge(status)


@register.filter
def event_text(event: FollowupEvent, stages: Mapping[str, Stage]) -> str:
    """`{{ event|event_text:panel.stages }}`: the event in words, with the agency's names of
    its stages and the reason of a loss."""
    return event_description(event, stages)


@register.simple_tag
def waiting_clock(created_at: datetime, followup: LeadFollowup | None) -> SafeString | str:
    return badges.waiting_clock(created_at, followup)


@register.filter
def person(user: object) -> str:
    """A colleague's name; a deleted account reads as such."""
    if user is None:
        return str(_("ancien membre"))
    return member_label(user)  # type: ignore[arg-type]
