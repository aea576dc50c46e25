"""The statistics' domain queries (followup/statistics.py): Paris days, Monday weeks, one query
each, an agent's scope, and the follow-up's own definitions of "answered" and response time.

The index is filled through the API over HTTP (`contacts_index_period`); expected counts come
from the sandbox's leads of the same period, fetched through our client.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from leadsportal.dashboard.dates import PARIS, start_of_day, today_in_paris
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
    response_time_median,
)
from leadsportal.followup.statistics import (
    Granularity,
    StatisticsScope,
    bucket_starts,
    index_oldest_lead,
    leads_by_bucket_and_type,
    leads_by_portal,
    responses_by_member,
    top_listings,
)
from leadsportal.leads_api import LeadFamily, SearchCriteria
from tests.exports.helpers import all_leads


def scope_of(agency, first: date, last: date, assignee_id: int | None = None) -> StatisticsScope:  # type: ignore[no-untyped-def]
    return StatisticsScope(
        agency=agency,
        start=start_of_day(first),
        end=start_of_day(last + timedelta(days=1)),
        zone=PARIS,
        assignee_id=assignee_id,
    )


def indexed(agency, scope: StatisticsScope):  # type: ignore[no-untyped-def]
    contacts_index_period(agency=agency, start=scope.start, end=scope.end)
    leads, _count = all_leads(agency, LeadFamily.ALL, SearchCriteria(scope.start, scope.end))
    return leads


def test_a_lead_counts_on_its_day_in_paris_not_in_utc(paris, add_lead):
    today = today_in_paris()
    yesterday = today - timedelta(days=1)
    # 23:30 UTC the day before yesterday is 00:30 (winter) or 01:30 (summer) yesterday in Paris.
    late = datetime.combine(yesterday - timedelta(days=1), datetime.min.time(), UTC).replace(
        hour=23, minute=30
    )
    add_lead(lead_type="SELLER", creation_date=late)
    scope = scope_of(paris, yesterday - timedelta(days=1), today)
    leads = indexed(paris, scope)

    buckets = leads_by_bucket_and_type(scope=scope, granularity=Granularity.DAY)

    expected = Counter(lead.meta.creation_date.astimezone(PARIS).date() for lead in leads)
    assert [bucket.start for bucket in buckets] == [yesterday - timedelta(days=1), yesterday, today]
    assert {bucket.start: bucket.total for bucket in buckets} == {
        day: expected[day] for day in (yesterday - timedelta(days=1), yesterday, today)
    }
    sellers = Counter(
        lead.meta.creation_date.astimezone(PARIS).date()
        for lead in leads
        if lead.lead_type.value == "SELLER"
    )
    assert buckets[1].by_type.get("SELLER", 0) == sellers[yesterday] >= 1


def last_october_change(today: date) -> datetime:
    """The last end of summer time in Paris before today: last Sunday of October, 01:00 UTC."""
    for year in (today.year, today.year - 1):
        day = date(year, 10, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        change = datetime.combine(day, datetime.min.time(), UTC).replace(hour=1)
        if change.date() < today:
            return change
    raise AssertionError("no change found")


def test_days_around_the_change_of_time_are_paris_days(paris, add_lead):
    change = last_october_change(today_in_paris())
    sunday = change.date()
    # Paris: 00:30 (summer time, UTC+2) and 23:30 (winter time, UTC+1) on that Sunday; and
    # 23:30 on the Saturday (UTC+2), 00:30 on the Monday (UTC+1).
    moments = {
        change - timedelta(hours=2, minutes=30): sunday,
        change + timedelta(hours=21, minutes=30): sunday,
        change - timedelta(hours=3, minutes=30): sunday - timedelta(days=1),
        change + timedelta(hours=22, minutes=30): sunday + timedelta(days=1),
    }
    for moment in moments:
        add_lead(lead_type="AGENCY", creation_date=moment)
    scope = scope_of(paris, sunday - timedelta(days=1), sunday + timedelta(days=1))
    leads = indexed(paris, scope)

    buckets = leads_by_bucket_and_type(scope=scope, granularity=Granularity.DAY)

    expected = Counter(lead.meta.creation_date.astimezone(PARIS).date() for lead in leads)
    assert {bucket.start: bucket.total for bucket in buckets} == {
        day: expected[day] for day in sorted(set(moments.values()))
    }
    agency_leads = Counter(
        lead.meta.creation_date.astimezone(PARIS).date()
        for lead in leads
        if lead.lead_type.value == "AGENCY"
    )
    assert {bucket.start: bucket.by_type.get("AGENCY", 0) for bucket in buckets} == dict(
        agency_leads
    )
    assert agency_leads[sunday] >= 2


def test_weeks_run_monday_to_sunday_and_every_bucket_is_listed():
    # 1 October 2026 is a Thursday.
    assert bucket_starts(
        first=date(2026, 10, 1), last=date(2026, 10, 19), granularity=Granularity.WEEK
    ) == [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
    days = bucket_starts(
        first=date(2026, 10, 24), last=date(2026, 10, 26), granularity=Granularity.DAY
    )
    assert days == [
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 26),
    ]  # over the DST change


def test_each_figure_is_one_query_grouped_in_the_database(paris, django_assert_num_queries):
    today = today_in_paris()
    scope = scope_of(paris, today - timedelta(days=29), today)
    leads = indexed(paris, scope)

    with django_assert_num_queries(1):
        weeks = leads_by_bucket_and_type(scope=scope, granularity=Granularity.WEEK)
    with django_assert_num_queries(1):
        portals = leads_by_portal(scope=scope)
    with django_assert_num_queries(1):
        listings = top_listings(scope=scope, limit=5)
    with django_assert_num_queries(2):
        responses_by_member(scope=scope)
    with django_assert_num_queries(1):
        oldest = index_oldest_lead(agency=paris)

    assert sum(bucket.total for bucket in weeks) == len(leads)
    assert {row.portal: row.count for row in portals} == dict(
        Counter(lead.meta.portal for lead in leads)
    )
    per_listing = Counter(lead.classified.classified_id for lead in leads if lead.classified)
    assert [row.count for row in listings] == sorted(per_listing.values(), reverse=True)[:5]
    assert oldest == min(lead.meta.creation_date for lead in leads)


def test_an_agents_scope_holds_the_leads_assigned_to_them_only(paris, agent, manager):
    today = today_in_paris()
    scope = scope_of(paris, today - timedelta(days=6), today)
    leads = indexed(paris, scope)
    for lead in leads[:3]:
        followup_assignee_set(
            followup=followup_from_lead(agency=paris, lead=lead), actor=None, assignee=agent.user
        )
    followup_assignee_set(
        followup=followup_from_lead(agency=paris, lead=leads[3]), actor=None, assignee=manager.user
    )

    own = scope_of(paris, today - timedelta(days=6), today, assignee_id=agent.user.pk)
    assert sum(row.count for row in leads_by_portal(scope=own)) == 3
    assert set(responses_by_member(scope=own).by_member) == {agent.user.pk}
    assert sum(row.count for row in leads_by_portal(scope=scope)) == len(leads)


def test_answered_and_response_times_are_the_follow_ups_own(paris, agent, manager):
    today = today_in_paris()
    scope = scope_of(paris, today - timedelta(days=6), today)
    leads = indexed(paris, scope)
    for lead, minutes in zip(leads[:4], (30, 60, 61, None), strict=True):
        followup = followup_from_lead(agency=paris, lead=lead)
        followup_assignee_set(followup=followup, actor=None, assignee=agent.user)
        if minutes is not None:
            followup_status_set(
                followup=followup,
                actor=manager.user,
                status="rendez-vous",
                now=lead.meta.creation_date + timedelta(minutes=minutes),
            )

    result = responses_by_member(scope=scope)

    mine = result.by_member[agent.user.pk]
    assert (mine.assigned, mine.answered, mine.answered_within_hour) == (4, 3, 2)
    assert mine.median_seconds == 60 * 60
    assert mine.share_within_hour == 0.5
    median = response_time_median(agency=paris, start=scope.start, end=scope.end)
    assert result.total.median_seconds == median.median_seconds
    assert result.total.answered == median.count


def test_an_expired_lead_no_longer_counts_before_the_nightly_purge(paris):
    from django.utils import timezone

    from leadsportal.followup.models import AgencyLead

    today = today_in_paris()
    scope = scope_of(paris, today - timedelta(days=6), today)
    leads = indexed(paris, scope)
    AgencyLead.objects.filter(agency=paris, lead_id=leads[0].lead_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert sum(row.count for row in leads_by_portal(scope=scope)) == len(leads) - 1
