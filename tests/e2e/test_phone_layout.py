"""Journey 8: on a phone (390×844), in the car (issue 14).

One card per lead with big call and e-mail buttons, a lead visible on the first screen after
login, the filters folded behind "Filtres (n)", tabs and views that show there are more; and
nothing scrolls the page sideways, the list nor a lead.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from leadsportal.agencies.models import Membership
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.records import followup_assignee_set, followup_from_lead
from leadsportal.leads_api import LeadFamily, get_client
from tests.e2e.helpers import (
    PASSWORD,
    expect_list,
    expected_page,
    htmx_swap,
    overflowing_elements,
    page_scrolls_sideways,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
PHONE_HEIGHT = 844
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# The smallest comfortable touch target (Apple's and Google's guidelines, WCAG 2.5.5).
TOUCH = 44
CONTACT = {
    "firstName": "Jean-Baptiste",
    "lastName": "Lefèvre-Duval",
    "email": "jean-baptiste.lefevre-duval@courriel.example",
    "phoneNumbers": [{"number": "06.45.78.12.90", "type": "MOBILE", "isVerified": True}],
}


def fits_across(element: Locator) -> bool:
    """Visible, and as wide as the phone's screen at most, without sideways scrolling."""
    expect(element).to_be_visible()
    box = element.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH


def in_first_screen(element: Locator) -> bool:
    """Whole within the first screen, before any scrolling."""
    box = element.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT


def tappable(page: Page, element: Locator) -> bool:
    """At least 44×44 px, and what a finger on its middle touches (nothing covers it)."""
    box = element.bounding_box()
    assert box is not None
    big_enough = box["width"] >= TOUCH and box["height"] >= TOUCH
    on_top = element.evaluate(
        """(el) => {
            const box = el.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return hit !== null && el.contains(hit);
        }"""
    )
    return big_enough and bool(on_top)


def fade(row: Locator) -> tuple[str, str]:
    """The widths of the fade on a row's left and right edges ("0px": none), from its mask."""
    mask = row.evaluate("el => getComputedStyle(el).maskImage")
    stops = re.findall(r"rgb\(0, 0, 0\) ([^,)]+(?:\([^)]*\))?)", mask)
    assert len(stops) == 2, mask
    start, end = stops
    return start, "0px" if end == "100%" else re.sub(r"calc\(100% - (.+)\)", r"\1", end)


@pytest.fixture
def agent_in_the_car(paris, sandbox, make_member):  # type: ignore[no-untyped-def]
    """An agent, and the newest lead of the list: new for them, a contact already known,
    assigned to them and still waiting for an answer."""
    agent = make_member("agent.paris", (paris, "agent"))
    agent.first_name, agent.last_name = "Camille", "Roux"
    agent.save()
    client_id = paris.client_id
    now = timezone.now()
    sandbox.add_lead(
        client_id,
        lead_type="SELLER",
        contactRequest=CONTACT,
        creation_date=now - timedelta(minutes=30),
    )
    lead_id = sandbox.add_lead(client_id, lead_type="CLASSIFIED", contactRequest=CONTACT)
    contacts_index_period(agency=paris, start=now - timedelta(days=1), end=now + timedelta(hours=1))
    lead = get_client(paris.api_credentials()).get_lead(lead_id)
    followup_assignee_set(
        followup=followup_from_lead(agency=paris, lead=lead), actor=None, assignee=agent
    )
    return agent, lead


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/leads/$"))


def test_after_login_the_first_screen_shows_a_lead_and_its_call_button(
    browse, paris, agent_in_the_car
):
    agent, lead = agent_in_the_car
    page = browse(**PHONE)
    log_in(page, agent.username)

    card = page.locator("#results tbody tr").first
    expect(card).to_have_attribute("data-lead-id", lead.lead_id)
    assert in_first_screen(card.locator("a.lead-link"))
    call = card.get_by_test_id("call-link")
    expect(call).to_have_attribute("href", "tel:+33645781290")
    expect(call).to_contain_text("06 45 78 12 90")
    assert in_first_screen(call)
    assert tappable(page, call)
    mail = card.get_by_test_id("mail-link")
    expect(mail).to_have_attribute("href", f"mailto:{CONTACT['email']}")
    assert tappable(page, mail)
    browse.screenshot(page, "first-screen")

    # The card: name, family, time, listing, portal, badges, follow-up, all within it.
    assert lead.classified is not None
    expect(card.locator(".col-contact")).to_contain_text("Jean-Baptiste Lefèvre-Duval")
    expect(card.get_by_text("Annonce", exact=True)).to_be_visible()
    created = lead.meta.creation_date.astimezone(timezone.get_default_timezone())
    expect(card.locator(".col-date")).to_contain_text(created.strftime("%H:%M"))
    expect(card.locator(".col-subject")).to_contain_text(lead.classified.reference or "")
    expect(card.get_by_test_id("unread-badge")).to_have_text("Non lu")
    expect(card.get_by_test_id("known-contact")).to_be_visible()
    expect(card.get_by_test_id("assignee")).to_have_text("Camille Roux")
    expect(card.get_by_test_id("waiting")).to_be_visible()
    card_box = card.bounding_box()
    assert card_box is not None and card_box["x"] >= 0
    assert card_box["x"] + card_box["width"] <= PHONE_WIDTH
    for cell in card.locator("td").all():
        if cell.is_visible():
            assert fits_across(cell)
    # The column headers are still there for screen readers, out of sight.
    expect(page.locator("#results thead th").first).to_be_attached()
    expect(page.get_by_role("columnheader", name="Téléphone")).to_have_count(1)
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []


def test_the_filters_fold_behind_a_button_that_counts_them(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **PHONE)
    toggle = page.get_by_test_id("filters-toggle")
    expect(toggle).to_have_text(re.compile(r"^\s*Filtres\s*$"))
    assert in_first_screen(toggle) and tappable(page, toggle)
    portal = page.get_by_label("Portail", exact=True)
    expect(portal).to_be_hidden()
    browse.screenshot(page, "folded")

    toggle.click()
    expect(portal).to_be_visible()
    with htmx_swap(page):
        portal.select_option("SLG-FRA")
    expect(toggle).to_have_text(re.compile(r"Filtres\s*\(1\)"))
    with htmx_swap(page):
        page.get_by_label("Lecture", exact=True).select_option("1")
    expect(toggle).to_have_text(re.compile(r"Filtres\s*\(2\)"))
    expect(page).to_have_url(re.compile(r"portal=SLG-FRA.*unread=1|unread=1.*portal=SLG-FRA"))
    browse.screenshot(page, "two-filters")

    # The count is the page's own, not only the script's: after a reload too, folded again.
    page.reload()
    expect(toggle).to_have_text(re.compile(r"Filtres\s*\(2\)"))
    expect(portal).to_be_hidden()
    # Each card fits the screen, and the page does not scroll sideways.
    assert not page_scrolls_sideways(page)


def test_tabs_and_views_show_there_are_more_on_their_overflowing_side(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **PHONE)
    for row in (
        page.locator(".lead-browser .tabs"),
        page.get_by_test_id("views-bar").locator("ul"),
    ):
        assert row.evaluate("el => el.scrollWidth > el.clientWidth"), (
            "the row fits: nothing to hint"
        )
        assert row.evaluate("el => getComputedStyle(el).scrollSnapType").startswith("x")
        start, end = fade(row)
        assert start == "0px" and end != "0px", (start, end)
        row.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        page.wait_for_function("el => el.scrollLeft > 0", arg=row.element_handle())
        start, end = fade(row)
        assert start != "0px" and end == "0px", (start, end)
    for tab in page.locator(".lead-browser .tabs a").all():
        assert tab.bounding_box()["height"] >= TOUCH  # type: ignore[index]
    browse.screenshot(page, "tabs-scrolled")

    # The last tab, opened: it is the one in view, the others before it faded.
    page.goto("/leads/recherches/")
    active = page.locator('.lead-browser .tabs a[aria-current="page"]')
    expect(active).to_be_in_viewport()
    assert fits_across(active)


def test_it_reads_the_list_and_a_lead_on_a_phone(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", **PHONE)
    listed = expected_page(paris)
    expect_list(page, listed)

    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    # One card per lead, none wider than the phone.
    cards = page.locator("#results tbody tr")
    expect(cards).to_have_count(len(listed.leads))
    for card in cards.all()[:5]:
        assert fits_across(card)
    assert fits_across(page.get_by_test_id("pagination-summary").first)
    browse.screenshot(page, "list")

    # The other tabs' cards, each with its family's own values.
    for family, path in (
        (LeadFamily.SELLER, "/leads/vendeurs/"),
        (LeadFamily.PROPERTY_SEARCH, "/leads/recherches/"),
    ):
        page.goto(path)
        expect_list(page, expected_page(paris, family))
        assert not page_scrolls_sideways(page)
        assert overflowing_elements(page) == []
        browse.screenshot(page, family.value.lower())

    # The lead with the longest contact details of the page: the hardest to fit.
    page.goto("/leads/")
    lead = max(
        (lead for lead in listed.leads if not lead.contact.is_erased),
        key=lambda lead: len(lead.contact.email or "") + len(lead.contact.full_name or ""),
    )
    page.locator(f'#results a.lead-link[href^="/lead/{lead.lead_id}/"]').click()
    expect(page).to_have_url(re.compile(rf"/lead/{lead.lead_id}/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    if lead.contact.email:
        assert fits_across(page.get_by_test_id("email-link"))
    for phone in page.get_by_test_id("phone-link").all():
        assert fits_across(phone)


def test_a_listing_page_and_the_search_on_a_phone(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    listed = expected_page(paris, LeadFamily.CLASSIFIED)
    listing = next(lead.classified for lead in listed.leads if lead.classified)
    page = browse(agent, path=f"/annonces/{listing.classified_id}/leads/", **PHONE)
    expect(page.locator("#results tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("filters-toggle")).to_have_text(re.compile(r"^\s*Filtres\s*$"))
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    browse.screenshot(page, "listing")

    page.get_by_test_id("filters-toggle").click()
    page.get_by_label("Portail", exact=True).select_option(listed.leads[0].meta.portal)
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_test_id("filters-toggle")).to_have_text(re.compile(r"Filtres\s*\(1\)"))

    name = next(lead.contact.last_name for lead in listed.leads if lead.contact.last_name)
    page.goto(f"/recherche/?q={name}")
    expect(page.locator("#results tbody tr").first).to_be_visible()
    assert not page_scrolls_sideways(page)
    assert overflowing_elements(page) == []
    browse.screenshot(page, "search")


def test_without_javascript_the_filters_unfold_and_apply(browse, paris, make_member):
    agent = make_member("agent.paris", (paris, "agent"))
    page = browse(agent, path="/leads/", java_script_enabled=False, **PHONE)
    toggle = page.get_by_test_id("filters-toggle")
    portal = page.get_by_label("Portail", exact=True)
    expect(portal).to_be_hidden()
    toggle.click()  # a <details>: no script needed
    portal.select_option("SLG-FRA")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"portal=SLG-FRA"))
    expect(toggle).to_have_text(re.compile(r"Filtres\s*\(1\)"))
    expect(page.locator("#results tbody tr").first).to_be_visible()
    assert not page_scrolls_sideways(page)


def test_a_colleague_s_lead_shows_who_has_it(browse, paris, sandbox, make_member):
    """The follow-up on a card: status, the colleague's name, the waiting clock."""
    agent = make_member("agent.paris", (paris, "agent"))
    colleague = get_user_model().objects.create_user(
        username="colleague", first_name="Marie-Thérèse", last_name="Lefèvre-Duval"
    )
    Membership.objects.create(user=colleague, agency=paris, role="agent")
    lead_id = sandbox.add_lead(paris.client_id, lead_type="PROPERTY_SEARCH", contactRequest=CONTACT)
    lead = get_client(paris.api_credentials()).get_lead(lead_id)
    followup_assignee_set(
        followup=followup_from_lead(agency=paris, lead=lead), actor=None, assignee=colleague
    )
    page = browse(agent, path="/leads/recherches/", **PHONE)
    card = page.locator(f'#results tr[data-lead-id="{lead_id}"]')
    followup = card.locator(".col-followup")
    expect(followup.get_by_test_id("status-badge")).to_be_visible()
    expect(followup.get_by_test_id("assignee")).to_have_text("Marie-Thérèse Lefèvre-Duval")
    expect(followup.get_by_test_id("waiting")).to_be_visible()
    assert fits_across(followup)
    browse.screenshot(page, "followup")
