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
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from django.db import connections
from django.db.models import Count, DateField, F, Func, Max, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.followup.models import AgencyLead, FollowupEvent, LeadFollowup, StageKind
from leadsportal.followup.pipeline import lost_reasons_of, new_stage_code, pipeline_of

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# "Answered within the hour": the first status change at most this long after the lead came.
QUICK_RESPONSE_SECONDS: Final = 3600
TOP_LISTINGS: Final = 20
# The kinds of stages a lead moves along, in order (the funnel's path); lost and closed stages
# are ways out of it.
PATH_KINDS: Final = frozenset({StageKind.NEW, StageKind.OPEN, StageKind.WON})


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
    # An expired lead's row waits for the nightly purge: it no longer counts, as for the
    # index's other readers.
    rows = AgencyLead.objects.filter(
        agency_id=scope.agency.pk,
        lead_created_at__gte=scope.start,
        lead_created_at__lt=scope.end,
        expires_at__gt=timezone.now(),
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


def _offset_changes(zone: tzinfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) over [start, end): the first one at `start`, then each
    change with its instant (to the second), found by day then by bisection."""

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(end, day + timedelta(days=1))
        if offset(following) != changes[-1][1]:
            low, high = day, following  # offset(low) is the current one, offset(high) not
            while (high - low) > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == changes[-1][1] else (low, middle)
            changes.append((high, offset(high)))
        day = following
    return changes


class _SqliteLocalDate(Func):
    """The day in the zone of a datetime column, in SQLite's own date(): Django's TruncDate
    with a time zone runs a Python function per row there (200 ms for 20,000 rows). The zone's
    offsets over the period are known beforehand, a CASE picks the one of each row."""

    output_field = DateField()

    def __init__(self, expression: str, *, changes: list[tuple[datetime, int]]) -> None:
        super().__init__(F(expression))
        self.changes = changes

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.source_expressions[0])
        whens, params = "", []
        for (_since, seconds), (until, _next) in zip(self.changes, self.changes[1:], strict=False):
            stored = until.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            whens += f" WHEN {column} < %s THEN date({column}, %s)"
            params += [*column_params, stored, *column_params, f"{seconds:+d} seconds"]
        last = f"date({column}, %s)"
        params += [*column_params, f"{self.changes[-1][1]:+d} seconds"]
        return (f"CASE{whens} ELSE {last} END" if whens else last), tuple(params)


def _local_date(scope: StatisticsScope, using: str) -> Func:
    if connections[using].vendor == "sqlite":
        return _SqliteLocalDate(
            "lead_created_at", changes=_offset_changes(scope.zone, scope.start, scope.end)
        )
    return TruncDate("lead_created_at", tzinfo=scope.zone)


def leads_by_bucket_and_type(*, scope: StatisticsScope, granularity: Granularity) -> list[Bucket]:
    """The period's leads per day (or week) and lead type, every bucket listed (one query:
    counts per day and type, folded into weeks here)."""
    rows = _index_rows(scope)
    counted = (
        rows.annotate(day=_local_date(scope, rows.db))
        .values("day", "lead_type")
        .annotate(count=Count("id"))
        .order_by()
    )
    week = granularity is Granularity.WEEK
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in counted:
        day: date = row["day"]
        if week:
            day -= timedelta(days=day.weekday())
        counts[day][row["lead_type"]] += row["count"]
    last = (scope.end - timedelta(microseconds=1)).astimezone(scope.zone).date()
    first = scope.start.astimezone(scope.zone).date()
    return [
        Bucket(start=day, by_type=dict(counts.get(day, {})))
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
    title: str  # "" for leads indexed before the index kept titles
    count: int


def top_listings(*, scope: StatisticsScope, limit: int = TOP_LISTINGS) -> list[ListingCount]:
    """The listings that drew the most leads over the period (one query)."""
    counted = (
        _index_rows(scope)
        .filter(classified_id__isnull=False)
        .values("classified_id")
        .annotate(
            count=Count("id"),
            reference=Max("classified_reference"),
            title=Max("classified_title"),
        )
        .order_by("-count", "classified_id")[:limit]
    )
    return [
        ListingCount(
            classified_id=row["classified_id"],
            reference=row["reference"],
            title=row["title"],
            count=row["count"],
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


def _middle_rows(answered: QuerySet[LeadFollowup]) -> list[tuple[int | None, int, bool]]:
    """The one or two middle response times of each assignee, and of all of them together,
    ranked in the database (window functions): (assignee, seconds, of the whole agency?)."""
    in_order = [F("response_seconds").asc(), F("id").asc()]
    ranked = answered.annotate(
        member_rank=Window(RowNumber(), partition_by=[F("assignee_id")], order_by=in_order),
        member_count=Window(Count("id"), partition_by=[F("assignee_id")]),
        all_rank=Window(RowNumber(), order_by=in_order),
        all_count=Window(Count("id")),
    )
    # Of n values in order, the middle ones are at (n + 1) / 2 and (n + 2) / 2 (integer
    # division): the same one when n is odd.
    member = Q(member_rank=(F("member_count") + 1) / 2) | Q(member_rank=(F("member_count") + 2) / 2)
    whole = Q(all_rank=(F("all_count") + 1) / 2) | Q(all_rank=(F("all_count") + 2) / 2)
    rows: list[tuple[int | None, int, bool]] = []
    for assignee_id, seconds, rank, count, all_rank, all_count in (
        ranked.filter(member | whole)
        .order_by()
        .values_list(
            "assignee_id", "response_seconds", "member_rank", "member_count", "all_rank",
            "all_count",
        )
    ):  # fmt: skip
        if seconds is None:
            continue
        if rank in ((count + 1) // 2, (count + 2) // 2):
            rows.append((assignee_id, seconds, False))
        if all_rank in ((all_count + 1) // 2, (all_count + 2) // 2):
            rows.append((None, seconds, True))
    return rows


def _average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def responses_by_member(*, scope: StatisticsScope) -> MemberResponses:
    """Per assignee: leads assigned, answered, answered within the hour, median first response
    time; and the same over all of them. Two queries, both computed in the database: the
    counts, grouped; the middle response times (the median's, as `statistics.median` takes
    them, which `records.response_time_median` uses), ranked by window functions."""
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
    middles: dict[int | None, list[int]] = defaultdict(list)
    whole: list[int] = []
    for assignee_id, seconds, of_all in _middle_rows(
        assigned.filter(response_seconds__isnull=False)
    ):
        (whole if of_all else middles[assignee_id]).append(seconds)
    by_member = {
        row["assignee_id"]: ResponseCounts(
            assigned=row["assigned"],
            answered=row["answered"],
            answered_within_hour=row["quick"],
            median_seconds=_average(middles.get(row["assignee_id"], [])),
        )
        for row in counted
    }
    total = ResponseCounts(
        assigned=sum(counts.assigned for counts in by_member.values()),
        answered=sum(counts.answered for counts in by_member.values()),
        answered_within_hour=sum(counts.answered_within_hour for counts in by_member.values()),
        median_seconds=_average(whole),
    )
    return MemberResponses(by_member=by_member, total=total)


def index_oldest_lead(*, agency: Agency) -> datetime | None:
    """The creation of the oldest lead the agency's index still holds (None: an empty index):
    before it, the statistics know nothing."""
    oldest: datetime | None = AgencyLead.objects.filter(
        agency_id=agency.pk, expires_at__gt=timezone.now()
    ).aggregate(oldest=Min("lead_created_at"))["oldest"]
    return oldest


@dataclass(frozen=True)
class StageCount:
    code: str
    name: str
    kind: str
    count: int


def funnel(*, scope: StatisticsScope) -> list[StageCount]:
    """How far the period's leads went: for each stage of the agency's pipeline, in order, the
    leads of the period (created in it, as for the other counts) that reached it, as of now.

    A lead reached a stage of kind new, open or won when it is or was at that stage or at a
    later one of those kinds (a lead moved from Contacté straight to Visite went through
    Rendez-vous); it reached a stage of kind lost or closed only if it is or was at that very
    stage (a lost lead left the path where it stood). "Was" comes from the STATUS history
    (FollowupEvent); every lead of the period reached the stage of new leads. Three queries:
    the period's leads, their follow-ups, their status events."""
    stages = pipeline_of(scope.agency)
    total = _index_rows(scope).count()
    followups = (
        _followups(scope)
        .filter(lead_id__in=_index_rows(scope).values("lead_id"))
        .exclude(status=new_stage_code(scope.agency), first_status_change_at__isnull=True)
    )
    visited: dict[int, set[str]] = {
        pk: {status} for pk, status in followups.values_list("pk", "status")
    }
    for followup_id, old, new in FollowupEvent.objects.filter(
        followup_id__in=followups.values("pk"), kind=FollowupEvent.Kind.STATUS
    ).values_list("followup_id", "old_value", "new_value"):
        visited.setdefault(followup_id, set()).update((old, new))
    position = {stage.code: index for index, stage in enumerate(stages)}
    on_path = {stage.code for stage in stages if stage.kind in PATH_KINDS}
    reached: dict[str, int] = defaultdict(int)
    for codes in visited.values():
        furthest = max((position[code] for code in codes if code in on_path), default=0)
        for index, stage in enumerate(stages):
            if stage.kind in PATH_KINDS:
                if 0 < index <= furthest:
                    reached[stage.code] += 1
            elif stage.code in codes:
                reached[stage.code] += 1
    return [
        StageCount(
            code=stage.code,
            name=stage.name,
            kind=stage.kind,
            count=total if stage.kind == StageKind.NEW else reached[stage.code],
        )
        for stage in stages
    ]


@dataclass(frozen=True)
class ReasonCount:
    reason_id: int | None  # None: lost before the agency had reasons (or without one)
    label: str
    archived: bool
    count: int


def lost_reasons(*, scope: StatisticsScope) -> list[ReasonCount]:
    """The period's leads that are lost now (at a stage of kind lost), per reason, most first;
    the reasons the agency offers are all listed, archived ones when they count (one query
    for the counts, one for the reasons)."""
    lost_codes = [stage.code for stage in pipeline_of(scope.agency) if stage.is_lost]
    counted = dict(
        _followups(scope)
        .filter(status__in=lost_codes, lead_id__in=_index_rows(scope).values("lead_id"))
        .values_list("lost_reason_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    rows = [
        ReasonCount(
            reason_id=reason.pk,
            label=reason.label,
            archived=reason.archived,
            count=counted.get(reason.pk, 0),
        )
        for reason in lost_reasons_of(scope.agency, with_archived=True)
        if not reason.archived or counted.get(reason.pk)
    ]
    if counted.get(None):
        rows.append(ReasonCount(reason_id=None, label="", archived=False, count=counted[None]))
    return sorted(rows, key=lambda row: -row.count)
