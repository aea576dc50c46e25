from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from leadsportal.leads_api import ApiCredentials, LeadsApiClient, get_client

PARIS = ("agence-paris-demo", "paris-demo-secret")
LYON = ("agence-lyon-demo", "lyon-demo-secret")


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    cache.clear()
    get_client.cache_clear()
    yield
    cache.clear()
    get_client.cache_clear()


def make_credentials(sandbox_url: str, client: tuple[str, str] = PARIS) -> ApiCredentials:
    return ApiCredentials(
        client_id=client[0],
        client_secret=client[1],
        base_url=sandbox_url,
        token_url=sandbox_url + "/oauth/token",
    )


@pytest.fixture
def paris_client(sandbox_server) -> LeadsApiClient:  # type: ignore[no-untyped-def]
    return LeadsApiClient(make_credentials(sandbox_server.sandbox_url, PARIS))


@pytest.fixture
def lyon_client(sandbox_server) -> LeadsApiClient:  # type: ignore[no-untyped-def]
    return LeadsApiClient(make_credentials(sandbox_server.sandbox_url, LYON))
