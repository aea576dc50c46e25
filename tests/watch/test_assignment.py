"""Assignment at arrival: each rule, availability, claims and the fallback, the history; for an
agency on GSL v2 and one on Seeker Leads (`upstream`)."""

from __future__ import annotations

import pytest

from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.models import FollowupEvent, LeadFollowup
from leadsportal.watch.models import LiveEvent
from leadsportal.watch.poll import agency_poll
from tests.followup.conftest import row_html

pytestmark = pytest.mark.django_db

Rule = Agency.AssignmentRule


@pytest.fixture
def agency(upstream):  # type: ignore[no-untyped-def]
    return upstream.agency


@pytest.fixture
def agent(agency, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (agency, "agent"))


@pytest.fixture
def manager(agency, login):  # type: ignore[no-untyped-def]
    return login("manager.upstream", (agency, "manager"))


def arrive(upstream, count=1, claims=None):  # type: ignore[no-untyped-def]
    """`count` leads arrive and the watcher sees them; their ids in the order it handled them
    (by creation time: leads added within the same second may come in any order)."""
    agency = upstream.agency
    if LiveEvent.objects.filter(agency=agency).count() == 0 and not getattr(agency, "_polled", 0):
        agency_poll(agency=agency)
        agency._polled = 1
    ids = [upstream.add_lead() for _ in range(count)]
    sink = claims if claims is not None else []
    result = agency_poll(
        agency=agency,
        claim_window=(lambda a, lead_id, minutes: sink.append((lead_id, minutes))),
    )
    assert set(result.new_lead_ids) == set(ids)
    return list(result.new_lead_ids)


def assignee_of(agency, lead_id):  # type: ignore[no-untyped-def]
    followup = LeadFollowup.objects.get(agency=agency, lead_id=lead_id)
    return followup.assignee.username if followup.assignee else None


def test_with_no_rule_nobody_is_assigned(agency, make_member, upstream):
    make_member("alice", (agency, "agent"))
    (lead_id,) = arrive(upstream)
    assert assignee_of(agency, lead_id) is None
    event = LiveEvent.objects.get(lead_id=lead_id)
    assert event.assignee is None and event.claimable is False


def test_round_robin_takes_turns_among_available_active_members(agency, make_member, upstream):
    agency.assignment_rule = Rule.ROUND_ROBIN
    agency.save()
    make_member("alice", (agency, "agent"))
    make_member("bruno", (agency, "agent"))
    carla = make_member("carla", (agency, "manager"))
    make_member("denis", (agency, "agent"))
    Membership.objects.filter(user__username="denis").update(available=False)
    carla.is_active = False
    carla.save()

    ids = arrive(upstream, count=4)
    names = [assignee_of(agency, lead_id) for lead_id in ids]
    assert sorted(names) == ["alice", "alice", "bruno", "bruno"]
    assert names[0] != names[1] and names[2] != names[3]
    # The assignee is on the live event (told first) and the history says it was automatic.
    event = LiveEvent.objects.get(lead_id=ids[0])
    assert event.assignee.username == names[0]
    history = FollowupEvent.objects.get(followup__lead_id=ids[0], kind="assignee")
    assert history.automatic and history.actor is None
    assert history.new_value == names[0]


def test_round_robin_with_nobody_available_leaves_the_lead_open(agency, make_member, upstream):
    agency.assignment_rule = Rule.ROUND_ROBIN
    agency.save()
    make_member("alice", (agency, "agent"))
    Membership.objects.update(available=False)
    (lead_id,) = arrive(upstream)
    assert assignee_of(agency, lead_id) is None


def test_first_to_claim_then_round_robin_after_the_delay(
    agency, make_member, upstream, django_capture_on_commit_callbacks
):
    from leadsportal.watch import tasks

    agency.assignment_rule = Rule.FIRST_TO_CLAIM
    agency.claim_minutes = 15
    agency.save()
    alice = make_member("alice", (agency, "agent"))
    make_member("bruno", (agency, "agent"))
    windows: list[tuple[str, int]] = []
    with django_capture_on_commit_callbacks(execute=True):  # scheduled once committed
        claimed, unclaimed = arrive(upstream, count=2, claims=windows)
    assert sorted(windows) == sorted([(claimed, 15), (unclaimed, 15)])
    assert LiveEvent.objects.get(lead_id=claimed).claimable is True

    from leadsportal.watch.assignment import lead_claim

    followup = LeadFollowup.objects.get(lead_id=claimed)
    assert lead_claim(followup=followup, user=alice).claimed is True
    # The fallback, 15 minutes later: the claimed lead stays with alice, the other goes round.
    tasks.claim_fallback_task.call_local(agency.pk, claimed)
    tasks.claim_fallback_task.call_local(agency.pk, unclaimed)
    assert assignee_of(agency, claimed) == "alice"
    assert assignee_of(agency, unclaimed) in {"alice", "bruno"}
    kinds = list(LiveEvent.objects.filter(kind="assigned").values_list("lead_id", flat=True))
    assert sorted(kinds) == sorted([claimed, unclaimed])


def test_a_second_claim_loses_and_says_who_has_it(agency, login, upstream):
    agency.assignment_rule = Rule.FIRST_TO_CLAIM
    agency.save()
    alice = login("alice", (agency, "agent"))
    bruno = login("bruno", (agency, "agent"))
    (lead_id,) = arrive(upstream)
    url = f"/lead/{lead_id}/prendre/"
    first = alice.client.post(url, HTTP_HX_REQUEST="true")
    assert "Ce lead est à vous." in first.content.decode()
    second = bruno.client.post(url, HTTP_HX_REQUEST="true")
    assert "Déjà pris par alice." in second.content.decode()
    assert assignee_of(agency, lead_id) == "alice"
    # Without JavaScript: a redirect to the lead, with the message.
    third = bruno.client.post(url)
    assert third.status_code == 303 and third["Location"] == f"/lead/{lead_id}/"


def test_members_set_their_own_availability(agency, agent):
    response = agent.client.post("/disponibilite/", {"available": "0", "next": "/leads/"})
    assert response.status_code == 303 and response["Location"] == "/leads/"
    assert Membership.objects.get(user=agent.user).available is False
    page = agent.client.get("/leads/").content.decode()
    assert 'aria-pressed="false"' in page
    agent.client.post("/disponibilite/", {"available": "1"})
    assert Membership.objects.get(user=agent.user).available is True
    assert agent.client.post("/disponibilite/", {"available": "yes"}).status_code == 400


def test_managers_set_the_rule_on_the_agency_settings_page(agency, manager, agent):
    assert agent.client.get("/agence/reglages/").status_code == 403
    page = manager.client.get("/agence/reglages/")
    assert page.status_code == 200 and "À tour de rôle" in page.content.decode()
    bad = manager.client.post(
        "/agence/reglages/", {"assignment_rule": "first_to_claim", "claim_minutes": "0"}
    )
    assert bad.status_code == 400 and "Entre 1 et 240 minutes." in bad.content.decode()
    ok = manager.client.post(
        "/agence/reglages/", {"assignment_rule": "first_to_claim", "claim_minutes": "5"}
    )
    assert ok.status_code == 303
    agency.refresh_from_db()
    assert (agency.assignment_rule, agency.claim_minutes) == ("first_to_claim", 5)


def test_a_new_unanswered_lead_shows_how_long_it_has_waited(agency, agent, upstream):
    lead_id = upstream.add_lead(minutes_ago=12)
    # Added before any list is read: on Seeker Leads a day that is over gains no lead, so its
    # slice of the feed stays cached.
    old = upstream.add_lead(minutes_ago=60 * 49)
    page = agent.client.get("/leads/").content.decode()
    clock = row_html(page, lead_id)
    assert 'aria-label="en attente depuis 12 min"' in clock and ">12 min</time>" in clock
    detail = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert 'data-testid="waiting"' in detail and "en attente depuis 12 min" in detail
    agent.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    assert 'data-testid="waiting"' not in agent.client.get(f"/lead/{lead_id}/").content.decode()
    page = agent.client.get("/leads/", {"per_page": 100}).content.decode()
    assert 'data-testid="waiting"' not in row_html(page, old)  # shown for 48 hours only
