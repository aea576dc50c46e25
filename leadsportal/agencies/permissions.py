"""Who may export leads: an agency's managers always; its agents when the agency allows it."""

from __future__ import annotations

from leadsportal.agencies.models import Membership


def can_export(membership: Membership) -> bool:
    return membership.is_manager or membership.agency.agents_can_export


def can_see_history(membership: Membership) -> bool:
    return membership.is_manager
