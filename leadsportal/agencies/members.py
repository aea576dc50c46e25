"""Who works in an agency: its members, and how a colleague's name reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadsportal.agencies.models import Agency, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def member_label(user: User | None) -> str:
    """A colleague's name as the dashboard shows it: full name, else the login."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def agency_members(*, agency: Agency) -> list[User]:
    """The agency's active members, by name: who a lead can be assigned to (one query)."""
    memberships = (
        Membership.objects.filter(agency=agency, active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    return [membership.user for membership in memberships]
