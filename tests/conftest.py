"""Fixtures shared by the whole suite: a live HTTP server and the sandbox's control object.

Tests talk to the embedded GSL Leads API sandbox over real HTTP, as the dashboard does in
production with the live API, so the client's sessions, timeouts and retries are exercised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from leadsportal.sandbox.state import SandboxState

# Agencies wired to the live sandbox, their members and logged-in clients: see tests/fixtures.py.
pytest_plugins = ["tests.fixtures"]

# Rate limit of the sandbox during tests (requests per second and client), see `sandbox_server`.
TEST_RATE_LIMIT = 1_000


@dataclass(frozen=True)
class LiveServer:
    url: str  # "http://127.0.0.1:PORT"

    @property
    def sandbox_url(self) -> str:
        return f"{self.url}/sandbox"


@pytest.fixture(scope="session", autouse=True)
def _tasks_in_memory() -> Iterator[None]:
    """Tasks enqueued by the code under test (a new agency's backfill, claim fallbacks) land in
    a queue in memory that no consumer reads: a test runs a task by calling it
    (`task.call_local(...)`), and the tests of the worker start real consumer processes."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    real = HUEY.storage
    HUEY.storage = MemoryStorage(HUEY.name)
    yield
    HUEY.storage = real


@pytest.fixture(autouse=True)
def _no_event_feed_after_the_test() -> Iterator[None]:
    """The reader of live events a page's stream starts must not outlive the test's database."""
    yield
    from leadsportal.watch.events import event_feed_stop

    event_feed_stop()


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (tokens, leads, the fingerprint index's memory):
    what one test cached must not answer for another's rolled-back database."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[LiveServer]:
    """The whole Django app (so /sandbox/ too) on a threaded HTTP/1.1 server, 127.0.0.1:<free port>.

    It needs no database fixture: the sandbox never touches the database (every sandbox test
    runs with database access blocked, in the server threads too, which proves it). Tests of
    dashboard pages served here still need `transactional_db` for their own data.

    Sandbox knobs during the session: settings' values except
    - rate_limit = TEST_RATE_LIMIT (1,000/s per client) so that no test meets a 429 by accident;
      rate-limit tests lower it with `sandbox.rate_limit = ...` (and may pin `sandbox.clock`);
    - latency_ms = 0 and fault_rate = 0.0, whatever LEADS_SANDBOX_* the shell exports.
    Static files are served too (StaticFilesHandler), for browser tests of pages.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    from leadsportal.sandbox.state import state

    class QuietHandler(WSGIRequestHandler):
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request would drown the test output

    class Server(ThreadedWSGIServer):
        request_queue_size = 128  # bursts of concurrent requests from export and load tests
        block_on_close = False  # keep-alive handler threads must not hold up the session's end

    server = Server(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    state.set_baseline(rate_limit=TEST_RATE_LIMIT, latency_ms=0, fault_rate=0.0)
    state.reset()
    host, port = server.server_address[:2]
    try:
        yield LiveServer(f"http://{host}:{port}")
    finally:
        state.reset()  # wakes any request still held by a stall
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sandbox(sandbox_server: LiveServer) -> Iterator[SandboxState]:
    """The sandbox's in-process control object (leadsportal.sandbox.state.state), reset around the test.

    Knobs: `latency_ms`, `fault_rate`, `token_ttl`, `rate_limit`, `stall_seconds`, `fault_mode`
    ("error500" | "stall" | "malformed" | "unavailable503" | None), `fault_next` (the next N API
    requests fault), and `clock` (the rate limiter's clock). Counters: `token_requests(client)`,
    `tokens_issued(client)`, `api_requests(client, route)`, `stats()`. Data:
    `add_lead(client_id, lead_type="CLASSIFIED", **overrides) -> leadId`. Test hook:
    `issue_token(client_id, scope=..., ttl=...)`. After the test: knobs back to the session's
    values (see `sandbox_server`), counters zeroed, added leads removed.
    """
    from leadsportal.sandbox.state import state

    state.reset()
    yield state
    state.reset()
