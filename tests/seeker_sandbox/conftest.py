"""Fixtures of the Seeker sandbox's tests (and the Seeker client's): its control object, a tiny
HTTP client of its own, and a webhook receiver on loopback.

The Seeker sandbox is mounted in the same Django app as the GSL one, so it is served by the
session's live server (`sandbox_server`) under /seeker-sandbox/.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    from leadsportal.seeker_sandbox.state import SeekerSandboxState

BORDEAUX = "agence-bordeaux-demo"
NANTES = "agence-nantes-demo"
SECRETS = {BORDEAUX: "bordeaux-demo-secret", NANTES: "nantes-demo-secret"}
USER_AGENT = "seeker-sandbox-tests/1 Python/3"
API_PATH = "/seeker-sandbox/seeker-leads/v1"


@pytest.fixture
def seeker_sandbox(sandbox_server: Any) -> Iterator[SeekerSandboxState]:
    """The Seeker sandbox's in-process control object, reset around the test.

    Knobs: `configure(latency_ms=, fault_rate=, fault_mode=, fault_next=, stall_seconds=,
    token_ttl=, rate_limit=)` and `clock` (the rate limiter's). Counters: `token_requests`,
    `tokens_issued`, `premature_tokens`, `api_requests`, `user_agents`, `windows`,
    `peak_in_flight`, `rate_limited`, `stats()`. Data: `add_lead(...)`, `erase_contact(...)`.
    During tests the latency and fault rate are 0 whatever the shell exports; the rate limit is
    the live API's (10 per 200 ms): the client under test must keep to it.
    """
    from leadsportal.seeker_sandbox.state import state

    state.set_baseline(latency_ms=0, fault_rate=0.0)
    state.reset()
    yield state
    state.reset()


@pytest.fixture
def seeker_urls(sandbox_server: Any) -> tuple[str, str]:
    """(API base URL, token URL) of the embedded Seeker sandbox."""
    return sandbox_server.url + API_PATH, sandbox_server.url + "/seeker-sandbox/oauth/token"


class SeekerApi:
    """A tiny HTTP client of the Seeker sandbox for its own tests (the real one is seeker_api)."""

    def __init__(self, root: str) -> None:
        self.root = root  # http://127.0.0.1:PORT/seeker-sandbox
        self.base = root + "/seeker-leads/v1"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._tokens: dict[str, str] = {}

    def request_token(self, client: str = BORDEAUX, **body: Any) -> requests.Response:
        payload = {
            "client_id": client,
            "client_secret": SECRETS.get(client, "nope"),
            "grant_type": "client_credentials",
            "audience": self.base,
            **body,
        }
        return self.session.post(self.root + "/oauth/token", json=payload, timeout=10)

    def token(self, client: str = BORDEAUX) -> str:
        if client not in self._tokens:
            response = self.request_token(client)
            assert response.status_code == 200, response.text
            self._tokens[client] = response.json()["access_token"]
        return self._tokens[client]

    def call(
        self,
        method: str,
        path: str,
        *,
        client: str = BORDEAUX,
        token: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token(client)}"}
        headers.update(kwargs.pop("headers", {}))
        url = path if path.startswith("http") else self.base + path
        return self.session.request(method, url, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def leads(
        self,
        min_date: int,
        max_date: int,
        *,
        client: str = BORDEAUX,
        token: str | None = None,
        **params: Any,
    ) -> requests.Response:
        return self.get(
            "/leads",
            params={"minDate": min_date, "maxDate": max_date, **params},
            client=client,
            token=token,
        )


@pytest.fixture
def seeker_api(seeker_sandbox: Any, sandbox_server: Any) -> Iterator[SeekerApi]:
    api = SeekerApi(sandbox_server.url + "/seeker-sandbox")
    yield api
    api.session.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class WebhookReceiver:
    """An HTTP server on loopback that records each POST and answers `status`."""

    url: str
    calls: queue.Queue[Received] = field(default_factory=queue.Queue)
    status: int = 200

    def next_call(self, timeout: float = 10) -> Received:
        return self.calls.get(timeout=timeout)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            receiver.calls.put(Received(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    receiver = WebhookReceiver(url=f"http://{host}:{port}/hooks/aviv")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
