"""A pooled keep-alive connection that the upstream drops as it is reused.

Servers close idle keep-alive connections on their own schedule; when the close crosses our next
request on that connection, the request fails without an answer. That is no sign of trouble
upstream: the client retries on a new connection at once, without the back-off it applies to
real failures. The sandbox cannot drop a connection on cue, hence this small server.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from leadsportal.leads_api import (
    ApiCredentials,
    LeadFamily,
    LeadsApiClient,
    PageRequest,
    SearchCriteria,
)
from leadsportal.lib import request_metrics

PAGE = json.dumps({"Data": {"Leads": []}, "Count": 0}).encode()
TOKEN = json.dumps(
    {"access_token": "t", "token_type": "Bearer", "expires_in": 3600, "scope": "laas:leads:get"}
).encode()


class DroppingServer:
    """Answers one search per connection, then closes it when the next request arrives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_path(conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        return head.split(b" ")[1]

    def _serve(self, conn: socket.socket) -> None:
        searches = 0
        with conn:
            while (path := self._read_path(conn)) is not None:
                if path.endswith(b"/oauth/token"):
                    body = TOKEN
                elif searches:
                    return  # the keep-alive connection ends under the second request
                else:
                    searches += 1
                    body = PAGE
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + b"Content-Length: %d\r\n\r\n" % len(body)
                    + body
                )


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.sock.close()


def test_a_dropped_keep_alive_connection_is_retried_at_once(dropping_server, monkeypatch):
    url = dropping_server.url
    client = LeadsApiClient(ApiCredentials("bench", "secret", url, url + "/oauth/token"))
    end = datetime.now(UTC)
    criteria = SearchCriteria(start=end - timedelta(days=7), end=end)
    client.search(LeadFamily.ALL, criteria, PageRequest())
    searches_before = dropping_server.connections

    sleeps: list[float] = []
    monkeypatch.setattr("leadsportal.leads_api.client.time.sleep", sleeps.append)
    metrics = request_metrics.begin()
    try:
        page = client.search(LeadFamily.ALL, criteria, PageRequest())
    finally:
        request_metrics.end()

    assert page.count == 0
    assert metrics.upstream_calls == 2  # the dropped attempt, then the retry
    assert dropping_server.connections == searches_before + 1  # on a new connection
    assert sleeps == []  # no back-off: nothing was wrong upstream
