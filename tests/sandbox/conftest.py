"""Helpers for the sandbox tests: an HTTP client of the sandbox and the demo clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from leadsportal.sandbox import tokens
from leadsportal.sandbox.data import ANCHOR

PARIS = "agence-paris-demo"
LYON = "agence-lyon-demo"

SEARCH_ROUTES = {
    "/v2/leads/search": None,
    "/v2/classifieds/leads/search": "CLASSIFIED",
    "/v2/agencies/leads/search": "AGENCY",
    "/v2/sellers/leads/search": "SELLER",
    "/v2/propertysearches/leads/search": "PROPERTY_SEARCH",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def criteria(days_back: float = 30, length_days: float = 30, **extra: Any) -> dict[str, Any]:
    """SearchCriteria for [anchor - days_back, anchor - days_back + length_days)."""
    start = ANCHOR - timedelta(days=days_back)
    return {"StartDate": iso(start), "EndDate": iso(start + timedelta(days=length_days)), **extra}


class SandboxApi:
    """A tiny HTTP client of the sandbox for its own tests (the real client is leads_api)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self._tokens: dict[str, str] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def request_token(self, client: str = PARIS, /, **form: str) -> requests.Response:
        secret = tokens.configured_clients().get(client, "nope")
        return self.session.post(
            self.url("/oauth/token"),
            data={"grant_type": "client_credentials", **form},
            auth=(client, secret),
            timeout=10,
        )

    def token(self, client_id: str = PARIS) -> str:
        if client_id not in self._tokens:
            response = self.request_token(client_id)
            response.raise_for_status()
            self._tokens[client_id] = response.json()["access_token"]
        return self._tokens[client_id]

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        client_id: str = PARIS,
        token: str | None = None,
        data: bytes | None = None,
        timeout: float = 10,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token(client_id)}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
            return self.session.post(self.url(path), data=data, headers=headers, timeout=timeout)
        return self.session.post(self.url(path), json=body, headers=headers, timeout=timeout)

    def get(
        self, path: str, *, client_id: str = PARIS, token: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token(client_id)}"}
        return self.session.get(self.url(path), headers=headers, timeout=10)

    def search(
        self,
        path: str = "/v2/leads/search",
        *,
        client_id: str = PARIS,
        page_index: int = 1,
        page_size: int = 100,
        **criteria_kwargs: Any,
    ) -> dict[str, Any]:
        body = {
            "SearchCriteria": criteria(**criteria_kwargs),
            "Pagination": {"PageIndex": page_index, "PageSize": page_size},
        }
        response = self.post(path, body, client_id=client_id)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(sandbox: Any, sandbox_server: Any) -> Iterator[SandboxApi]:
    client = SandboxApi(sandbox_server.sandbox_url)
    yield client
    client.session.close()
