"""Real time on AVIV Seeker Leads (issue 16): a lead arrives upstream, the Seeker sandbox calls
the agency's webhook on the live server, the receiver queues a poll of the agency, the worker
runs it, and the agent's open list shows the toast: no waiting for the regular polling."""

from __future__ import annotations

import re

import pytest
from huey.contrib.djhuey import HUEY
from playwright.sync_api import expect

from leadsportal.agencies.webhooks import webhook_register
from leadsportal.watch.poll import agency_poll
from tests.e2e.helpers import htmx_swap, lead_ids

pytestmark = pytest.mark.browser

BORDEAUX = "agence-bordeaux-demo"


def test_a_call_tracked_upstream_reaches_the_open_list_through_the_webhook(
    browse, bordeaux, live_server, seeker_state, make_member
):
    HUEY.flush()
    agent = make_member("agent.bordeaux", (bordeaux, "agent"))
    registration = webhook_register(agency=bordeaux, public_url=live_server.url)
    agency_poll(agency=bordeaux)  # the watcher is running: its baseline
    page = browse(agent, path="/leads/appels/")
    expect(page.get_by_role("link", name="Appels", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    title = page.title()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("live-toast")).to_have_count(0)
    listed_before = lead_ids(page)

    lead_id = seeker_state.add_lead(
        BORDEAUX, "CALL_TRACKING", contactRequest={"firstName": "Gaspard", "lastName": "Lenoir"}
    )
    assert seeker_state.join_deliveries()
    # The sandbox called the agency's webhook on the live server, which answered 200...
    [delivery] = seeker_state.audit(registration.subscription_id, 10)["recentEvents"]
    assert (delivery["leadId"], delivery["httpStatus"]) == (lead_id, 200)
    # ...and queued a poll of the agency, with no poll in the request; a worker picks it up.
    expect(page.get_by_test_id("live-toast")).to_have_count(0)
    [task] = HUEY.pending()
    assert task.name == "watch_poll_now"
    HUEY.execute(HUEY.dequeue())

    expect(page).to_have_title(f"(1) {title}")
    toast = page.get_by_test_id("live-toast")
    expect(toast).to_have_count(1)
    expect(toast).to_have_attribute("data-lead", lead_id)
    expect(toast).to_contain_text("Nouveau lead")
    expect(toast).to_contain_text("Appel")
    expect(toast).not_to_contain_text("Gaspard")
    # The open list of calls announces it too; shown, the list has it on top (the window of
    # the feed the list was cut from is read again).
    banner = page.get_by_test_id("new-leads-banner")
    expect(banner).to_contain_text("1 nouveau lead")
    browse.screenshot(page, "toast")
    with htmx_swap(page):
        banner.get_by_role("link", name="Afficher").click()
    expect(page.locator("#results a.lead-link").first).to_have_attribute(
        "href", re.compile(rf"^/lead/{lead_id}/")
    )
    listed = lead_ids(page)
    assert listed == [lead_id, *listed_before][: len(listed)]

    # "Voir" opens the call's page.
    toast.get_by_test_id("live-toast-open").click()
    expect(page).to_have_url(re.compile(rf"/lead/{lead_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaspard Lenoir")
    HUEY.flush()
