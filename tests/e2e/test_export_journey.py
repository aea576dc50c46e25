"""Journey 4: a manager exports the list on screen; the files hold every lead of the list, and a
long list's file is prepared in the background, followed on its page, then downloaded. For an
agency on each upstream (GSL v2, AVIV Seeker Leads v1)."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from leadsportal.dashboard.dates import today_in_paris
from tests.e2e.helpers import (
    all_ids,
    criteria,
    expect_list,
    expected_page,
    htmx_swap,
    number,
    shown_total,
    upstream_of,
)
from tests.exports.worker import export_worker

pytestmark = pytest.mark.browser

ID_HEADER = "Identifiant du lead"
AXE = Axe()
# How an agency's name reads in its files' names.
AGENCY_IN_FILE_NAME = {
    "Agence Paris Démo": "agence-paris-demo",
    "Agence Bordeaux Démo": "agence-bordeaux-demo",
}


def download(page: Page, label: str) -> tuple[str, Path]:
    """Open the Export menu, click a format, return the file's suggested name and its path."""
    menu = page.get_by_test_id("export-menu")
    if menu.get_attribute("open") is None:  # still open after the previous download
        menu.locator("summary").click()
    with page.expect_download() as info:
        page.get_by_role("link", name=label, exact=True).click()
    file = info.value
    assert file.failure() is None
    return file.suggested_filename, Path(file.path())


def csv_rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_it_exports_the_list_on_screen_as_csv_and_xlsx(browse, upstream_agency, make_member):
    agency = upstream_agency
    manager = make_member("manager", (agency, "manager"))
    today = today_in_paris()
    start = today - timedelta(days=29)
    window = criteria(start, today)
    page = browse(manager, path=f"/leads/?start={start.isoformat()}&end={today.isoformat()}")

    # Narrow the list in place first: the menu must follow the swapped list, not the first one.
    portals = [lead.meta.portal for lead in expected_page(agency, search=window, size=100).leads]
    portal = max(set(portals), key=portals.count)  # the busiest portal: several pages of leads
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option(portal)
    search = criteria(start, today, portal=portal)
    listed = expected_page(agency, search=search)
    expect_list(page, listed)
    total = shown_total(page)
    assert total == listed.count > 20, "the export spans several pages of the list"
    expected_ids = sorted(all_ids(agency, search=search))

    name, path = download(page, "CSV (Excel FR)")
    assert name.endswith(".csv")
    assert path.read_bytes().startswith("\ufeff".encode())  # Excel needs the BOM for UTF-8
    rows = csv_rows(path, ";")
    assert len(rows) == total
    assert sorted(row[ID_HEADER] for row in rows) == expected_ids

    name, path = download(page, "CSV (standard)")
    assert name.endswith(".csv")
    rows = csv_rows(path, ",")
    assert len(rows) == total
    assert sorted(row[ID_HEADER] for row in rows) == expected_ids

    name, path = download(page, "Excel (.xlsx)")
    assert name.endswith(".xlsx")
    workbook = load_workbook(BytesIO(path.read_bytes()), read_only=True)  # the path has no .xlsx
    assert len(workbook.worksheets) == 1, "a complete export has no warning sheet"
    sheet_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header, body = sheet_rows[0], [row for row in sheet_rows[1:] if any(row)]
    assert len(body) == total
    column = header.index(ID_HEADER)
    assert sorted(str(row[column]) for row in body) == expected_ids

    # Still the same list on screen after three downloads.
    expect(page).to_have_url(re.compile(rf"portal={portal}\b"))
    expect_list(page, listed)


def test_a_long_list_is_prepared_in_the_background_then_downloaded(
    browse, upstream_agency, make_member, tmp_path
):
    """More than 1,000 leads: the click leads to a progress page fed by a real worker process;
    the file it offers holds every lead of the list."""
    agency = upstream_agency
    manager = make_member("manager", (agency, "manager"))
    today = today_in_paris()
    start = today - timedelta(days=90)
    expected_ids = all_ids(agency, search=criteria(start, today))
    assert len(expected_ids) > 1000
    with export_worker(tmp_path):
        page = browse(
            manager,
            path=f"/leads/?start={start.isoformat()}&end={today.isoformat()}",
            viewport={"width": 1440, "height": 900},
        )
        page.get_by_test_id("export-menu").locator("summary").click()
        expect(page.get_by_test_id("export-background-note")).to_contain_text("arrière-plan")
        # A few seconds of work: the bar is seen moving.
        upstream_of(agency).sandbox.configure(latency_ms=500)
        page.get_by_role("link", name="CSV (Excel FR)", exact=True).click()

        expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Export de leads")
        bar = page.get_by_test_id("export-bar")
        expect(bar).to_be_visible()
        assert int(bar.get_attribute("max") or 0) == len(expected_ids)
        # The worker has written a page (the bar is filling, or full if it was quick).
        page.wait_for_function(
            "() => Number(document.querySelector('[data-testid=export-bar]').value) > 0",
            timeout=60_000,
        )
        browse.screenshot(page, "progress-1440")
        # The same page on a phone, in English.
        phone = browse(
            manager,
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
        )
        phone.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": browse.base_url}]
        )
        phone.goto(page.url)
        expect(phone.locator("html")).to_have_attribute("lang", "en")
        expect(phone.get_by_test_id("export-bar")).to_be_visible()
        browse.screenshot(phone, "progress-390-en")
        # Without JavaScript, the page refreshes itself until the file is there.
        plain = browse(
            manager, path=page.url.removeprefix(browse.base_url), java_script_enabled=False
        )

        # htmx swaps the progress in place until the file is offered.
        download_link = page.get_by_test_id("export-download")
        expect(download_link).to_be_visible(timeout=90_000)
        total = number(len(expected_ids))
        expect(page.get_by_test_id("export-counts")).to_contain_text(
            re.compile(f"{total} leads sur {total}")
        )
        assert page.get_by_test_id("export-progress").get_attribute("hx-trigger") is None
        with page.expect_download() as info:
            download_link.click()
        file = info.value
        assert file.failure() is None
        agency_in_name = AGENCY_IN_FILE_NAME[agency.name]
        assert re.fullmatch(rf"leads-{agency_in_name}-tous-[\d-]+\.csv", file.suggested_filename)
        rows = csv_rows(Path(file.path()), ";")
        assert [row[ID_HEADER] for row in rows] == expected_ids
        expect(phone.get_by_test_id("export-download")).to_be_visible(timeout=30_000)
        expect(plain.get_by_test_id("export-download")).to_be_visible(timeout=30_000)
        browse.screenshot(page, "ready-1440")
        browse.screenshot(phone, "ready-390-en")
        for shown in (page, phone):
            assert AXE.run(shown).response["violations"] == []
