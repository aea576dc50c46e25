"""Journey 4: a manager exports the list on screen; the files hold every lead of the list."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from leadsportal.dashboard.dates import today_in_paris
from tests.e2e.helpers import all_ids, criteria, expect_list, expected_page, htmx_swap, shown_total

pytestmark = pytest.mark.browser

ID_HEADER = "Identifiant du lead"


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


def test_it_exports_the_list_on_screen_as_csv_and_xlsx(browse, paris, make_member):
    manager = make_member("manager.paris", (paris, "manager"))
    today = today_in_paris()
    start = today - timedelta(days=29)
    window = criteria(start, today)
    page = browse(manager, path=f"/leads/?start={start.isoformat()}&end={today.isoformat()}")

    # Narrow the list in place first: the menu must follow the swapped list, not the first one.
    portals = [lead.meta.portal for lead in expected_page(paris, search=window, size=100).leads]
    portal = max(set(portals), key=portals.count)  # the busiest portal: several pages of leads
    with htmx_swap(page):
        page.get_by_label("Portail", exact=True).select_option(portal)
    search = criteria(start, today, portal=portal)
    listed = expected_page(paris, search=search)
    expect_list(page, listed)
    total = shown_total(page)
    assert total == listed.count > 20, "the export spans several pages of the list"
    expected_ids = sorted(all_ids(paris, search=search))

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
