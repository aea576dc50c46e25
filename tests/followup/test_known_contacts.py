"""The "Déjà connu" badge: normalised e-mails and phones matched against earlier leads.

The tests of leads that come from the API run for an agency on each upstream (`upstream`); the
ones that feed `contact_fingerprints_sync` leads built here need no upstream and stay on Paris."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from leadsportal.followup.fingerprints import (
    contact_fingerprints_forget,
    contact_fingerprints_sync,
    normalise_email,
    normalise_phone,
)
from leadsportal.followup.models import ContactFingerprint
from leadsportal.leads_api import (
    Contact,
    Lead,
    LeadFamily,
    LeadMeta,
    LeadType,
    PageRequest,
    PhoneNumber,
    SearchCriteria,
)
from tests.followup.conftest import known_ids, listed_ids


@pytest.fixture
def agent(upstream, login):  # type: ignore[no-untyped-def]
    return login("agent.upstream", (upstream.agency, "agent"))


@pytest.mark.parametrize(
    "written",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        " 06 12 34 56 78 ",
    ],
)
def test_french_phone_numbers_have_one_form(written):
    assert normalise_phone(written) == "0612345678"


def test_other_phone_numbers_stay_apart():
    assert normalise_phone("06 12 34 56 79") != normalise_phone("06 12 34 56 78")
    assert normalise_phone("+32 470 12 34 56") == "+32470123456"
    assert normalise_phone("+32 470 12 34 56") != normalise_phone("0470123456")
    assert normalise_phone("") is None and normalise_phone("n/c") is None
    assert normalise_phone("12") is None


def test_emails_are_compared_trimmed_and_case_insensitive():
    assert normalise_email("  Jean.Dupont@Example.COM ") == "jean.dupont@example.com"
    assert normalise_email("jean.dupont@example.com") == "jean.dupont@example.com"
    assert normalise_email("") is None and normalise_email("pas une adresse") is None


# Every written form on GSL; one on Seeker Leads (the normalisation is the same code, tested
# above): the Seeker case checks the badge, not the forms again.
@pytest.mark.parametrize(
    ("upstream", "later_phone"),
    [
        ("gsl", "06.12.34.56.78"),
        ("gsl", "+33612345678"),
        ("gsl", "+33 6 12 34 56 78"),
        ("gsl", "06 12 34 56 78"),
        ("seeker", "+33 6 12 34 56 78"),
    ],
    indirect=["upstream"],
)
def test_a_later_lead_with_the_same_phone_is_already_known(agent, upstream, later_phone):
    earlier = upstream.add_contact_lead(minutes_ago=120, email=None, phones=["06 12 34 56 78"])
    later = upstream.add_contact_lead(email="autre@example.org", phones=[later_phone])
    stranger = upstream.add_contact_lead(email="stranger@example.org", phones=["07 98 76 54 32"])
    html = agent.client.get("/leads/").content.decode()
    assert {earlier, later, stranger} <= set(listed_ids(html))
    assert known_ids(html) & {earlier, later, stranger} == {later}


def test_a_later_lead_with_the_same_email_is_already_known(agent, upstream):
    earlier = upstream.add_contact_lead(
        minutes_ago=60, email="  Claire.Martin@Example.org", phones=[]
    )
    later = upstream.add_contact_lead(email="claire.martin@example.ORG ", phones=["07 11 22 33 44"])
    html = agent.client.get("/leads/").content.decode()
    assert known_ids(html) & {earlier, later} == {later}


def test_matching_stays_within_the_agency(agent, upstream, login):
    other = upstream.on_other()
    other_agent = login("agent.other", (other.agency, "agent"))
    other.add_contact_lead(minutes_ago=60, email="shared@example.org", phones=[])
    other_agent.client.get("/leads/")  # indexed for the other agency
    lead_id = upstream.add_contact_lead(email="shared@example.org", phones=[])
    assert lead_id not in known_ids(agent.client.get("/leads/").content.decode())


def test_the_badge_links_to_the_other_leads_of_the_contact(agent, upstream):
    add = upstream.add_contact_lead
    first = add(minutes_ago=90, email="paul@example.org", phones=[])
    second = add(minutes_ago=30, email=None, phones=["0699887766", "0100000000"])
    third = add(email="PAUL@example.org", phones=["+33 6 99 88 77 66"])
    unrelated = add(email="zoe@example.org", phones=[])
    html = agent.client.get("/leads/").content.decode()
    assert known_ids(html) & {first, second, third, unrelated} == {third}
    assert f'href="/lead/{third}/meme-contact/"' in html
    page = agent.client.get(f"/lead/{third}/meme-contact/")
    assert page.status_code == 200
    others = page.content.decode()
    assert set(listed_ids(others)) == {first, second}
    assert "2 autres leads de l'agence" in others.replace("&#x27;", "'")
    detail = agent.client.get(f"/lead/{third}/").content.decode()
    assert f'href="/lead/{third}/meme-contact/" data-testid="known-contact"' in detail


def test_the_index_holds_keyed_hashes_never_the_contact(agent, upstream):
    lead_id = upstream.add_contact_lead(
        email="secret.person@example.org", phones=["06 55 44 33 22"]
    )
    agent.client.get("/leads/")
    digests = list(
        ContactFingerprint.objects.filter(lead_id=lead_id).values_list("digest", flat=True)
    )
    assert len(digests) == 2
    for digest in digests:
        assert len(digest) == 64 and int(digest, 16) >= 0
        assert "secret" not in digest and "0655443322" not in digest
    row = ContactFingerprint.objects.filter(lead_id=lead_id).first()
    assert row.expires_at > row.lead_created_at + timedelta(days=3 * 365 - 2)


def lead(
    lead_id: str, created: datetime, *, email: str | None = None, phones=(), erased=False
) -> Lead:  # type: ignore[no-untyped-def]
    meta = LeadMeta(
        lead_id=lead_id, lead_type=LeadType.AGENCY, creation_date=created, portal="SLG-FRA"
    )
    if erased:
        return Lead(meta=meta, contact=Contact())
    return Lead(
        meta=meta,
        contact=Contact(
            first_name="A",
            email=email,
            phone_numbers=tuple(PhoneNumber(number=number) for number in phones),
        ),
    )


def test_erased_contacts_never_feed_the_matching(paris):
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    first = lead("first", t0, email="anna@example.org", phones=["0611111111"])
    assert contact_fingerprints_sync(agency=paris, leads=[first]).known == frozenset()
    # The same lead, seen again after its contact had their data erased (GDPR).
    result = contact_fingerprints_sync(agency=paris, leads=[lead("first", t0, erased=True)])
    assert result.deleted == 2
    assert not ContactFingerprint.objects.filter(lead_id="first").exists()
    later = lead("later", t0 + timedelta(days=1), email="anna@example.org", phones=["0611111111"])
    assert contact_fingerprints_sync(agency=paris, leads=[later]).known == frozenset()
    # An erased lead has nothing to match and never gets the badge.
    erased = lead("erased", t0 + timedelta(days=2), erased=True)
    assert contact_fingerprints_sync(agency=paris, leads=[erased]).known == frozenset()


def test_only_the_later_of_two_leads_is_known_even_on_one_page(paris):
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    leads = [
        lead("b-later", t0 + timedelta(hours=1), email="x@example.org"),
        lead("a-earlier", t0, email="X@Example.org "),
        lead("c-same-second-1", t0 + timedelta(hours=2), phones=["0622222222"]),
        lead("c-same-second-2", t0 + timedelta(hours=2), phones=["+33622222222"]),
    ]
    known = contact_fingerprints_sync(agency=paris, leads=leads).known
    assert known == {"b-later", "c-same-second-2"}
    # Indexing again changes nothing.
    again = contact_fingerprints_sync(agency=paris, leads=leads)
    assert again.known == known and again.inserted == 0


def recent_leads(upstream, *, days: int) -> list[Lead]:  # type: ignore[no-untyped-def]
    """The agency's leads of the last `days` days, as the upstream gives them (at most 100)."""
    end = datetime.now(UTC)
    criteria = SearchCriteria(start=end - timedelta(days=days), end=end)
    expected = upstream.expected(LeadFamily.ALL, criteria, PageRequest(size=100))
    return [upstream.lead(lead_id) for lead_id in expected.lead_ids]


def test_index_contacts_indexes_a_period_for_the_matching(upstream):
    agency = upstream.agency
    out = StringIO()
    call_command("index_contacts", "--days", "3", stdout=out)
    assert f"{agency.name} :" in out.getvalue() and f"{upstream.other.name} :" in out.getvalue()
    recent = recent_leads(upstream, days=2)
    indexed = set(
        ContactFingerprint.objects.filter(agency=agency).values_list("lead_id", flat=True)
    )
    with_contact = {
        item.lead_id
        for item in recent
        if not item.contact.is_erased and (item.contact.email or item.contact.phone_numbers)
    }
    assert with_contact and with_contact <= indexed
    erased = {item.lead_id for item in recent if item.contact.is_erased}
    assert not erased & indexed
    before = ContactFingerprint.objects.count()
    again = StringIO()
    call_command("index_contacts", "--days", "3", "--agency", agency.name, stdout=again)
    assert ContactFingerprint.objects.count() == before
    assert " 0 empreintes ajoutées" in again.getvalue()


def test_index_contacts_refuses_nonsense(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("index_contacts", "--days", "0")
    with pytest.raises(CommandError):
        call_command("index_contacts", "--agency", "Nulle part")


def test_a_page_seen_again_is_answered_without_the_index(paris, django_assert_num_queries):
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    leads = [
        lead("earlier", t0, email="bea@example.org"),
        lead("later", t0 + timedelta(hours=1), phones=["06 33 33 33 33"], email="bea@example.org"),
        lead("no-contact", t0 + timedelta(hours=2)),
        lead("gone", t0 + timedelta(hours=3), erased=True),
    ]
    first = contact_fingerprints_sync(agency=paris, leads=leads)
    assert first.known == {"later"}
    # The answers are remembered for a while: no hashing, no query, the same badges.
    with django_assert_num_queries(0):
        again = contact_fingerprints_sync(agency=paris, leads=leads)
    assert again.known == {"later"} and again.inserted == again.deleted == 0
    # A remembered lead whose contact was erased since is forgotten all the same.
    erased_now = [lead("later", t0 + timedelta(hours=1), erased=True)]
    assert contact_fingerprints_sync(agency=paris, leads=erased_now).deleted == 2
    assert not ContactFingerprint.objects.filter(lead_id="later").exists()


def test_a_forgotten_lead_takes_the_badge_of_the_leads_it_explained(paris):
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    earlier = lead("earlier", t0, email="carl@example.org")
    later = lead("later", t0 + timedelta(hours=1), email="carl@example.org")
    assert contact_fingerprints_sync(agency=paris, leads=[earlier, later]).known == {"later"}
    # The earlier lead is found gone (the "same contact" page forgets it): the later one, even
    # remembered a moment ago, is no longer "déjà connu".
    contact_fingerprints_forget(agency=paris, lead_ids=["earlier"])
    assert contact_fingerprints_sync(agency=paris, leads=[later]).known == frozenset()
