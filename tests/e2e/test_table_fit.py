"""Lead tables that fit wide screens (issue 14).

From 1280 to 1920 px wide, every tab, a listing's page and the search results show all their
columns without scrolling sideways, the follow-up column whole, with the longest values a list
meets (a double-barrelled name, a 70-character e-mail, the longest commune names, a colleague
with a long name in the follow-up, every badge). What is too long for its column wraps, or is
cut and shown whole on hover and on keyboard focus. Below 1280 px the table scrolls in its own
box, which says so. Screenshots of every page, in French and in English, in artifacts/e2e/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from leadsportal.agencies.models import Agency, Membership
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import FollowupStatus
from leadsportal.followup.records import (
    followup_assignee_set,
    followup_from_lead,
    followup_status_set,
)
from leadsportal.leads_api import get_client
from tests.e2e.helpers import page_scrolls_sideways

pytestmark = pytest.mark.browser

SCREENS = {
    "1280": {"width": 1280, "height": 800},
    "1440": {"width": 1440, "height": 900},
    "1920": {"width": 1920, "height": 1080},
}
# Communes of France with the longest names, and a contact the lists find hard to fit.
LONG_CITY = "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson"
OTHER_CITY = "Villeneuve-la-Garenne-sur-Seine"
LONG_EMAIL = "marie-benedicte-eleonore.de-la-rochefoucauld-montmorency@courriel.example"
LONG_CONTACT = {
    "firstName": "Marie-Bénédicte-Éléonore",
    "lastName": "de La Rochefoucauld-Montmorency",
    "email": LONG_EMAIL,
    "phoneNumbers": [{"number": "+33 6 45 78 12 90", "type": "MOBILE", "isVerified": True}],
}
COLLEAGUE = ("Jean-Baptiste-Alexandre", "Lefèvre-Duval de Montaigu")


@dataclass
class LongValues:
    manager: AbstractUser
    listing_id: int
    # The lead of each family with the long values, by lead type.
    leads: dict[str, str]


def add_long_leads(sandbox, agency: Agency) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A lead of each family with the longest values, each the newest of its tab."""
    client_id = agency.client_id
    classified = sandbox.add_lead(
        client_id,
        lead_type="CLASSIFIED",
        classified_id=987654321,
        contactRequest=LONG_CONTACT,
        classified={
            "classifiedId": 987654321,
            "reference": "PAR-2026-987654",
            "title": "Maison de maître avec dépendances",
            "price": 12_450_000,
            "city": LONG_CITY,
            "postalCode": "51300",
        },
    )
    agency_lead = sandbox.add_lead(
        client_id,
        lead_type="AGENCY",
        contactRequest=LONG_CONTACT,
        leadMetaInfos={"intention": "ASK_A_QUESTION"},
    )
    seller = sandbox.add_lead(
        client_id,
        lead_type="SELLER",
        portal="BCM-FRA",  # the longest portal name
        contactRequest=LONG_CONTACT,
        estimation={
            "city": LONG_CITY,
            "estimatedPriceMin": 1_250_000,
            "estimatedPriceMax": 12_480_000,
            "saleTimeframe": "MORE_THAN_6_MONTHS",
        },
    )
    search = sandbox.add_lead(
        client_id,
        lead_type="PROPERTY_SEARCH",
        contactRequest=LONG_CONTACT,
        propertySearch={
            "city": OTHER_CITY,
            "postalCodes": ["92390", "92230", "92600", "92700", "93400"],
            "budgetMin": 1_450_000,
            "budgetMax": 12_500_000,
            "roomsMin": 10,
            "roomsMax": 12,
            "livingAreaMin": 1250.5,
            "livingAreaMax": 2400.5,
        },
    )
    return {
        "CLASSIFIED": str(classified),
        "AGENCY": str(agency_lead),
        "SELLER": str(seller),
        "PROPERTY_SEARCH": str(search),
    }


@pytest.fixture
def long_values(paris, sandbox, make_member) -> LongValues:  # type: ignore[no-untyped-def]
    manager = make_member("manager.paris", (paris, "manager"))
    colleague = get_user_model().objects.create_user(
        username="jb.lefevre", first_name=COLLEAGUE[0], last_name=COLLEAGUE[1]
    )
    Membership.objects.create(user=colleague, agency=paris, role="agent")
    leads = add_long_leads(sandbox, paris)
    # The same contact four times: "Déjà connu" on each of them.
    now = timezone.now()
    contacts_index_period(agency=paris, start=now - timedelta(days=1), end=now + timedelta(hours=1))
    # Followed up by the colleague with the long name: the widest follow-up cell.
    api = get_client(paris.api_credentials())
    for lead_id in leads.values():
        lead = api.get_lead(lead_id)
        followup = followup_from_lead(agency=paris, lead=lead)
        followup_status_set(followup=followup, actor=manager, status=FollowupStatus.CONTACTED)
        followup_assignee_set(followup=followup, actor=manager, assignee=colleague)
    return LongValues(manager=manager, listing_id=987654321, leads=leads)


def pages_to_check(values: LongValues) -> dict[str, str]:
    return {
        "tous": "/leads/",
        "annonces": "/leads/annonces/",
        "agence": "/leads/agence/",
        "vendeurs": "/leads/vendeurs/",
        "recherches": "/leads/recherches/",
        "annonce": f"/annonces/{values.listing_id}/leads/",
        "recherche": f"/recherche/?q={LONG_EMAIL}",
    }


def in_english(page: Page, base_url: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])


def cells_overflowing(box: Locator) -> list[str]:
    """Cells whose content sticks out of them (a cut value's box is its cell's width)."""
    return list(
        box.evaluate(
            """box => [...box.querySelectorAll("th, td")]
                .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
                .map(cell => `${cell.className}: ${cell.textContent.trim()}`)"""
        )
    )


def expect_fits(page: Page) -> None:
    """Every column in view: no sideways scrolling, of the page or of the table's box."""
    box = page.locator("#results .table-scroll")
    expect(box.locator("tbody tr").first).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert box.evaluate("box => box.scrollWidth <= box.clientWidth"), "the table scrolls"
    assert cells_overflowing(box) == []
    width = page.viewport_size["width"]  # type: ignore[index]
    edge = box.bounding_box()
    assert edge is not None and edge["x"] + edge["width"] <= width
    # The follow-up column, whole, inside the box: the last one.
    followup = box.locator("thead th.col-followup")
    header = followup.bounding_box()
    assert header is not None and header["x"] + header["width"] <= edge["x"] + edge["width"]
    for cell in box.locator("tbody td.col-followup").all():
        assert cell.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    # Nothing scrolls, so nothing says it does.
    expect(box.locator(".table-scroll__hint")).to_be_hidden()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_table_fits_from_1280_to_1920_px(browse, live_server, long_values, screen, language):
    page = browse(long_values.manager, viewport=SCREENS[screen])
    if language == "en":
        in_english(page, live_server.url)
    for name, path in pages_to_check(long_values).items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if name == "recherche":
            expect(page.locator("#results a.lead-link")).to_have_count(4)
        expect_fits(page)
        # The long values are on screen, in the first row.
        first = page.locator("#results tbody tr").first
        expect(first.locator("a.lead-link")).to_contain_text("Rochefoucauld-Montmorency")
        expect(first.locator("td.col-followup")).to_contain_text(COLLEAGUE[1])
        browse.screenshot(page, name)


def is_cut(text: Locator) -> bool:
    return bool(text.evaluate("text => text.scrollWidth > text.clientWidth"))


def shows_whole(link: Locator, page: Page) -> bool:
    """The whole address on screen, not cut and inside the table's box."""
    text = link.locator(".truncate")
    box = page.locator("#results .table-scroll").bounding_box()
    shown = link.bounding_box()
    assert box is not None and shown is not None
    return not is_cut(text) and shown["x"] + shown["width"] <= box["x"] + box["width"]


def test_a_cut_e_mail_shows_whole_on_hover_and_on_keyboard_focus(browse, long_values):
    page = browse(long_values.manager, viewport=SCREENS["1280"], path="/leads/recherches/")
    row = page.locator(f'#results tr[data-lead-id="{long_values.leads["PROPERTY_SEARCH"]}"]')
    mail = row.get_by_test_id("mail-link")
    expect(mail).to_have_attribute("href", f"mailto:{LONG_EMAIL}")
    expect(mail).to_have_text(LONG_EMAIL)  # the whole address is there, for screen readers too
    assert is_cut(mail.locator(".truncate"))
    height = row.bounding_box()["height"]  # type: ignore[index]
    browse.screenshot(page, "cut")

    mail.hover()
    assert shows_whole(mail, page)
    assert row.bounding_box()["height"] == height  # type: ignore[index]  # nothing moves
    browse.screenshot(page, "hover")

    page.mouse.move(0, 0)
    assert is_cut(mail.locator(".truncate"))
    # From the phone link, Tab reaches the address: whole while it has the focus.
    row.get_by_test_id("call-link").focus()
    page.keyboard.press("Tab")
    expect(mail).to_be_focused()
    assert shows_whole(mail, page)
    browse.screenshot(page, "focus")
    page.keyboard.press("Tab")
    assert is_cut(mail.locator(".truncate"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_below_1280_px_the_table_scrolls_in_its_box_and_says_so(
    browse, live_server, long_values, language
):
    page = browse(long_values.manager, viewport={"width": 1024, "height": 768})
    if language == "en":
        in_english(page, live_server.url)
    page.goto("/leads/vendeurs/")
    box = page.locator("#results .table-scroll")
    expect(box.locator("tbody tr").first).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    hint = box.locator(".table-scroll__hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("→")
    # Above the rows, not under the twentieth.
    assert hint.bounding_box()["y"] < box.locator("thead").bounding_box()["y"]  # type: ignore[index]
    browse.screenshot(page, "hint")

    # The keyboard scrolls it, and the hint stays in view while it does.
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#results .table-scroll').scrollLeft > 0")
    box.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    # The page itself brings the table's top into view (the bars above it may push it below the
    # fold at 768 px high); the box keeps its own sideways scroll.
    page.evaluate(
        "() => window.scrollBy(0, document.querySelector('#results .table-scroll')"
        ".getBoundingClientRect().top - 8)"
    )
    expect(box.locator("thead th.col-followup")).to_be_in_viewport()
    expect(hint).to_be_in_viewport()
    browse.screenshot(page, "scrolled")

    # A table that fits at this width (fewer columns) says nothing.
    page.goto("/leads/agence/")
    expect(page.locator("#results tbody tr").first).to_be_visible()
    if page.locator("#results .table-scroll").evaluate("b => b.scrollWidth <= b.clientWidth"):
        expect(page.locator("#results .table-scroll__hint")).to_be_hidden()
