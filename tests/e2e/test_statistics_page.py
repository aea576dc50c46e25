"""Journey: a manager opens the statistics, reads a chart's table, changes the period and
downloads the table's CSV; on a desktop and on a phone. Without JavaScript the tables are all
there. (The statistics part of issue 13's browser journey.)"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from leadsportal.dashboard.dates import today_in_paris
from leadsportal.dashboard.labels import portal_label
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import LostReason
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
)
from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import overflowing_elements, page_scrolls_sideways
from tests.e2e.test_phone_layout import PHONE
from tests.exports.helpers import all_leads, criteria_for

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1440, "height": 900}}


def indexed_quarter(paris, manager, agent):  # type: ignore[no-untyped-def]
    """The last 90 days indexed (as the backfill does), a few leads answered; the sandbox's
    leads of the last 30 days, the page's default period."""
    today = today_in_paris()
    wide = criteria_for(today - timedelta(days=89), today)
    contacts_index_period(agency=paris, start=wide.start, end=wide.end)
    leads, _count = all_leads(
        paris, LeadFamily.ALL, criteria_for(today - timedelta(days=29), today)
    )
    for lead, (member, minutes) in zip(
        leads, [(agent, 12), (agent, 75), (manager, 30), (agent, None)], strict=False
    ):
        followup = followup_from_lead(agency=paris, lead=lead)
        followup_assignee_set(followup=followup, actor=None, assignee=member)
        if minutes is not None:
            followup_status_set(
                followup=followup,
                actor=manager,
                status="contacte",
                now=lead.meta.creation_date + timedelta(minutes=minutes),
            )
    # One lost after the call: the funnel and the lost reasons count it.
    lost = followup_from_lead(agency=paris, lead=leads[4])
    followup_status_set(followup=lost, actor=manager, status="contacte")
    followup_status_set(
        followup=lost,
        actor=manager,
        status="perdu",
        lost_reason=LostReason.objects.get(agency=paris, label="Injoignable"),
    )
    return leads


def table_counts(page: Page, key: str) -> dict[str, int]:
    rows = page.get_by_test_id(f"stat-{key}").locator("tbody tr")
    result = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        label = row.locator("th").inner_text().strip()
        result[label] = int(re.sub(r"\D", "", row.locator("td").first.inner_text()))
    return result


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_manager_reads_the_statistics_and_downloads_a_table(
    browse, paris, make_member, screen, tmp_path: Path
):
    manager = make_member("manager.paris", (paris, "manager"))
    agent = make_member("agent.paris", (paris, "agent"))
    leads = indexed_quarter(paris, manager, agent)
    options = PHONE if screen == "phone" else DESKTOP

    page = browse(manager, path="/statistiques/", **options)
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    expect(page.get_by_test_id("statistics-summary")).to_contain_text(f"{len(leads)} leads")
    # Every table has its chart, drawn by the vendored Chart.js from the table's own cells.
    expect(page.locator(".stat-chart canvas")).to_have_count(6)
    for canvas in page.locator(".stat-chart canvas").all():
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150

    # The chart of the portals: its table says the sandbox's counts, by name.
    portals = page.get_by_role("region", name="Nombre de leads reçus par portail sur la période")
    expect(portals).to_be_visible()
    expected = Counter(portal_label(lead.meta.portal) for lead in leads)
    assert table_counts(page, "portals") == dict(expected)
    top_portal, top_count = expected.most_common(1)[0]
    first_row = page.get_by_test_id("stat-portals").locator("tbody tr").first
    expect(first_row.locator("th")).to_have_text(top_portal)
    expect(first_row.locator("td").first).to_have_text(re.compile(rf"^{top_count}$"))
    members = page.get_by_test_id("stat-members")
    expect(members.locator("tbody tr", has_text="agent.paris")).to_contain_text("3")
    # The funnel: every lead of the period is new, four were contacted, one of them is lost.
    funnel = table_counts(page, "funnel")
    assert funnel["Nouveau"] == len(leads)
    assert (funnel["Contacté"], funnel["Rendez-vous"], funnel["Perdu"]) == (4, 0, 1)
    assert table_counts(page, "lost_reasons")["Injoignable"] == 1
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    browse.screenshot(page, "month")

    # The table's CSV says the same.
    with page.expect_download() as info:
        page.get_by_test_id("stat-csv-portals-1").click()
    download = info.value
    assert download.failure() is None
    assert re.fullmatch(
        r"statistiques-leads-par-portail_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv",
        download.suggested_filename,
    )
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["Portail", "Leads", "Part (%)"]
    assert {row[0]: int(row[1]) for row in rows[1:-1]} == dict(expected)
    assert rows[-1][:2] == ["Total", str(len(leads))]

    # Three months: counted per week, the shortcut marked as the current period.
    page.get_by_role("link", name="3 derniers mois").click()
    expect(page).to_have_url(re.compile(r"start=\d{4}-\d{2}-\d{2}&end=\d{4}-\d{2}-\d{2}"))
    families = page.get_by_test_id("stat-families")
    expect(families.locator("thead th").first).to_have_text("Semaine du")
    expect(page.get_by_role("link", name="3 derniers mois")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator(".stat-chart canvas")).to_have_count(6)
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    browse.screenshot(page, "quarter")

    # A period too long: a message on the field, no figures.
    today = today_in_paris()
    page.get_by_label("Du", exact=True).fill(today.replace(year=today.year - 2).isoformat())
    page.get_by_label("Au", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("statistics-errors")).to_be_visible()
    expect(page.locator(".field-error")).to_contain_text("La période ne peut pas dépasser 12 mois")
    expect(page.get_by_test_id("stat-families")).to_have_count(0)
    # Chromium logs the page's (intended) 400 status as a console error: that one is expected.
    refused = [p for p in browse.problems if "status of 400" in p and "/statistiques/?" in p]
    assert len(refused) == 1
    browse.problems.remove(refused[0])


def test_without_javascript_every_table_is_there(browse, paris, make_member):
    manager = make_member("manager.paris", (paris, "manager"))
    agent = make_member("agent.paris", (paris, "agent"))
    leads = indexed_quarter(paris, manager, agent)

    page = browse(manager, path="/statistiques/", java_script_enabled=False, **DESKTOP)

    for key in ("families", "portals", "listings", "funnel", "lost_reasons", "members"):
        expect(page.get_by_test_id(f"stat-{key}")).to_be_visible()
    expect(page.locator("canvas")).to_have_count(0)
    expect(page.locator(".stat-chart")).to_have_count(6)
    for chart in page.locator(".stat-chart").all():
        expect(chart).to_be_hidden()
    assert sum(table_counts(page, "portals").values()) == len(leads)
    page.get_by_label("Regrouper").select_option(label="Par semaine")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("stat-families").locator("thead th").first).to_have_text(
        "Semaine du"
    )
