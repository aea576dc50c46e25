"""GDPR: local follow-up data of a lead goes once the lead has expired (GSL's expirationDate,
Seeker's metadata.TTL); for an agency on each upstream (`upstream`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from leadsportal.followup.models import (
    AgencyLead,
    ContactFingerprint,
    FollowupEvent,
    LeadFollowup,
    LeadNote,
    LeadRead,
)

EXPIRY = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def touch(client, lead_id: str) -> None:  # type: ignore[no-untyped-def]
    """Open the lead, change its status and assignee, write a note: everything gets stored."""
    client.get(f"/lead/{lead_id}/")
    client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Rappeler"})


def stored(lead_id: str) -> dict[str, int]:
    return {
        "followups": LeadFollowup.objects.filter(lead_id=lead_id).count(),
        "notes": LeadNote.objects.filter(followup__lead_id=lead_id).count(),
        "events": FollowupEvent.objects.filter(followup__lead_id=lead_id).count(),
        "reads": LeadRead.objects.filter(lead_id=lead_id).count(),
        "fingerprints": ContactFingerprint.objects.filter(lead_id=lead_id).count(),
        "index": AgencyLead.objects.filter(lead_id=lead_id).count(),
    }


def test_the_leads_expiration_date_is_stored_with_everything(agent, upstream):
    lead_id = upstream.add_contact_lead(
        email="someone@example.org", phones=["0611223344"], expires_at=EXPIRY
    )
    touch(agent.client, lead_id)
    expected = EXPIRY
    assert LeadFollowup.objects.get(lead_id=lead_id).expires_at == expected
    assert LeadRead.objects.get(lead_id=lead_id).expires_at == expected
    assert set(
        ContactFingerprint.objects.filter(lead_id=lead_id).values_list("expires_at", flat=True)
    ) == {expected}


def test_the_purge_deletes_expired_leads_data_and_keeps_the_rest(agent, upstream):
    expired = upstream.add_contact_lead(email="old@example.org", phones=["0611223344"])
    alive = upstream.add_contact_lead(email="new@example.org", phones=["0655667788"])
    touch(agent.client, expired)
    touch(agent.client, alive)
    assert stored(expired) == {
        "followups": 1,
        "notes": 1,
        "events": 2,
        "reads": 1,
        "fingerprints": 2,
        "index": 1,
    }
    yesterday = timezone.now() - timedelta(days=1)
    for model in (LeadFollowup, LeadRead, ContactFingerprint, AgencyLead):
        model.objects.filter(lead_id=expired).update(expires_at=yesterday)

    dry = StringIO()
    call_command("purge_expired_followups", "--dry-run", stdout=dry)
    assert "Suivis à supprimer : 1 (notes : 1, événements : 2)" in dry.getvalue()
    assert stored(expired)["followups"] == 1

    out = StringIO()
    call_command("purge_expired_followups", stdout=out)
    assert stored(expired) == {
        "followups": 0,
        "notes": 0,
        "events": 0,
        "reads": 0,
        "fingerprints": 0,
        "index": 0,
    }
    assert stored(alive) == {
        "followups": 1,
        "notes": 1,
        "events": 2,
        "reads": 1,
        "fingerprints": 2,
        "index": 1,
    }
    assert out.getvalue().strip() == (
        "Suivis supprimés : 1 (notes : 1, événements : 2) ; lectures : 1 ; "
        "empreintes de contacts : 2 ; lignes de l'index des leads : 1."
    )
    again = StringIO()
    call_command("purge_expired_followups", stdout=again)
    assert "Suivis supprimés : 0" in again.getvalue()


def test_an_expired_lead_never_feeds_the_matching(agent, upstream):
    past = timezone.now() - timedelta(days=1)
    expired = upstream.add_contact_lead(
        minutes_ago=30, email="gone@example.org", phones=[], expires_at=past
    )
    later = upstream.add_contact_lead(email="gone@example.org", phones=[])
    html = agent.client.get("/leads/").content.decode()
    # GSL still serves a lead past its expirationDate; a Seeker lead past its TTL "must be deleted
    # from all systems", so no list shows it (docs/UPSTREAMS.md, "Expiry").
    assert (expired in html) is not upstream.is_seeker
    row = html.split(f'data-lead-id="{later}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="known-contact"' not in row
    assert not ContactFingerprint.objects.filter(lead_id=expired).exists()


def test_reminders_and_contact_attempts_go_with_their_follow_up(agent, upstream):
    from leadsportal.followup.models import ContactAttempt, Reminder
    from leadsportal.followup.purge import followups_purge_expired

    expired, alive = upstream.add_lead(), upstream.add_lead()
    due = (timezone.now() + timedelta(days=1)).astimezone(timezone.get_current_timezone())
    for lead_id in (expired, alive):
        touch(agent.client, lead_id)
        agent.client.post(
            f"/lead/{lead_id}/rappels/",
            {"due": due.strftime("%Y-%m-%dT%H:%M"), "person": agent.user.pk, "text": "Rappeler"},
        )
        agent.client.post(f"/lead/{lead_id}/contacts/", {"channel": "call"})
    assert Reminder.objects.filter(followup__lead_id=expired).count() == 1
    assert ContactAttempt.objects.filter(followup__lead_id=expired).count() == 1
    LeadFollowup.objects.filter(lead_id=expired).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    followups_purge_expired()
    assert not Reminder.objects.filter(followup__lead_id=expired).exists()
    assert not ContactAttempt.objects.filter(followup__lead_id=expired).exists()
    assert Reminder.objects.filter(followup__lead_id=alive).count() == 1
    assert ContactAttempt.objects.filter(followup__lead_id=alive).count() == 1
