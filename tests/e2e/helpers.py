"""What the journeys read off a page, and what the sandbox says it should show."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from leadsportal.agencies.models import Agency
from leadsportal.dashboard.dates import default_start, start_of_day, today_in_paris
from leadsportal.leads_api import LeadFamily, LeadPage, PageRequest, SearchCriteria, get_client
from tests import fixtures

PASSWORD = fixtures.PASSWORD  # the password of `make_member` users


def criteria(
    start: date | None = None,
    end: date | None = None,
    *,
    classified: int | None = None,
    portal: str | None = None,
) -> SearchCriteria:
    """The API criteria the dashboard sends for these form values (default: the last 7 days)."""
    start = start or default_start()
    end = end or today_in_paris()
    return SearchCriteria(
        start=start_of_day(start),
        end=start_of_day(end + timedelta(days=1)),  # the form's end day is included
        classified_ids=(classified,) if classified else (),
        portals=(portal,) if portal else (),
    )


def expected_page(
    agency: Agency,
    family: LeadFamily = LeadFamily.ALL,
    search: SearchCriteria | None = None,
    *,
    page: int = 1,
    size: int = 20,
) -> LeadPage:
    """The page the sandbox gives for these criteria: GSL's through our own API client; for
    an agency on Seeker Leads, the Seeker sandbox's own rows (tests/fixtures.py), each lead
    then read by id."""
    request = PageRequest(index=page, size=size)
    if agency.is_seeker:
        case = fixtures.UpstreamCase("seeker", agency, agency, None, agency.client_id)
        found = case.expected(family, search or criteria(), request)
        leads = tuple(case.lead(lead_id) for lead_id in found.lead_ids)
        return LeadPage(leads=leads, count=found.count, page=request)
    client = get_client(agency.api_credentials())
    return client.search(family, search or criteria(), request)


def upstream_of(agency: Agency) -> fixtures.UpstreamCase:
    """The agency's upstream as tests/fixtures.py's `upstream` gives it, with its sandbox's
    in-process control object (the live server runs in this process): `add_lead`, `lead`..."""
    if agency.is_seeker:
        from leadsportal.seeker_sandbox.state import state as seeker_state

        return fixtures.UpstreamCase("seeker", agency, agency, seeker_state, agency.client_id)
    from leadsportal.sandbox.state import state

    return fixtures.UpstreamCase("gsl", agency, agency, state, agency.client_id)


def add_lead(
    agency: Agency,
    family: LeadFamily = LeadFamily.CLASSIFIED,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> str:
    """A new lead of the family, arriving now in the agency's sandbox, with this contact
    (each upstream's own shape of a contact request)."""
    contact: dict[str, object] = {}
    for key, value in (("firstName", first_name), ("lastName", last_name), ("email", email)):
        if value is not None:
            contact[key] = value
    if phone is not None:
        verified = "verified" if agency.is_seeker else "isVerified"
        contact["phoneNumbers"] = [{"number": phone, "type": "MOBILE", verified: False}]
    overrides = {"contactRequest": contact} if contact else {}
    return upstream_of(agency).add_lead(family=family, **overrides)


def lead_ids(page: Page) -> list[str]:
    """The leads listed in the table, in order, by the id in their detail link."""
    hrefs = page.locator("#results a.lead-link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [re.search(r"/lead/([^/]+)/", href).group(1) for href in hrefs]  # type: ignore[union-attr]


def ids_of(page: LeadPage) -> list[str]:
    return [lead.lead_id for lead in page.leads]


def number(count: int) -> str:
    """A count as the French page writes it, whatever space separates thousands."""
    return r"[\s\u202f\u00a0]?".join(re.escape(group) for group in f"{count:,}".split(","))


def expect_list(page: Page, expected: LeadPage) -> None:
    """The table shows exactly the expected page: its total, "page N sur M" and its leads."""
    summary = page.get_by_test_id("pagination-summary").first
    expect(summary).to_have_text(re.compile(rf"^\s*{number(expected.count)} leads?\b"))
    if expected.count:
        expect(page.get_by_test_id("page-position").first).to_have_text(
            f"page {expected.page.index} sur {expected.page_count}"
        )
    expect(page.locator("#results a.lead-link")).to_have_count(len(expected.leads))
    assert lead_ids(page) == ids_of(expected)


def page_count(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def marker_survives(page: Page) -> bool:
    """True while the document is the one where `set_marker` ran (no full page load since)."""
    return bool(page.evaluate("() => window.__marker === 1"))


def set_marker(page: Page) -> None:
    page.evaluate("() => { window.__marker = 1; }")


def page_scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"))


@contextmanager
def htmx_swap(page: Page) -> Iterator[None]:
    """Wait, after the block, until htmx has swapped and settled new content (no full load).

    A full page load instead of a swap loses the flag and makes this wait fail.
    """
    page.evaluate(
        """() => {
            window.__settled = false;
            document.addEventListener("htmx:afterSettle", () => { window.__settled = true; },
                                      {once: true});
        }"""
    )
    yield
    page.wait_for_function("() => window.__settled === true")


def shown_total(page: Page) -> int:
    """The list's total as the page shows it ("1 234 leads · ...")."""
    text = page.get_by_test_id("pagination-summary").first.inner_text()
    match = re.match(r"\s*([\d\s\u202f\u00a0]+?)\s*leads?\b", text)
    assert match, f"no total in {text!r}"
    return int(re.sub(r"\D", "", match.group(1)))


def all_ids(
    agency: Agency, family: LeadFamily = LeadFamily.ALL, search: SearchCriteria | None = None
) -> list[str]:
    """Every lead of the list, over all its pages, as the sandbox gives them."""
    ids: list[str] = []
    index = 1
    while True:
        page = expected_page(agency, family, search, page=index, size=100)
        ids.extend(ids_of(page))
        if index >= page.page_count:
            return ids
        index += 1


def overflowing_elements(page: Page) -> list[str]:
    """Visible elements that stick out of the viewport sideways.

    Content of a box that scrolls or clips on its own (the table's .table-scroll, the tabs) is
    left out, the box itself is not; so are the skip link and visually hidden labels, which are
    off-screen on purpose.
    """
    return list(
        page.evaluate(
            """() => {
                const width = window.innerWidth;
                const name = el => el.tagName.toLowerCase()
                    + (el.id ? "#" + el.id : "")
                    + [...el.classList].map(c => "." + c).join("");
                const insideOwnBox = el => {
                    for (let box = el.parentElement; box && box !== document.body;
                         box = box.parentElement) {
                        if (getComputedStyle(box).overflowX !== "visible") return true;
                    }
                    return false;
                };
                return [...document.querySelectorAll("body *")]
                    .filter(el => !el.closest(".visually-hidden, .skip-link"))
                    .filter(el => !insideOwnBox(el))
                    .filter(el => {
                        const box = el.getBoundingClientRect();
                        return box.width > 0 && box.height > 0
                            && (box.right > width + 1 || box.left < -1);
                    })
                    .map(el => name(el) + " " + JSON.stringify(el.getBoundingClientRect()));
            }"""
        )
    )


# The three sizes issue 14's journeys run at: two desktops and a phone.
SIZES = {
    "1440x900": {"viewport": {"width": 1440, "height": 900}},
    "1280x800": {"viewport": {"width": 1280, "height": 800}},
    "390x844": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def show_filters(page: Page) -> None:
    """Unfold the list's filters where they fold (a phone's "Filtres" button)."""
    toggle = page.get_by_test_id("filters-toggle")
    if toggle.count() and toggle.first.is_visible():
        fold = page.get_by_test_id("filters-fold")
        if fold.get_attribute("open") is None:
            toggle.first.click()
            expect(fold).to_have_attribute("open", "")
