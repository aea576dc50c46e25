"""Reminder journey: an agent sets a reminder for a colleague a few minutes ahead; when it falls
due (the scheduled task, called by the test as the worker would), the colleague's open page
shows the toast and the title count; the colleague snoozes it from the toast. Desktop and
phone, with screenshots; the call button records a contact attempt and its outcome."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leadsportal.followup.models import ContactAttempt, Reminder
from leadsportal.followup.reminders import PARIS
from leadsportal.watch import tasks
from leadsportal.watch.poll import agency_poll

pytestmark = pytest.mark.browser

PARIS_CLIENT = "agence-paris-demo"


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_a_reminder_for_a_colleague_is_told_on_their_page_and_snoozed(
    browse, paris, make_member, sandbox, viewport
):
    agent = make_member("agent.paris", (paris, "agent"))
    colleague = make_member("claire", (paris, "agent"))
    colleague.first_name, colleague.last_name = "Claire", "Martin"
    colleague.save()
    agency_poll(agency=paris)
    lead_id = sandbox.add_lead(
        PARIS_CLIENT,
        lead_type="CLASSIFIED",
        contactRequest={"firstName": "Paul", "lastName": "Durand", "phoneNumbers": [
            {"number": "0612345678", "type": "MOBILE", "isVerified": False}
        ]},
    )  # fmt: skip
    agency_poll(agency=paris)

    # The colleague works on the list, in another browser.
    theirs = browse(colleague, viewport=viewport)
    theirs.goto("/leads/")
    expect(theirs).to_have_title("Tous les leads — leadsportal")

    # The agent sets the reminder two minutes ahead, for Claire.
    page = browse(agent, viewport=viewport)
    page.goto(f"/lead/{lead_id}/")
    block = page.get_by_test_id("reminders")
    due = (timezone.now() + timedelta(minutes=2)).astimezone(PARIS)
    block.get_by_label("Date et heure (heure de Paris)").fill(due.strftime("%Y-%m-%dT%H:%M"))
    block.get_by_label("Pour").select_option(label="Claire Martin")
    block.get_by_label("Texte (facultatif)").fill("Rappeler pour la visite")
    block.get_by_test_id("reminder-submit").click()
    expect(page.get_by_test_id("reminder-saved")).to_contain_text("pour Claire Martin")
    expect(page.get_by_test_id("reminder")).to_contain_text("Rappeler pour la visite")
    expect(page.get_by_test_id("timeline")).to_contain_text("rappel prévu (Claire Martin")
    browse.screenshot(page, "reminder-set")

    # A call from the page is recorded; its outcome is asked in the timeline.
    page.get_by_test_id("phone-link").first.evaluate("link => link.removeAttribute('href')")
    page.get_by_test_id("phone-link").first.click()
    outcome = page.get_by_test_id("contact-outcome")
    expect(outcome).to_be_visible()
    outcome.get_by_role("button", name="Pas de réponse").click()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "appel lancé depuis le tableau de bord : Pas de réponse"
    )
    assert ContactAttempt.objects.get().outcome == "sans-reponse"

    # Two minutes later (the test moves the due time instead of waiting), the worker's task.
    reminder = Reminder.objects.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    assert tasks.reminder_due_task.call_local(reminder.pk) is True

    toast = theirs.get_by_test_id("reminder-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Rappel : un lead à rappeler")
    expect(toast).not_to_contain_text("Durand")  # never the contact, nor the reminder's text
    expect(toast).not_to_contain_text("visite")
    expect(theirs).to_have_title("(1) Tous les leads — leadsportal")
    # The agent's own page is not told: the reminder is Claire's.
    expect(page.get_by_test_id("reminder-toast")).to_have_count(0)
    browse.screenshot(theirs, "reminder-toast")

    toast.get_by_test_id("reminder-toast-1h").click()
    result = theirs.get_by_test_id("reminder-toast-result")
    expect(result).to_contain_text("Rappel reporté au")
    expect(theirs).to_have_title("Tous les leads — leadsportal")
    reminder.refresh_from_db()
    assert reminder.notified_at is None and reminder.due_at > timezone.now() + timedelta(minutes=55)

    # The agent's page shows the snooze in the timeline once reloaded.
    page.reload()
    expect(page.get_by_test_id("timeline")).to_contain_text("rappel reporté (Claire Martin")
    browse.screenshot(theirs, "reminder-snoozed")


def test_to_call_back_is_a_ready_view_with_the_overdue_badge(browse, paris, make_member, sandbox):
    agent = make_member("agent.paris", (paris, "agent"))
    agency_poll(agency=paris)
    lead_id = sandbox.add_lead(PARIS_CLIENT, lead_type="SELLER")
    agency_poll(agency=paris)
    page = browse(agent, viewport={"width": 1280, "height": 800})
    page.goto(f"/lead/{lead_id}/")
    due = (timezone.now() + timedelta(minutes=5)).astimezone(PARIS)
    page.get_by_label("Date et heure (heure de Paris)").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("reminder-submit").click()
    expect(page.get_by_test_id("reminder-saved")).to_be_visible()
    Reminder.objects.update(due_at=timezone.now() - timedelta(hours=1))

    page.goto("/leads/")
    page.get_by_test_id("views-bar").get_by_role("link", name="À rappeler").click()
    expect(page).to_have_url(re.compile(r"/a-rappeler/$"))
    row = page.locator(f'tr[data-lead-id="{lead_id}"]')
    expect(row.get_by_test_id("overdue-badge")).to_have_text("Rappel en retard")
    browse.screenshot(page, "to-call-back")
    # Back to another view from there, in place.
    page.get_by_test_id("views-bar").get_by_role("link", name="Mes leads").click()
    expect(page).to_have_url(re.compile(r"/leads/\?assignee="))
