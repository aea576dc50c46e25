"""Listings by the reference every list shows: in the listing filter, with suggestions, on
both upstreams (the `upstream` fixture of tests/fixtures.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import AgencyLead


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def index_last_days(agency) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    contacts_index_period(
        agency=agency, start=now - timedelta(days=6), end=now + timedelta(hours=1)
    )


@pytest.fixture
def listing(upstream) -> AgencyLead:  # type: ignore[no-untyped-def]
    """A listing of the agency with leads in the last days, as the index knows it."""
    index_last_days(upstream.agency)
    row = (
        AgencyLead.objects.filter(
            agency=upstream.agency, lead_created_at__gte=timezone.now() - timedelta(days=6)
        )
        .exclude(classified_reference="")
        .order_by("-lead_created_at")
        .first()
    )
    assert row is not None
    return row


def number_shown(upstream, listing: AgencyLead) -> str:  # type: ignore[no-untyped-def]
    """The listing's number as the lead's page writes it ("n° …"): the portal's own."""
    classified = upstream.lead(listing.lead_id).classified
    assert classified is not None and classified.classified_id == listing.classified_id
    return classified.number_label


def test_the_listing_filter_takes_the_reference_as_the_lists_show_it(agent, listing):
    typed = listing.classified_reference.lower()
    response = agent.client.get("/leads/annonces/", {"classified": typed})
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<tr[^>]*data-lead-id="[^"]+"[^>]*>.*?</tr>', html, flags=re.DOTALL)
    assert rows
    assert all(f"/annonces/{listing.classified_id}/leads/" in row for row in rows)
    # The field keeps what was typed, and so do the list's links.
    assert f'value="{typed}"' in html
    assert f"classified={typed}" in unescape(html)


def test_the_number_still_works(agent, upstream, listing):
    response = agent.client.get("/leads/annonces/", {"classified": number_shown(upstream, listing)})
    assert response.status_code == 200
    assert f"/annonces/{listing.classified_id}/leads/" in response.content.decode()


def test_an_unknown_reference_marks_the_field_and_says_why(agent, upstream, listing):
    calls = upstream.api_calls()
    response = agent.client.get("/leads/", {"classified": "ZZZ-0000-0000"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Aucune annonce de l'agence n'a la référence « ZZZ-0000-0000 »" in html
    field = html.split('for="id_classified"', 1)[0].rsplit('<div class="field', 1)[1]
    assert field.startswith(" field--error")
    assert upstream.api_calls() == calls


def test_suggestions_name_reference_title_and_count(agent, upstream, listing):
    # All but its last character: a part that few listings share (at most 10 of the agency's
    # references, within the 12 suggestions), whatever the day's seed.
    prefix = listing.classified_reference[:-1]
    html = agent.client.get("/annonces/suggestions/", {"classified": prefix}).content.decode()
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', unescape(html))
    assert options
    values = [value for value, _label in options]
    assert listing.classified_reference in values
    label = dict(options)[listing.classified_reference]
    count = AgencyLead.objects.filter(
        agency=upstream.agency, classified_id=listing.classified_id
    ).count()
    assert f"n° {number_shown(upstream, listing)} · {count} lead" in label
    if listing.classified_title:
        assert listing.classified_title in label
    # Typing the number as it is shown suggests the listing too.
    typed = number_shown(upstream, listing).lower()
    html = agent.client.get("/annonces/suggestions/", {"classified": typed}).content.decode()
    assert f'<option value="{listing.classified_reference}">' in unescape(html)


def test_with_nothing_typed_the_busiest_listings_come_first(agent, listing):
    html = unescape(agent.client.get("/annonces/suggestions/").content.decode())
    counts = [int(n) for n in re.findall(r"· (\d+) leads?</option>", html)]
    assert counts and counts == sorted(counts, reverse=True)


def test_another_agencys_listings_are_never_suggested(agent, upstream, listing):
    index_last_days(upstream.other)
    other_refs = set(
        AgencyLead.objects.filter(agency=upstream.other)
        .exclude(classified_reference="")
        .values_list("classified_reference", flat=True)
    )
    html = unescape(agent.client.get("/annonces/suggestions/").content.decode())
    shown = set(re.findall(r'<option value="([^"]*)">', html))
    assert other_refs and not (shown & (other_refs - {listing.classified_reference}))


def test_a_listing_is_named_as_its_leads_write_it_even_without_leads_or_by_its_number(
    upstream, agent, login
):
    from leadsportal import seeker_api

    # A listing with no lead in the last 92 days: its page's title still writes its number as
    # a lead's page would (the portal's 12 characters on Seeker Leads).
    number = seeker_api.classified_number("47R85KALY3FR") if upstream.is_seeker else 4_051_234
    label = "47R85KALY3FR" if upstream.is_seeker else str(number)
    page = unescape(agent.client.get(f"/annonces/{number}/leads/").content.decode())
    assert f"Annonce n° {label}" in page.split("</h1>", 1)[0]
    # The list filtered by the number, exported: the history names the listing the same way.
    manager = login("manager.upstream", (upstream.agency, "manager"))
    response = manager.client.get(f"/exports/leads/annonces/?classified={number}&format=csv")
    assert response.status_code == 200
    history = unescape(manager.client.get("/exports/historique/").content.decode())
    assert (f"annonce {label}" if upstream.is_seeker else f"annonce n° {label}") in history
