"""Fixtures of the Seeker Leads client's tests: clients of the embedded Seeker sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from leadsportal.seeker_api import SeekerLeadsClient, credentials_for, get_client
from tests.seeker_sandbox import conftest as sandbox_fixtures
from tests.seeker_sandbox.conftest import BORDEAUX, SECRETS

# The Seeker sandbox's fixtures, for the client's tests too.
seeker_sandbox = sandbox_fixtures.seeker_sandbox
seeker_urls = sandbox_fixtures.seeker_urls
seeker_api = sandbox_fixtures.seeker_api
webhook_receiver = sandbox_fixtures.webhook_receiver

USER_AGENT = "leadsportal-tests/1 Python/3.13 requests/2"


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    get_client.cache_clear()
    yield
    get_client.cache_clear()


@pytest.fixture
def make_client(
    seeker_urls: tuple[str, str], seeker_sandbox: Any
) -> Iterator[Callable[..., SeekerLeadsClient]]:
    """make_client(client=BORDEAUX, secret=None, **SeekerLeadsClient options)."""
    made: list[SeekerLeadsClient] = []
    base, token_url = seeker_urls

    def make(
        client: str = BORDEAUX, secret: str | None = None, **options: Any
    ) -> SeekerLeadsClient:
        credentials = credentials_for(client, secret or SECRETS[client], base, token_url=token_url)
        options.setdefault("user_agent", USER_AGENT)
        made.append(SeekerLeadsClient(credentials, **options))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def bordeaux(make_client: Callable[..., SeekerLeadsClient]) -> SeekerLeadsClient:
    return make_client()
