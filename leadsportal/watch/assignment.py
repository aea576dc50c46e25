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


# claim_fallback's answer when the delay is over but nobody is available: try again later.
FALLBACK_NOBODY_AVAILABLE = object()


def _next_member(*, agency: Agency, now: datetime) -> User | None:
    """The available, active member who has waited longest for a round-robin lead, marked as
    served (inside the caller's transaction, after the agency's row lock)."""
    Agency.objects.select_for_update().filter(pk=agency.pk).values_list("pk").first()
    membership = (
        Membership.objects.filter(agency=agency, available=True, active=True, user__is_active=True)
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )
    if membership is None:
        return None
    Membership.objects.filter(pk=membership.pk).update(last_assigned_at=now)
    return membership.user


def round_robin_assign(*, followup: LeadFollowup, now: datetime | None = None) -> User | None:
    """Give an unassigned lead to the next available member, in one transaction: the lead's
    row is locked first, so a claim meanwhile keeps the lead and costs nobody their turn.
    The turn is marked with the clock of the pick (leads of one poll share their `now`)."""
    moment = max(now or timezone.now(), timezone.now())
    with transaction.atomic():
        row = LeadFollowup.objects.select_for_update(of=("self",)).get(pk=followup.pk)
        if row.assignee_id is not None:
            return None
        assignee = _next_member(agency=followup.agency, now=moment)
        if assignee is None:
            return None
        changed = followup_assignee_set(
            followup=followup, actor=None, assignee=assignee, only_if_unassigned=True
        )
    return assignee if changed else None


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


def assignment_announce(*, followup: LeadFollowup, assignee: User | None) -> None:
    """A person assigned the lead from its page: every open page learns who has it."""
    if assignee is not None:
        _announce_assignment(followup, assignee)


@dataclass(frozen=True)
class ClaimResult:
    claimed: bool  # True: the lead is now the claimer's
    assignee: User | None  # who has it now


def lead_claim(*, followup: LeadFollowup, user: User) -> ClaimResult:
    """ "Je le prends": the lead becomes the user's unless someone has it already (the open
    pages learn it only when it changed hands)."""
    changed = followup_assignee_set(
        followup=followup, actor=user, assignee=user, only_if_unassigned=True
    )
    claimed = followup.assignee_id == user.pk
    if changed:
        _announce_assignment(followup, user)
    return ClaimResult(claimed=claimed, assignee=followup.assignee)


def claim_fallback(*, followup: LeadFollowup, now: datetime | None = None) -> object:
    """The claim delay is over: round-robin if nobody claimed the lead and the rule holds.
    The assignee, None when there is nothing to do, or FALLBACK_NOBODY_AVAILABLE."""
    if followup.agency.assignment_rule != Rule.FIRST_TO_CLAIM or followup.assignee_id:
        return None
    assignee = round_robin_assign(followup=followup, now=now)
    if assignee is None:
        followup.refresh_from_db(fields=["assignee"])
        return None if followup.assignee_id else FALLBACK_NOBODY_AVAILABLE
    _announce_assignment(followup, assignee)
    return assignee
