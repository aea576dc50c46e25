"""Fixtures shared by the dashboard, export and follow-up tests: agencies wired to the live
sandboxes, their members, and logged-in test clients.

`upstream` runs a test once per upstream (GSL Customer Leads v2, AVIV Seeker Leads v1): an agency
on that upstream's embedded sandbox, a way to add a lead there, and an oracle computed from the
sandbox's own data (what the list should show), so that the dashboard's behaviour is checked
the same way whichever API an agency uses."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from leadsportal import seeker_api
from leadsportal.agencies.models import Agency, Membership, clear_credentials_cache
from leadsportal.leads_api import (
    MAX_WINDOW_DAYS,
    Lead,
    LeadFamily,
    PageRequest,
    SearchCriteria,
    get_client,
)

PASSWORD = "Correct-horse-42"
PARIS_CLIENT = ("agence-paris-demo", "paris-demo-secret")
LYON_CLIENT = ("agence-lyon-demo", "lyon-demo-secret")
BORDEAUX_CLIENT = ("agence-bordeaux-demo", "bordeaux-demo-secret")
NANTES_CLIENT = ("agence-nantes-demo", "nantes-demo-secret")
SEEKER_API_PATH = "/seeker-sandbox/seeker-leads/v1"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # The production hasher costs ~0.3 s per user created or logged in: not what tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_caches() -> Iterator[None]:
    # Tokens and decrypted secrets of one test must not leak into the next one.
    cache.clear()
    get_client.cache_clear()
    seeker_api.get_client.cache_clear()
    clear_credentials_cache()
    yield
    cache.clear()
    get_client.cache_clear()
    seeker_api.get_client.cache_clear()
    clear_credentials_cache()


def _agency(name: str, client: tuple[str, str], base_url: str, **fields: object) -> Agency:
    agency = Agency(name=name, client_id=client[0], base_url=base_url, **fields)
    agency.set_client_secret(client[1])
    agency.save()
    return agency


def _seeker_agency(name: str, client: tuple[str, str], server_url: str, **fields: object) -> Agency:
    return _agency(
        name,
        client,
        server_url + SEEKER_API_PATH,
        upstream=Agency.Upstream.SEEKER_V1,
        **fields,
    )


@pytest.fixture
def seeker_state(sandbox_server):  # type: ignore[no-untyped-def]
    """The Seeker sandbox's control object (leadsportal.seeker_sandbox.state.state), reset
    around the test, with no latency and no faults whatever the shell exports."""
    from leadsportal.seeker_sandbox.state import state

    state.set_baseline(latency_ms=0, fault_rate=0.0)
    state.reset()
    yield state
    state.join_deliveries()
    state.reset()


@pytest.fixture
def bordeaux(db: None, sandbox_server, seeker_state) -> Agency:  # type: ignore[no-untyped-def]
    """An agency on AVIV Seeker Leads v1 (the embedded Seeker sandbox)."""
    return _seeker_agency("Agence Bordeaux Démo", BORDEAUX_CLIENT, sandbox_server.url)


@pytest.fixture
def nantes(db: None, sandbox_server, seeker_state) -> Agency:  # type: ignore[no-untyped-def]
    return _seeker_agency("Agence Nantes Démo", NANTES_CLIENT, sandbox_server.url)


@pytest.fixture
def paris(db: None, sandbox_server) -> Agency:  # type: ignore[no-untyped-def]
    return _agency("Agence Paris Démo", PARIS_CLIENT, sandbox_server.sandbox_url)


@pytest.fixture
def lyon(db: None, sandbox_server) -> Agency:  # type: ignore[no-untyped-def]
    return _agency("Agence Lyon Démo", LYON_CLIENT, sandbox_server.sandbox_url)


@pytest.fixture
def make_member(db: None) -> Callable[..., AbstractUser]:
    def make(username: str, *memberships: tuple[Agency, str]) -> AbstractUser:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        for agency, role in memberships:
            Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@dataclass
class LoggedIn:
    client: Client
    user: AbstractUser


@pytest.fixture
def login(make_member) -> Callable[..., LoggedIn]:  # type: ignore[no-untyped-def]
    def log_in(username: str, *memberships: tuple[Agency, str]) -> LoggedIn:
        user = make_member(username, *memberships)
        client = Client()
        client.force_login(user)
        return LoggedIn(client=client, user=user)

    return log_in


@pytest.fixture
def agent(login, paris) -> LoggedIn:  # type: ignore[no-untyped-def]
    return login("agent.paris", (paris, "agent"))


@pytest.fixture
def manager(login, paris) -> LoggedIn:  # type: ignore[no-untyped-def]
    return login("manager.paris", (paris, "manager"))


@pytest.fixture
def lyon_agent(login, lyon) -> LoggedIn:  # type: ignore[no-untyped-def]
    return login("agent.lyon", (lyon, "agent"))


def phone(number: str) -> dict[str, object]:
    return {"number": number, "type": "MOBILE", "isVerified": False}


@pytest.fixture
def add_lead(sandbox) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """Add a lead to the Paris sandbox client: `add_lead(minutes_ago=.., email=.., phones=[..])`."""

    def add(
        *,
        lead_type: str = "CLASSIFIED",
        client_id: str = PARIS_CLIENT[0],
        minutes_ago: int | None = None,
        email: str | None = "",
        phones: list[str] | None = None,
        **overrides: object,
    ) -> str:
        if minutes_ago is not None:
            overrides["creation_date"] = timezone.now() - timedelta(minutes=minutes_ago)
        contact: dict[str, object] = {}
        if email != "":
            contact["email"] = email
        if phones is not None:
            contact["phoneNumbers"] = [phone(number) for number in phones]
        if contact:
            overrides["contactRequest"] = contact
        return str(sandbox.add_lead(client_id, lead_type=lead_type, **overrides))

    return add


# --- One test, both upstreams ---------------------------------------------------------------


def _seeker_family(category: str, intention: str | None) -> LeadFamily:
    """The tab a Seeker sandbox row belongs to (docs/UPSTREAMS.md, "Families")."""
    if category == "CALL_TRACKING":
        return LeadFamily.CALL_TRACKING
    if category == "CLASSIFIED":
        return LeadFamily.CLASSIFIED
    if intention == "SELL":
        return LeadFamily.SELLER
    if category == "PROPERTY_SEARCH":
        return LeadFamily.PROPERTY_SEARCH
    return LeadFamily.AGENCY


@dataclass(frozen=True)
class Expected:
    """What a list should hold, by the sandbox's own data: its ids in order and its total."""

    lead_ids: tuple[str, ...]
    count: int


@dataclass
class UpstreamCase:
    """One agency on one upstream, and what a test needs to say what it should see."""

    name: str  # "gsl" | "seeker"
    agency: Agency
    other: Agency  # another agency on the same upstream
    sandbox: Any  # that upstream's sandbox control object
    client_id: str
    families: tuple[LeadFamily, ...] = field(default=())

    @property
    def is_seeker(self) -> bool:
        return self.name == "seeker"

    def expected(
        self, family: LeadFamily, criteria: SearchCriteria, page: PageRequest | None = None
    ) -> Expected:
        """The page's lead ids and the list's total, from the sandbox (never from the
        dashboard's code): the GSL sandbox answers its own search; the Seeker sandbox's rows
        are selected here."""
        page = page or PageRequest()
        if not self.is_seeker:
            found = get_client(self.agency.api_credentials()).search(family, criteria, page)
            return Expected(tuple(lead.lead_id for lead in found.leads), found.count)
        from leadsportal.seeker_sandbox.store import window

        low = math.ceil(criteria.start.timestamp())
        high = math.ceil(criteria.end.timestamp()) - 1
        rows = [
            row
            for row in window(self.client_id, low, high)
            if (family is LeadFamily.ALL or _seeker_family(row.category, row.intention) is family)
            and (not criteria.portals or row.portal in criteria.portals)
            and (
                not criteria.classified_ids
                or (
                    row.classified_id
                    and seeker_api.classified_number(row.classified_id) in criteria.classified_ids
                )
            )
        ]
        rows.sort(key=lambda row: (row.ts, row.lead_id), reverse=True)
        offset = (page.index - 1) * page.size
        return Expected(tuple(row.lead_id for row in rows[offset : offset + page.size]), len(rows))

    def a_listing(self, criteria: SearchCriteria) -> int:
        """The number of a listing with leads in the period."""
        family = LeadFamily.CLASSIFIED
        lead_id = self.expected(family, criteria, PageRequest(size=1)).lead_ids[0]
        lead = self.lead(lead_id)
        assert lead.classified is not None
        return lead.classified.classified_id

    def lead(self, lead_id: str) -> Lead:
        """A lead as the upstream gives it (straight from its client, no dashboard cache)."""
        if self.is_seeker:
            client = seeker_api.get_client(self.agency.seeker_credentials())
            return seeker_api.to_lead(client.get_lead(lead_id))
        return get_client(self.agency.api_credentials()).get_lead(lead_id)

    def add_lead(
        self,
        *,
        family: LeadFamily = LeadFamily.CLASSIFIED,
        minutes_ago: int | None = None,
        first_name: str | None = None,
        **overrides: object,
    ) -> str:
        """A new lead of the family in the agency's sandbox, created now (or minutes ago)."""
        when = timezone.now() - timedelta(minutes=minutes_ago or 0)
        if self.is_seeker:
            category = {
                LeadFamily.CLASSIFIED: "CLASSIFIED",
                LeadFamily.AGENCY: "AGENCY",
                LeadFamily.SELLER: "AGENCY",
                LeadFamily.PROPERTY_SEARCH: "PROPERTY_SEARCH",
                LeadFamily.CALL_TRACKING: "CALL_TRACKING",
            }[family]
            if family is LeadFamily.SELLER:
                overrides["seeker_intention"] = "SELL"
            elif family is LeadFamily.AGENCY:
                overrides.setdefault("seeker_intention", "ASK_A_QUESTION")
            if first_name is not None:
                overrides["contactRequest"] = {"firstName": first_name}
            return str(
                self.sandbox.add_lead(
                    self.client_id,
                    category,
                    ingestion_date=int(when.timestamp()),
                    **overrides,
                )
            )
        if first_name is not None:
            overrides["contactRequest"] = {"firstName": first_name}
        return str(
            self.sandbox.add_lead(
                self.client_id,
                lead_type=family.name,
                creation_date=when,
                **overrides,
            )
        )

    def api_calls(self) -> int:
        return int(self.sandbox.api_requests(self.client_id))

    def listing_expected(self, classified_id: int, page: PageRequest | None = None) -> Expected:
        """A listing's page without a period: GSL's listing route answers it; on Seeker it is
        the feed's last 92 days (docs/UPSTREAMS.md, "How lists are built from the feed")."""
        page = page or PageRequest()
        if not self.is_seeker:
            found = get_client(self.agency.api_credentials()).classified_leads(classified_id, page)
            return Expected(tuple(lead.lead_id for lead in found.leads), found.count)
        end = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=2)
        start = end - timedelta(days=MAX_WINDOW_DAYS)
        criteria = SearchCriteria(start=start, end=end, classified_ids=(classified_id,))
        return self.expected(LeadFamily.ALL, criteria, page)

    def add_contact_lead(
        self,
        *,
        email: str | None = "",
        phones: list[str] | None = None,
        expires_at: datetime | None = None,
        **options: Any,
    ) -> str:
        """`add_lead` with this e-mail (None: none; "": the sandbox's own) and these phones,
        expiring at `expires_at`, in the upstream's own field (GSL's expirationDate, Seeker's
        metadata.TTL)."""
        contact: dict[str, object] = dict(options.pop("contactRequest", None) or {})
        if email != "":
            contact["email"] = email
        if phones is not None:
            contact["phoneNumbers"] = [phone(number) for number in phones]
        if options.get("first_name") is not None:
            contact["firstName"] = options.pop("first_name")
        if contact:
            options["contactRequest"] = contact
        if expires_at is not None and self.is_seeker:
            options["metadata"] = {"TTL": int(expires_at.timestamp())}
        elif expires_at is not None:
            when = expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            options["leadMetaInfos"] = {"expirationDate": when}
        return self.add_lead(**options)

    def on_other(self) -> UpstreamCase:
        """The same upstream seen from `other` (Lyon / Nantes)."""
        return replace(self, agency=self.other, other=self.agency, client_id=self.other.client_id)


@pytest.fixture(params=["gsl", "seeker"])
def upstream(request, db, sandbox_server) -> UpstreamCase:  # type: ignore[no-untyped-def]
    """The test runs once with an agency on GSL v2 (Paris) and once on Seeker Leads (Bordeaux)."""
    from leadsportal.agencies.upstream import families_of

    if request.param == "gsl":
        sandbox = request.getfixturevalue("sandbox")
        agency = request.getfixturevalue("paris")
        other = request.getfixturevalue("lyon")
        client_id = PARIS_CLIENT[0]
    else:
        sandbox = request.getfixturevalue("seeker_state")
        agency = request.getfixturevalue("bordeaux")
        other = request.getfixturevalue("nantes")
        client_id = BORDEAUX_CLIENT[0]
    families = tuple(f for f in LeadFamily if f in families_of(agency=agency))
    return UpstreamCase(request.param, agency, other, sandbox, client_id, families)


def criteria_between(start: datetime, end: datetime) -> SearchCriteria:
    return SearchCriteria(start=start, end=end)
