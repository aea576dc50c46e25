"""Reminders on a lead's page, from a toast, the "À rappeler" view and the overdue badge."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from leadsportal.followup.models import ContactAttempt, LeadFollowup, Reminder
from leadsportal.followup.reminders import PARIS
from tests.followup.conftest import listed_ids, row_html

pytestmark = pytest.mark.django_db


def local(moment):  # type: ignore[no-untyped-def]
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def add_reminder(client, lead_id, due, person, text="", htmx=False):  # type: ignore[no-untyped-def]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/lead/{lead_id}/rappels/",
        {"due": due, "person": person.pk, "text": text},
        headers=headers,
    )


def test_an_agent_sets_a_reminder_for_a_colleague(agent, manager, add_lead):
    lead_id = add_lead()
    due = timezone.now() + timedelta(days=1)
    response = add_reminder(agent.client, lead_id, local(due), manager.user, "visite jeudi")
    assert response.status_code == 303
    reminder = Reminder.objects.get()
    assert reminder.person == manager.user and reminder.created_by == agent.user
    assert reminder.due_at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M") == local(due)
    page = manager.client.get(f"/lead/{lead_id}/").content.decode()
    block = page.split('data-testid="reminders"')[1]
    assert "visite jeudi" in block and "pour moi" in block
    timeline = page.split('data-testid="timeline"')[1]
    assert "rappel prévu (manager.paris," in timeline


def test_the_htmx_answer_is_the_block_and_the_timeline_out_of_band(agent, add_lead):
    lead_id = add_lead()
    due = local(timezone.now() + timedelta(hours=3))
    html = add_reminder(agent.client, lead_id, due, agent.user, htmx=True).content.decode()
    assert html.lstrip().startswith('<section id="reminders"')
    assert 'id="timeline" class="timeline" hx-swap-oob="outerHTML"' in html
    assert 'data-testid="reminder-saved"' in html and "pour vous" in html


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("past", "Cette heure est déjà passée"),
        ("", "Indiquez la date et l'heure du rappel."),
        ("demain 10h", "Date et heure illisibles"),
    ],
)
def test_a_bad_time_is_refused_with_a_clear_message(agent, add_lead, due, message):
    lead_id = add_lead()
    if due == "past":
        due = local(timezone.now() - timedelta(hours=1))
    response = add_reminder(agent.client, lead_id, due, agent.user)
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert not Reminder.objects.exists()


def test_a_time_skipped_by_the_spring_change_is_said(agent, add_lead, settings):
    lead_id = add_lead()
    year = timezone.now().astimezone(PARIS).year + 1
    # The last Sunday of March of next year: 02:30 does not exist in Paris.
    day = max(d for d in range(25, 32) if timezone.datetime(year, 3, d).weekday() == 6)  # Sunday
    due = f"{year}-03-{day:02d}T02:30"
    html = add_reminder(agent.client, lead_id, due, agent.user, htmx=True).content.decode()
    assert "n'existe pas ce jour-là" in unescape(html)
    reminder = Reminder.objects.get()
    assert reminder.due_at.astimezone(PARIS).strftime("%H:%M") == "03:30"


def test_a_reminder_is_for_a_member_of_this_agency(agent, lyon_agent, add_lead):
    lead_id = add_lead()
    due = local(timezone.now() + timedelta(hours=3))
    response = add_reminder(agent.client, lead_id, due, lyon_agent.user)
    assert response.status_code == 400
    assert "Choisissez un membre actif de l'agence." in unescape(response.content.decode())


def test_another_agencys_lead_and_reminder_are_404(agent, lyon_agent, add_lead):
    lead_id = add_lead()
    due = local(timezone.now() + timedelta(hours=3))
    assert add_reminder(lyon_agent.client, lead_id, due, lyon_agent.user).status_code == 404
    add_reminder(agent.client, lead_id, due, agent.user)
    reminder = Reminder.objects.get()
    response = lyon_agent.client.post(f"/rappels/{reminder.pk}/", {"action": "done"})
    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.is_open


def test_done_snooze_and_cancel_from_the_lead_page(agent, add_lead):
    lead_id = add_lead()
    due = local(timezone.now() + timedelta(hours=3))
    for _ in range(3):
        add_reminder(agent.client, lead_id, due, agent.user)
    first, second, third = Reminder.objects.order_by("id")
    url = "/rappels/{}/"
    assert agent.client.post(url.format(first.pk), {"action": "done"}).status_code == 303
    before = timezone.now()
    response = agent.client.post(
        url.format(second.pk), {"action": "snooze", "until": "1h"}, headers={"HX-Request": "true"}
    )
    assert "Rappel reporté au" in response.content.decode()
    picked = timezone.now() + timedelta(days=2)
    agent.client.post(
        url.format(third.pk), {"action": "snooze", "until": "at", "at": local(picked)}
    )
    for row in (first, second, third):
        row.refresh_from_db()
    assert first.done_at is not None
    assert timedelta(minutes=59) < second.due_at - before < timedelta(minutes=61)
    assert local(third.due_at) == local(picked)
    refused = agent.client.post(
        url.format(third.pk),
        {"action": "snooze", "until": "at", "at": local(timezone.now() - timedelta(days=1))},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Cette heure est déjà passée" in refused
    assert agent.client.post(url.format(third.pk), {"action": "cancel"}).status_code == 303
    third.refresh_from_db()
    assert third.cancelled_at is not None
    again = agent.client.post(url.format(third.pk), {"action": "done"})
    assert again.status_code == 409 and "déjà fait ou annulé" in again.content.decode()


def test_tomorrow_9h_from_a_toast_answers_a_line_in_place_of_the_toast(agent, add_lead):
    lead_id = add_lead()
    add_reminder(agent.client, lead_id, local(timezone.now()), agent.user)
    reminder = Reminder.objects.get()
    html = agent.client.post(
        f"/rappels/{reminder.pk}/",
        {"action": "snooze", "until": "tomorrow", "from": "toast"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'data-testid="reminder-toast-result"' in html and "Rappel reporté au" in html
    reminder.refresh_from_db()
    paris_due = reminder.due_at.astimezone(PARIS)
    assert paris_due.strftime("%H:%M") == "09:00"
    assert paris_due.date() == timezone.now().astimezone(PARIS).date() + timedelta(days=1)
    assert reminder.notified_at is None  # told again when due


def test_to_call_back_lists_my_due_leads_oldest_first(agent, manager, add_lead):
    late, today, tomorrow, theirs = (add_lead() for _ in range(4))
    now = timezone.now()
    for lead_id, person in ((late, agent), (today, agent), (tomorrow, agent), (theirs, manager)):
        add_reminder(agent.client, lead_id, local(now + timedelta(minutes=1)), person.user)
    # Move the due times where the test wants them (a past time cannot be typed).
    Reminder.objects.filter(followup__lead_id=late).update(due_at=now - timedelta(days=3))
    Reminder.objects.filter(followup__lead_id=today).update(due_at=now)
    Reminder.objects.filter(followup__lead_id=tomorrow).update(due_at=now + timedelta(days=2))
    page = agent.client.get("/a-rappeler/")
    assert page.status_code == 200
    html = page.content.decode()
    assert listed_ids(html) == [late, today]
    assert 'aria-current="page">À rappeler<' in html
    assert 'data-testid="overdue-badge"' in row_html(html, late)
    partial = agent.client.get(
        "/a-rappeler/", headers={"HX-Request": "true", "HX-Target": "browser"}
    ).content.decode()
    assert partial.lstrip().startswith('<div id="browser"')
    empty = manager.client.get("/a-rappeler/").content.decode()
    assert listed_ids(empty) == [theirs]


def test_the_ready_view_is_beside_the_others(agent, sandbox):
    html = agent.client.get("/leads/").content.decode()
    bar = html.split('data-testid="views-bar"')[1].split("</nav>")[0]
    assert re.search(r'href="/a-rappeler/"[^>]*>À rappeler<', bar)


def test_lists_and_the_detail_show_a_reminder_past_its_time(agent, manager, add_lead):
    late, fine = add_lead(), add_lead()
    for lead_id in (late, fine):
        add_reminder(agent.client, lead_id, local(timezone.now() + timedelta(hours=2)), agent.user)
    Reminder.objects.filter(followup__lead_id=late).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    html = manager.client.get("/leads/").content.decode()
    assert 'data-testid="overdue-badge"' in row_html(html, late)
    assert 'data-testid="overdue-badge"' not in row_html(html, fine)
    detail = manager.client.get(f"/lead/{late}/").content.decode()
    assert detail.count('data-testid="overdue-badge"') == 2  # the header and the block
    assert (
        'data-testid="overdue-badge"' not in manager.client.get(f"/lead/{fine}/").content.decode()
    )


def test_a_call_started_from_the_page_is_recorded_then_its_outcome(agent, add_lead):
    lead_id = add_lead(phones=["0612345678"])
    page = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert f'data-contact-attempt="call" data-attempt-url="/lead/{lead_id}/contacts/"' in page
    response = agent.client.post(f"/lead/{lead_id}/contacts/", {"channel": "call"})
    assert response.status_code == 204
    attempt = ContactAttempt.objects.get()
    assert (attempt.channel, attempt.actor, attempt.outcome) == ("call", agent.user, "")
    html = agent.client.get(f"/lead/{lead_id}/").content.decode()
    assert 'data-testid="contact-outcome"' in html
    timeline = agent.client.post(
        f"/lead/{lead_id}/contacts/{attempt.pk}/resultat/",
        {"outcome": "messagerie"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "appel lancé depuis le tableau de bord : Messagerie" in timeline
    assert 'data-testid="contact-outcome"' not in timeline
    bad = agent.client.post(f"/lead/{lead_id}/contacts/", {"channel": "fax"})
    assert bad.status_code == 400
    assert LeadFollowup.objects.count() == 1
