"""One timeline per lead: what it holds, newest first, in a few queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadsportal.followup.access_record import export_record_leads, export_record_start
from leadsportal.followup.models import AccessRecord, ContactAttempt, FollowupEvent, LeadFollowup
from leadsportal.followup.pipeline import stages_by_code
from leadsportal.followup.timeline import lead_timeline

pytestmark = pytest.mark.django_db


def at(minutes: int) -> datetime:
    return datetime(2026, 6, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)


def test_everything_done_with_a_lead_newest_first(paris, agent, manager):
    followup = LeadFollowup.objects.create(
        agency=paris,
        lead_id="L-1",
        lead_type="CLASSIFIED",
        lead_created_at=at(0),
        expires_at=at(0) + timedelta(days=300),
    )

    def event(minutes: int, **fields: object) -> None:
        row = FollowupEvent.objects.create(followup=followup, **fields)
        FollowupEvent.objects.filter(pk=row.pk).update(created_at=at(minutes))

    event(1, kind="assignee", automatic=True, new_value="agent.paris")
    event(5, kind="status", actor=agent.user, old_value="nouveau", new_value="contacte")
    event(6, kind="note", actor=agent.user)
    event(7, kind="reminder", actor=agent.user, new_value="set", old_value="manager.paris, x")
    event(90, kind="reminder", actor=manager.user, new_value="done", old_value="manager.paris, x")
    attempt = ContactAttempt.objects.create(
        followup=followup, actor=agent.user, channel="call", outcome="messagerie"
    )
    ContactAttempt.objects.filter(pk=attempt.pk).update(created_at=at(4))
    latest = ContactAttempt.objects.create(followup=followup, actor=manager.user, channel="email")
    ContactAttempt.objects.filter(pk=latest.pk).update(created_at=at(80))
    # Three openings by the agent on one Paris day are one entry; the next day, another.
    for minutes in (2, 3, 60):
        AccessRecord.objects.create(
            agency=paris, user=agent.user, username="agent.paris", kind="opened",
            at=at(minutes), lead_id="L-1",
        )  # fmt: skip
    AccessRecord.objects.create(
        agency=paris, user=agent.user, username="agent.paris", kind="opened",
        at=at(24 * 60), lead_id="L-1",
    )  # fmt: skip
    AccessRecord.objects.create(
        agency=paris, user=agent.user, username="agent.paris", kind="opened",
        at=at(70), lead_id="L-2",
    )  # fmt: skip
    export = export_record_start(agency=paris, user=manager.user, export_ref=12)
    export_record_leads(export, ["L-1", "L-3"])
    AccessRecord.objects.filter(pk=export.pk).update(at=at(100))

    stages_by_code(paris)  # the agency's pipeline, seeded on its first read, then remembered
    with CaptureQueriesContext(connection) as queries:
        timeline = lead_timeline(agency=paris, lead_id="L-1", followup=followup)
    # Events, attempts, openings, exports (the arrival comes with the follow-up), the stages.
    assert len(queries) <= 5, "\n".join(q["sql"][:90] for q in queries)
    got = [(e.at, e.kind, e.actor, e.text) for e in timeline.entries]
    assert got == [
        (at(24 * 60), "opened", "agent.paris", "a ouvert le lead"),
        (at(100), "export", "manager.paris", "l'a exporté (export de 2 leads)"),
        (at(90), "reminder", "manager.paris", "rappel fait (manager.paris, x)"),
        (at(80), "email", "manager.paris", "e-mail ouvert depuis le tableau de bord"),
        (at(60), "opened", "agent.paris", "a ouvert le lead (3 fois ce jour-là)"),
        (at(7), "reminder", "agent.paris", "rappel prévu (manager.paris, x)"),
        (at(6), "note", "agent.paris", "note ajoutée"),
        (at(5), "status", "agent.paris", "statut : Nouveau → Contacté"),
        (at(4), "call", "agent.paris", "appel lancé depuis le tableau de bord : Messagerie"),
        (at(1), "assignee", "Attribution automatique", "assigné à agent.paris"),
        (at(0), "arrival", "", "Lead reçu"),
    ]
    assert timeline.attempt_to_qualify == latest.pk


def test_a_lead_nobody_worked_on_has_its_arrival_and_openings(paris, agent, add_lead):
    lead_id = add_lead()
    agent.client.get(f"/lead/{lead_id}/")
    timeline = lead_timeline(agency=paris, lead_id=lead_id, followup=None)
    assert [e.kind for e in timeline.entries] == ["opened", "arrival"]
    assert timeline.attempt_to_qualify is None


def test_the_lead_page_shows_the_timeline_in_the_follow_up(agent, manager, add_lead):
    lead_id = add_lead()
    agent.client.post(f"/lead/{lead_id}/suivi/statut/", {"status": "contacte"})
    agent.client.post(f"/lead/{lead_id}/suivi/notes/", {"body": "Client très pressé"})
    html = manager.client.get(f"/lead/{lead_id}/").content.decode()
    timeline = html.split('data-testid="timeline"')[1].split("</section>")[0]
    kinds = [part.split('"')[0] for part in timeline.split('data-kind="')[1:]]
    assert kinds == ["opened", "note", "status", "arrival"]
    assert "Client très pressé" not in timeline  # the note is in the notes, not here
    # Two openings today by the manager would be one line; the agent never opened it.
    manager.client.get(f"/lead/{lead_id}/")
    again = manager.client.get(f"/lead/{lead_id}/").content.decode()
    assert "(3 fois ce jour-là)" in again
    assert timezone.now() is not None
