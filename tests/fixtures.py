"""Fixtures shared by the dashboard, export and follow-up tests: agencies wired to the live
sandbox, their members, and logged-in test clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from leadsportal.agencies.models import Agency, Membership, clear_credentials_cache
from leadsportal.leads_api import get_client

PASSWORD = "Correct-horse-42"
PARIS_CLIENT = ("agence-paris-demo", "paris-demo-secret")
LYON_CLIENT = ("agence-lyon-demo", "lyon-demo-secret")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # The production hasher costs ~0.3 s per user created or logged in: not what tests measure.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_caches() -> Iterator[None]:
    # Tokens and decrypted secrets of one test must not leak into the next one.
    cache.clear()
    get_client.cache_clear()
    clear_credentials_cache()
    yield
    cache.clear()
    get_client.cache_clear()
    clear_credentials_cache()


def _agency(name: str, client: tuple[str, str], base_url: str, **fields: object) -> Agency:
    agency = Agency(name=name, client_id=client[0], base_url=base_url, **fields)
    agency.set_client_secret(client[1])
    agency.save()
    return agency


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
