"""The agency's statistics: counts of its lead index and of its follow-up, over a period.

Everything is read from our database, never from the API: the agency lead index (`AgencyLead`,
one row per lead, kept until the lead expires) gives the flow of leads (per day or week and
family, per portal, per listing); the follow-up records (`LeadFollowup`) give who had which
lead and how fast it was answered, with the definitions of `followup/records.py`: a lead is
answered at its first status change, and its first response time is `response_seconds`.

A scope restricted to one member (an agent's own page) counts only the leads assigned to them.
Each function is one query (two for the members), grouped in the database.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from statistics import median
from typing import Final

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDay, TruncWeek

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import AgencyLead, LeadFollowup

# "Answered within the hour": the first status change at most this long after the lead came.
QUICK_RESPONSE_SECONDS: Final = 3600
TOP_LISTINGS: Final = 20


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class StatisticsScope:
    """Whose leads, created when: [start, end), days cut in `zone` (Paris for the dashboard)."""

    agency: Agency
    start: datetime
    end: datetime
    zone: tzinfo
    # Only the leads assigned to this user (an agent's statistics); None: the whole agency.
    assignee_id: int | None = None


def _index_rows(scope: StatisticsScope) -> QuerySet[AgencyLead]:
    rows = AgencyLead.objects.filter(
        agency_id=scope.agency.pk,
        lead_created_at__gte=scope.start,
        lead_created_at__lt=scope.end,
    )
    if scope.assignee_id is not None:
        assigned = LeadFollowup.objects.filter(
            agency_id=scope.agency.pk, assignee_id=scope.assignee_id
        ).values("lead_id")
        rows = rows.filter(lead_id__in=assigned)
    return rows


def _followups(scope: StatisticsScope) -> QuerySet[LeadFollowup]:
    rows = LeadFollowup.objects.filter(
        agency_id=scope.agency.pk,
        lead_created_at__gte=scope.start,
        lead_created_at__lt=scope.end,
    )
    if scope.assignee_id is not None:
        rows = rows.filter(assignee_id=scope.assignee_id)
    return rows


@dataclass(frozen=True)
class Bucket:
    """One day, or one week (Monday to Sunday), of the period; `start` is its first day even
    when the period begins later in that week."""

    start: date
    by_type: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def bucket_starts(*, first: date, last: date, granularity: Granularity) -> list[date]:
    """Every bucket of the days first..last (included), empty ones too."""
    if granularity is Granularity.WEEK:
        day = first - timedelta(days=first.weekday())
        step = timedelta(days=7)
    else:
        day, step = first, timedelta(days=1)
    starts = []
    while day <= last:
        starts.append(day)
        day += step
    return starts


def leads_by_bucket_and_type(*, scope: StatisticsScope, granularity: Granularity) -> list[Bucket]:
    """The period's leads per day (or week) and lead type, every bucket listed (one query)."""
    trunc = TruncWeek if granularity is Granularity.WEEK else TruncDay
    counted = (
        _index_rows(scope)
        .annotate(bucket=trunc("lead_created_at", tzinfo=scope.zone))
        .values("bucket", "lead_type")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for row in counted:
        day = row["bucket"].astimezone(scope.zone).date()
        counts[day][row["lead_type"]] = row["count"]
    last = (scope.end - timedelta(microseconds=1)).astimezone(scope.zone).date()
    first = scope.start.astimezone(scope.zone).date()
    return [
        Bucket(start=day, by_type=counts.get(day, {}))
        for day in bucket_starts(first=first, last=last, granularity=granularity)
    ]


@dataclass(frozen=True)
class PortalCount:
    portal: str
    count: int


def leads_by_portal(*, scope: StatisticsScope) -> list[PortalCount]:
    """The period's leads per portal, most first (one query)."""
    counted = (
        _index_rows(scope).values("portal").annotate(count=Count("id")).order_by("-count", "portal")
    )
    return [PortalCount(portal=row["portal"], count=row["count"]) for row in counted]


@dataclass(frozen=True)
class ListingCount:
    classified_id: int
    reference: str
    count: int


def top_listings(*, scope: StatisticsScope, limit: int = TOP_LISTINGS) -> list[ListingCount]:
    """The listings that drew the most leads over the period (one query)."""
    counted = (
        _index_rows(scope)
        .filter(classified_id__isnull=False)
        .values("classified_id")
        .annotate(count=Count("id"), reference=Max("classified_reference"))
        .order_by("-count", "classified_id")[:limit]
    )
    return [
        ListingCount(
            classified_id=row["classified_id"], reference=row["reference"], count=row["count"]
        )
        for row in counted
        if row["classified_id"] is not None
    ]


@dataclass(frozen=True)
class ResponseCounts:
    """Leads assigned to someone over the period and how they were answered."""

    assigned: int
    answered: int
    answered_within_hour: int
    median_seconds: float | None

    @property
    def share_within_hour(self) -> float | None:
        """Of the leads assigned, the share answered within the hour (None: no lead)."""
        return self.answered_within_hour / self.assigned if self.assigned else None


@dataclass(frozen=True)
class MemberResponses:
    by_member: dict[int, ResponseCounts]  # by the assignee's user id
    total: ResponseCounts  # every assigned lead of the scope


def _median(values: list[int]) -> float | None:
    return float(median(values)) if values else None


def responses_by_member(*, scope: StatisticsScope) -> MemberResponses:
    """Per assignee: leads assigned, answered, answered within the hour, median first response
    time; and the same over all of them. Two queries: the counts grouped in the database, then
    the answered leads' response times (one integer each) for the medians, which SQLite cannot
    compute; `records.response_time_median` reads them the same way."""
    assigned = _followups(scope).filter(assignee_id__isnull=False)
    counted = (
        assigned.values("assignee_id")
        .annotate(
            assigned=Count("id"),
            answered=Count("id", filter=Q(response_seconds__isnull=False)),
            quick=Count("id", filter=Q(response_seconds__lte=QUICK_RESPONSE_SECONDS)),
        )
        .order_by()
    )
    times: dict[int, list[int]] = defaultdict(list)
    for assignee_id, seconds in (
        assigned.filter(response_seconds__isnull=False)
        .order_by()
        .values_list("assignee_id", "response_seconds")
    ):
        if assignee_id is not None and seconds is not None:
            times[assignee_id].append(seconds)
    by_member = {
        row["assignee_id"]: ResponseCounts(
            assigned=row["assigned"],
            answered=row["answered"],
            answered_within_hour=row["quick"],
            median_seconds=_median(times[row["assignee_id"]]),
        )
        for row in counted
    }
    total = ResponseCounts(
        assigned=sum(counts.assigned for counts in by_member.values()),
        answered=sum(counts.answered for counts in by_member.values()),
        answered_within_hour=sum(counts.answered_within_hour for counts in by_member.values()),
        median_seconds=_median([seconds for values in times.values() for seconds in values]),
    )
    return MemberResponses(by_member=by_member, total=total)


def index_oldest_lead(*, agency: Agency) -> datetime | None:
    """The creation of the oldest lead the agency's index still holds (None: an empty index):
    before it, the statistics know nothing."""
    oldest: datetime | None = AgencyLead.objects.filter(agency_id=agency.pk).aggregate(
        oldest=Min("lead_created_at")
    )["oldest"]
    return oldest
