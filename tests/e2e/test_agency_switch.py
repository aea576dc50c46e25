"""Journey 5: a member of two agencies switches agency and sees only the other agency's leads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from leadsportal.leads_api import LeadFamily
from tests.e2e.helpers import SIZES, expect_list, expected_page, ids_of, lead_ids, show_filters

pytestmark = pytest.mark.browser


def test_it_switches_agency_and_lists_only_the_other_agencys_leads(
    browse, paris, lyon, make_member
):
    user = make_member("agent.both", (paris, "agent"), (lyon, "manager"))
    paris_leads, lyon_leads = expected_page(paris), expected_page(lyon)
    assert paris_leads.leads and lyon_leads.leads
    assert not set(ids_of(paris_leads)) & set(ids_of(lyon_leads))

    # The first agency by name is the current one at first.
    page = browse(user, path="/leads/")
    switcher = page.get_by_label("Agence courante", exact=True)
    expect(switcher).to_have_value(str(lyon.pk))
    expect(page.locator(".site-header .badge")).to_have_text("Responsable")
    expect_list(page, lyon_leads)

    # Choosing the other agency is enough: the form sends itself (the button is hidden).
    expect(page.get_by_role("button", name="Changer d'agence")).to_have_class(
        re.compile(r"\bvisually-hidden\b")
    )
    with page.expect_navigation():
        switcher.select_option(str(paris.pk))
    expect(page).to_have_url(re.compile(r"/leads/$"))
    expect(page.get_by_role("status")).to_contain_text("Agence courante : Agence Paris Démo.")
    expect(page.get_by_label("Agence courante", exact=True)).to_have_value(str(paris.pk))
    expect(page.locator(".site-header .badge")).to_have_text("Agent")
    expect_list(page, paris_leads)
    assert not set(lead_ids(page)) & set(ids_of(lyon_leads))

    # The choice sticks for the session: another tab of the dashboard is still Paris's.
    page.goto("/leads/annonces/")
    expect(page.get_by_label("Agence courante", exact=True)).to_have_value(str(paris.pk))
    expect_list(page, expected_page(paris, LeadFamily.CLASSIFIED))


@pytest.mark.parametrize("size", SIZES)
def test_two_tabs_never_mix_agencies(browse, paris, lyon, make_member, size):
    """Journey (issue 14): one person, two tabs; switching agency in one, then acting in the
    other reloads that one under the new agency, never another agency's rows under its header."""
    user = make_member("agent.both", (paris, "agent"), (lyon, "manager"))
    first = browse(user, path="/leads/", **SIZES[size])
    context = first.context
    second = context.new_page()
    second.goto("/leads/")
    for tab in (first, second):
        expect(tab.get_by_label("Agence courante", exact=True)).to_have_value(str(lyon.pk))

    with first.expect_navigation():
        first.get_by_label("Agence courante", exact=True).select_option(str(paris.pk))
    expect(first.get_by_label("Agence courante", exact=True)).to_have_value(str(paris.pk))

    # The other tab still says Lyon; its next filter change must not bring Paris rows into it.
    portal = expected_page(paris).leads[0].meta.portal
    show_filters(second)
    with second.expect_navigation():
        second.get_by_label("Portail", exact=True).select_option(portal)
    expect(second.get_by_label("Agence courante", exact=True)).to_have_value(str(paris.pk))
    expect(second.get_by_role("status")).to_contain_text(
        "Vous avez changé d'agence dans un autre onglet"
    )
    expect_list(second, expected_page(paris))
    assert not set(lead_ids(second)) & set(ids_of(expected_page(lyon)))
    browse.screenshot(second, "after-reload")
