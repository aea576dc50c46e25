"""The search box, against the sandbox over HTTP: any notation of a phone, an e-mail in any
case, a name without its accents, a listing's reference or number; within the agency only.
On both upstreams (tests/fixtures.py, `upstream`): the search answers from the agency lead index,
whichever API filled it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.models import SearchFingerprint
from leadsportal.followup.search import search_terms
from tests.fixtures import LYON_CLIENT, NANTES_CLIENT, UpstreamCase

LEAD_LINK = re.compile(r'href="/lead/([A-Za-z0-9_-]+)/')


def index_now(agency) -> None:  # type: ignore[no-untyped-def]
    """What the watcher does as leads arrive: the newest leads in the agency lead index."""
    now = timezone.now()
    contacts_index_period(
        agency=agency, start=now - timedelta(days=2), end=now + timedelta(hours=1)
    )


def contact(first: str, last: str, email: str, phone: str) -> dict[str, object]:
    return {
        "firstName": first,
        "lastName": last,
        "email": email,
        "phoneNumbers": [{"number": phone, "type": "MOBILE", "isVerified": False}],
    }


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


def other_agency(upstream) -> UpstreamCase:  # type: ignore[no-untyped-def]
    """Another agency on the same upstream, as a case of its own (to add leads there)."""
    client_id = {"gsl": LYON_CLIENT[0], "seeker": NANTES_CLIENT[0]}[upstream.name]
    return UpstreamCase(upstream.name, upstream.other, upstream.agency, upstream.sandbox, client_id)


@pytest.fixture
def madame_lefevre(upstream) -> str:  # type: ignore[no-untyped-def]
    lead_id = upstream.add_lead(
        contactRequest=contact(
            "Hélène", "Lefèvre-Dupré", "Helene.Lefevre@Example.org", "+33671829304"
        )
    )
    index_now(upstream.agency)
    return lead_id


def found(client, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/recherche/", {"q": text})
    assert response.status_code == 200, text
    html = response.content.decode()
    results = html.split('data-testid="results"', 1)[1]
    return list(dict.fromkeys(LEAD_LINK.findall(results)))


PHONE_NOTATIONS = [
    "06 71 82 93 04",
    "0671829304",
    "06.71.82.93.04",
    "+33 6 71 82 93 04",
    "+33671829304",
    "+33 (0)6.71.82.93.04",
    "0033 6 71 82 93 04",
]


# Every notation on GSL; two on Seeker Leads: reading what was typed does not depend on the
# upstream, the number stored from its lead does.
@pytest.mark.parametrize(
    ("upstream", "phone"),
    [
        *(("gsl", phone) for phone in PHONE_NOTATIONS),
        ("seeker", "06 71 82 93 04"),
        ("seeker", "0033 6 71 82 93 04"),
    ],
    indirect=["upstream"],
)
def test_a_phone_in_any_common_notation_finds_the_lead(agent, madame_lefevre, phone):
    assert found(agent.client, phone) == [madame_lefevre]


@pytest.mark.parametrize(
    "text",
    ["helene.lefevre@example.org", "HELENE.LEFEVRE@EXAMPLE.ORG", " Helene.Lefevre@Example.org "],
)
def test_an_email_in_any_case_finds_the_lead(agent, madame_lefevre, text):
    assert found(agent.client, text) == [madame_lefevre]


@pytest.mark.parametrize("text", ["lefevre", "LEFÈVRE", "Hélène", "helene lefevre", "dupre"])
def test_name_words_ignore_case_and_accents(agent, madame_lefevre, text):
    assert madame_lefevre in found(agent.client, text)


def test_every_word_typed_must_be_in_the_name_and_whole(agent, madame_lefevre):
    assert madame_lefevre not in found(agent.client, "helene martin")
    assert madame_lefevre not in found(agent.client, "lefe")  # whole words only


def test_a_listings_reference_or_number_finds_its_leads(agent, upstream):
    index_now(upstream.agency)
    from leadsportal.followup.models import AgencyLead

    row = (
        AgencyLead.objects.filter(agency=upstream.agency)
        .exclude(classified_reference="")
        .order_by("-lead_created_at")
        .first()
    )
    assert row is not None
    expected = set(
        AgencyLead.objects.filter(
            agency=upstream.agency, classified_id=row.classified_id
        ).values_list("lead_id", flat=True)
    )
    by_reference = found(agent.client, row.classified_reference.lower())
    assert set(by_reference) == expected
    # The number as the lead's page shows it (on Seeker Leads, the portal's 12 characters).
    listing = upstream.lead(row.lead_id).classified
    assert listing is not None and listing.classified_id == row.classified_id
    by_number = found(agent.client, listing.number_label)
    assert expected <= set(by_number)


def test_results_are_newest_first_and_counted(agent, upstream):
    older = upstream.add_lead(
        minutes_ago=30, contactRequest=contact("Ana", "Quintal", "a@q.fr", "0611111111")
    )
    newer = upstream.add_lead(
        minutes_ago=5, contactRequest=contact("Ana", "Quintal", "b@q.fr", "0622222222")
    )
    index_now(upstream.agency)
    response = agent.client.get("/recherche/", {"q": "quintal"})
    html = response.content.decode()
    assert found(agent.client, "quintal") == [newer, older]
    assert "2 leads trouvés pour « quintal »" in html


def test_nothing_found_says_so_and_what_can_be_searched(agent, madame_lefevre):
    html = agent.client.get("/recherche/", {"q": "Zzyzxq"}).content.decode()
    assert "Aucun lead de l'agence ne correspond à « Zzyzxq »." in html
    assert "un numéro de téléphone" in html and "la référence d'une annonce" in html


def test_another_agencys_lead_is_never_found(agent, upstream, madame_lefevre):
    lyon_lead = other_agency(upstream).add_lead(
        contactRequest=contact("Odile", "Vercingetorix", "odile@lyon.fr", "0655443322"),
    )
    index_now(upstream.other)
    for text in ("vercingetorix", "odile@lyon.fr", "06 55 44 33 22"):
        assert lyon_lead not in found(agent.client, text)
        assert found(agent.client, text) == []


def test_bad_input_gets_a_message_never_a_500(agent):
    response = agent.client.get("/recherche/", {"q": "x" * 101})
    assert response.status_code == 400
    assert "100 caractères au plus." in response.content.decode()
    assert agent.client.get("/recherche/", {"q": "<script>", "page": "-3"}).status_code == 200


def test_the_header_of_every_page_has_the_search_box(agent):
    html = agent.client.get("/leads/").content.decode()
    assert 'role="search"' in html and 'action="/recherche/"' in html and 'name="q"' in html


def test_name_words_are_stored_as_keyed_fingerprints_only(agent, madame_lefevre):
    # Hélène, Lefèvre, Dupré: three words, three digests.
    assert SearchFingerprint.objects.filter(lead_id=madame_lefevre).count() == 3
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SearchFingerprint._meta.db_table}")
        stored = repr(cursor.fetchall()).lower()
    for word in ("helene", "hélène", "lefevre", "dupre"):
        assert word not in stored


def test_an_erased_contact_leaves_the_search(agent, upstream, madame_lefevre):
    from leadsportal.followup.fingerprints import contact_fingerprints_forget

    assert madame_lefevre in found(agent.client, "lefevre")
    contact_fingerprints_forget(agency=upstream.agency, lead_ids=[madame_lefevre])
    assert madame_lefevre not in found(agent.client, "lefevre")
    assert found(agent.client, "helene.lefevre@example.org") == []


def test_what_a_text_can_mean():
    assert search_terms("06 12 34 56 78").phone == "0612345678"
    assert search_terms("0612345678").classified_id == 612345678
    assert search_terms("Jean-Pierre LEFÈVRE").words == ("jean", "pierre", "lefevre")
    assert search_terms("PAR-2026-3734").reference == "PAR-2026-3734"
    assert search_terms("a").is_empty and search_terms("   ").is_empty
