"""Issue 17's journey: an agent ticks five leads (one click, then shift-click for the range) and
gives them to a colleague with a reminder two minutes ahead; the colleague, on another page,
is told when it falls due and snoozes it, then marks one lead "Perdu — Injoignable"; the
manager's funnel counts it. The bulk change is also undone once, within its minute.

The reminders' worker task is called by the test, as tests/e2e/test_reminder_journey.py does;
the due time is moved instead of waiting two minutes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from leadsportal.followup.models import LeadFollowup, Reminder
from leadsportal.followup.reminders import PARIS
from leadsportal.watch import tasks
from tests.e2e.helpers import htmx_swap, lead_ids

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def tick(page: Page, lead_id: str, *, shift: bool = False) -> None:
    box = page.locator(f'tr[data-lead-id="{lead_id}"] input.row-select')
    box.click(modifiers=["Shift"] if shift else None)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_five_leads_to_a_colleague_with_a_reminder_then_lost_in_the_funnel(
    browse, paris, make_member, sandbox, device
):
    agent = make_member("agent.paris", (paris, "agent"))
    colleague = make_member("claire", (paris, "agent"))
    colleague.first_name, colleague.last_name = "Claire", "Martin"
    colleague.save()
    manager = make_member("manager.paris", (paris, "manager"))

    theirs = browse(colleague, path="/leads/", **VIEWPORTS[device])
    expect(theirs).to_have_title("Tous les leads — leadsportal")

    page = browse(agent, path="/leads/", **VIEWPORTS[device])
    ids = lead_ids(page)
    chosen = ids[2:7]
    # One click, then shift-click on the fifth row: the three between are ticked too.
    tick(page, chosen[0])
    tick(page, chosen[-1], shift=True)
    bar = page.get_by_test_id("bulk-bar")
    expect(bar).to_have_attribute("open", "")
    expect(bar.locator("[data-bulk-count]")).to_have_text("(5)")
    for lead_id in chosen:
        expect(page.locator(f'tr[data-lead-id="{lead_id}"] input.row-select')).to_be_checked()
    expect(page.locator(f'tr[data-lead-id="{ids[1]}"] input.row-select')).not_to_be_checked()

    # First a mistake, undone within the minute: all five marked read.
    bar.get_by_label("Action").select_option("read")
    with htmx_swap(page):
        bar.get_by_test_id("bulk-apply").click()
    notice = page.get_by_test_id("bulk-notice")
    expect(notice).to_contain_text("5 leads marqués comme lus.")
    with htmx_swap(page):
        notice.get_by_test_id("bulk-undo").click()
    expect(page.get_by_test_id("bulk-notice")).to_contain_text(
        "Modification annulée : 5 leads sont revenus comme avant."
    )

    # Then the real change: to Claire, with a reminder two minutes ahead.
    tick(page, chosen[0])
    tick(page, chosen[-1], shift=True)
    bar = page.get_by_test_id("bulk-bar")
    bar.get_by_label("Action").select_option("assign")
    bar.get_by_label("Responsable", exact=True).select_option(label="Claire Martin")
    due = (timezone.now() + timedelta(minutes=2)).astimezone(PARIS)
    bar.get_by_label("Rappel pour cette personne (facultatif)").fill(due.strftime("%Y-%m-%dT%H:%M"))
    browse.screenshot(page, "bulk-bar")
    with htmx_swap(page):
        bar.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-notice")).to_contain_text("5 leads assignés à Claire Martin.")
    for lead_id in chosen:
        expect(page.locator(f'tr[data-lead-id="{lead_id}"]')).to_contain_text("Claire Martin")
    browse.screenshot(page, "bulk-done")
    assert Reminder.objects.filter(person=colleague).count() == 5

    # Two minutes later: the worker's minute sweep tells Claire, on her open page only.
    Reminder.objects.update(due_at=timezone.now())
    assert tasks.reminders_due_minute.call_local() == 5
    toast = theirs.get_by_test_id("reminder-toast").first
    expect(toast).to_be_visible()
    expect(theirs).to_have_title(re.compile(r"^\(5\) Tous les leads"))
    expect(page.get_by_test_id("reminder-toast")).to_have_count(0)
    browse.screenshot(theirs, "told")
    toast.get_by_test_id("reminder-toast-1h").click()
    expect(theirs.get_by_test_id("reminder-toast-result").first).to_contain_text(
        "Rappel reporté au"
    )
    expect(theirs).to_have_title(re.compile(r"^\(4\) Tous les leads"))

    # Claire opens one of them and marks it lost, unreachable.
    lost = chosen[0]
    theirs.goto(f"/lead/{lost}/")
    panel = theirs.get_by_test_id("followup-panel")
    panel.get_by_label("Statut").select_option(label="Perdu")
    panel.get_by_label("Raison de la perte").select_option(label="Injoignable")
    with htmx_swap(theirs):
        panel.get_by_role("button", name="Enregistrer le statut").click()
    expect(theirs.get_by_test_id("followup-saved")).to_contain_text("Perdu")
    row = LeadFollowup.objects.get(agency=paris, lead_id=lost)
    assert (row.status, row.lost_reason.label) == ("perdu", "Injoignable")

    # The manager's funnel and lost reasons count it.
    office = browse(manager, path="/statistiques/", **VIEWPORTS[device])
    reasons = office.get_by_test_id("stat-lost_reasons")
    expect(reasons.locator("tbody tr", has_text="Injoignable").locator("td").first).to_have_text(
        "1"
    )
    funnel = office.get_by_test_id("stat-funnel")
    expect(funnel.locator("tbody tr", has_text="Perdu").locator("td").first).to_have_text("1")
    browse.screenshot(office, "funnel")
