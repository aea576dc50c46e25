"""Real time on AVIV Seeker Leads (issue 16): a lead arrives upstream, the Seeker sandbox calls
the agency's webhook on the live server, the receiver queues a poll of the agency, the worker
runs it, and the agent's open list shows the toast: no waiting for the regular polling."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY
from playwright.sync_api import expect

from leadsportal.agencies.webhooks import webhook_register
from leadsportal.watch.poll import agency_poll

pytestmark = pytest.mark.browser

BORDEAUX = "agence-bordeaux-demo"


def test_a_call_tracked_upstream_reaches_the_open_list_through_the_webhook(
    browse, bordeaux, live_server, seeker_state, make_member
):
    HUEY.flush()
    agent = make_member("agent.bordeaux", (bordeaux, "agent"))
    webhook_register(agency=bordeaux, public_url=live_server.url)
    agency_poll(agency=bordeaux)  # the watcher is running: its baseline
    page = browse(agent, path="/leads/appels/")
    expect(page.get_by_role("link", name="Appels", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    title = page.title()
    page.wait_for_load_state("networkidle")

    seeker_state.add_lead(
        BORDEAUX, "CALL_TRACKING", contactRequest={"firstName": "Gaspard", "lastName": "Lenoir"}
    )
    assert seeker_state.join_deliveries()
    # The receiver answered and queued the poll; a worker picks it up.
    [task] = HUEY.pending()
    assert task.name == "watch_poll_now"
    HUEY.execute(HUEY.dequeue())

    expect(page).to_have_title(f"(1) {title}")
    toast = page.get_by_test_id("live-toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("Nouveau lead")
    expect(toast).to_contain_text("Appel")
    expect(toast).not_to_contain_text("Gaspard")
    browse.screenshot(page, "toast")
    HUEY.flush()
