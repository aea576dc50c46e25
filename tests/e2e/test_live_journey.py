"""Real time: an agent reading a lead's detail learns of a new lead (title count, toast, no
contact name), claims it from the toast; the manager sees who has it. For an agency on each
upstream (GSL v2, AVIV Seeker Leads v1), the watcher's poll called by the test (the webhook's
way on Seeker is tests/e2e/test_live_webhook.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from leadsportal.agencies.models import Agency
from leadsportal.leads_api import LeadFamily
from leadsportal.watch.poll import agency_poll
from tests.e2e.helpers import add_lead, upstream_of

pytestmark = pytest.mark.browser


def test_an_agent_on_a_lead_page_is_told_of_a_new_lead_and_claims_it(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    agency.assignment_rule = Agency.AssignmentRule.FIRST_TO_CLAIM
    agency.save()
    agent = make_member("camille", (agency, "agent"))
    manager = make_member("dominique", (agency, "manager"))
    agency_poll(agency=agency)  # the watcher is running
    reading = add_lead(agency, LeadFamily.SELLER)
    agency_poll(agency=agency)

    page = browse(agent)
    page.goto(f"/lead/{reading}/")
    title = page.title()
    page.wait_for_load_state("networkidle")

    new = add_lead(agency, LeadFamily.CLASSIFIED, first_name="Hélène", last_name="Marchand")
    listing = upstream_of(agency).lead(new).classified
    agency_poll(agency=agency)
    expect(page).to_have_title(f"(1) {title}")
    toast = page.get_by_test_id("live-toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("Nouveau lead")
    expect(toast).to_contain_text("Annonce")
    assert listing is not None
    if listing.reference:  # the reference the lists show (on Seeker: the agency's own)
        expect(toast).to_contain_text(f"réf. {listing.reference}")
    else:
        expect(toast).not_to_contain_text("réf.")
    expect(toast).not_to_contain_text("Hélène")
    expect(toast).not_to_contain_text("Marchand")
    browse.screenshot(page, "toast")

    toast.get_by_test_id("live-toast-claim").click()
    expect(toast.get_by_test_id("claim-result")).to_have_text("Ce lead est à vous.")

    boss = browse(manager)
    boss.goto(f"/lead/{new}/")
    expect(boss.get_by_test_id("followup-panel")).to_contain_text("camille")
    expect(boss.get_by_test_id("followup-panel")).to_contain_text("assigné à camille")

    toast.get_by_test_id("live-toast-open").click()
    expect(page).to_have_url(f"/lead/{new}/")
    expect(page.get_by_test_id("waiting")).to_contain_text("en attente depuis")
    assert not page.title().startswith("(")


def test_a_colleague_claim_disables_the_button_on_the_other_pages(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    agency.assignment_rule = Agency.AssignmentRule.FIRST_TO_CLAIM
    agency.save()
    alice = make_member("alice", (agency, "agent"))
    bruno = make_member("bruno", (agency, "agent"))
    agency_poll(agency=agency)
    pages = [browse(alice, path="/leads/"), browse(bruno, path="/leads/")]
    for page in pages:
        page.wait_for_load_state("networkidle")
    add_lead(agency)
    agency_poll(agency=agency)
    for page in pages:
        expect(page.get_by_test_id("live-toast-claim")).to_be_visible()
    pages[0].get_by_test_id("live-toast-claim").click()
    expect(pages[0].get_by_test_id("claim-result")).to_have_text("Ce lead est à vous.")
    expect(pages[1].get_by_test_id("live-toast-claim")).to_have_count(0)
    expect(pages[1].get_by_test_id("live-toast")).to_contain_text("Pris par alice")


def test_eight_tabs_of_one_browser_all_learn_of_the_lead_and_stay_usable(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    """Over HTTP/1.1 a browser opens six connections to a host: one tab reads the stream and
    shares it with the others, so the seventh and eighth tabs still load and still hear."""
    agent = make_member("camille", (agency, "agent"))
    agency_poll(agency=agency)
    first = browse(agent, path="/leads/")
    tabs = [first]
    for path in ["/leads/vendeurs/", "/leads/annonces/", "/leads/agence/"] * 2 + ["/leads/"]:
        tab = first.context.new_page()
        tab.goto(path)
        tabs.append(tab)
    assert len(tabs) == 8
    for tab in tabs:
        tab.wait_for_load_state("networkidle")
    add_lead(agency, LeadFamily.SELLER)
    agency_poll(agency=agency)
    for tab in tabs:
        expect(tab.get_by_test_id("live-toast")).to_have_count(1)
        assert tab.title().startswith("(1) ")
    # The last tab still navigates: the stream holds one connection, not eight.
    tabs[-1].goto("/leads/recherches/")
    expect(tabs[-1]).to_have_title("Recherches de biens — leadsportal")


FAKE_NOTIFICATIONS = """
window.__notifications = [];
window.__asked = 0;
class FakeNotification {
  constructor(title, options) { window.__notifications.push({title, body: options.body}); }
  static requestPermission() {
    window.__asked += 1;
    FakeNotification.permission = "granted";
    return Promise.resolve("granted");
  }
}
FakeNotification.permission = "default";
window.Notification = FakeNotification;
"""


def test_desktop_notifications_are_asked_for_by_a_button_and_name_nobody(
    browse, upstream_agency, make_member
):
    agency = upstream_agency
    agent = make_member("camille", (agency, "agent"))
    agency_poll(agency=agency)
    page = browse(agent)
    page.add_init_script(FAKE_NOTIFICATIONS)
    page.goto("/leads/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__asked") == 0  # no permission prompt on load
    button = page.get_by_role("button", name="Activer les notifications")
    button.click()
    expect(page.get_by_role("button", name="Notifications activées")).to_be_visible()
    assert page.evaluate("window.__asked") == 1

    # The person is in another window: the lead arrives as a desktop notification.
    page.evaluate("document.hasFocus = () => false")
    add_lead(agency, LeadFamily.SELLER, first_name="Zoé", last_name="Garnier")
    agency_poll(agency=agency)
    expect(page.get_by_test_id("live-toast")).to_have_count(1)
    notifications = page.evaluate("window.__notifications")
    assert notifications and notifications[0]["title"] == "Nouveau lead"
    assert "Vendeur" in notifications[0]["body"]
    assert "Zoé" not in str(notifications) and "Garnier" not in str(notifications)
