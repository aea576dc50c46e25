"""Who becomes responsible for a new lead: the agency's rule, claims, and the fallback.

Rules (Agency.assignment_rule): nobody; round-robin among the members marked available (the
member whose last round-robin lead is oldest goes next; inactive or unavailable members are
skipped); or first to claim, with round-robin once `claim_minutes` have passed unclaimed.
Every assignment is an event of the lead's history (automatic ones say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.models import LeadFollowup
from leadsportal.followup.records import followup_assignee_set
from leadsportal.watch.events import event_publish
from leadsportal.watch.models import LiveEvent

Rule = Agency.AssignmentRule


def round_robin_next(*, agency: Agency, now: datetime | None = None) -> User | None:
    """The available, active member who has waited longest for a round-robin lead; marks
    them as served. None when nobody is available. Serialised per agency (a row lock); the
    turn is marked with the clock of the pick (leads of one poll share their `now`)."""
    now = max(now or timezone.now(), timezone.now())
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).values_list("pk").first()
        membership = (
            Membership.objects.filter(agency=agency, available=True, user__is_active=True)
            .select_related("user")
            .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
            .first()
        )
        if membership is None:
            return None
        Membership.objects.filter(pk=membership.pk).update(last_assigned_at=now)
    return membership.user


def _announce_assignment(followup: LeadFollowup, assignee: User) -> None:
    agency = followup.agency
    event_publish(
        agency=agency,
        kind=LiveEvent.Kind.ASSIGNED,
        lead_id=followup.lead_id,
        lead_type=followup.lead_type,
        portal=followup.portal,
        classified_id=followup.classified_id,
        assignee=assignee,
    )


def round_robin_assign(*, followup: LeadFollowup, now: datetime | None = None) -> User | None:
    """Give an unassigned lead to the next available member (nothing if someone has it)."""
    if followup.assignee_id is not None:
        return None
    assignee = round_robin_next(agency=followup.agency, now=now)
    if assignee is None:
        return None
    before = followup.assignee_id
    followup_assignee_set(followup=followup, actor=None, assignee=assignee, only_if_unassigned=True)
    if before is None and followup.assignee_id == assignee.pk:
        return assignee
    return None


@dataclass(frozen=True)
class ClaimResult:
    claimed: bool  # True: the lead is now the claimer's
    assignee: User | None  # who has it now


def lead_claim(*, followup: LeadFollowup, user: User) -> ClaimResult:
    """ "Je le prends": the lead becomes the user's unless someone has it already."""
    followup_assignee_set(followup=followup, actor=user, assignee=user, only_if_unassigned=True)
    claimed = followup.assignee_id == user.pk
    if claimed:
        _announce_assignment(followup, user)
    return ClaimResult(claimed=claimed, assignee=followup.assignee)


def claim_fallback(*, followup: LeadFollowup, now: datetime | None = None) -> User | None:
    """The claim delay is over: round-robin if nobody claimed the lead and the rule holds."""
    if followup.agency.assignment_rule != Rule.FIRST_TO_CLAIM:
        return None
    assignee = round_robin_assign(followup=followup, now=now)
    if assignee is not None:
        _announce_assignment(followup, assignee)
    return assignee
