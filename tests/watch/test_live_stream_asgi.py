"""The live event stream as production serves it: the ASGI application under uvicorn, where
each open page's stream waits asynchronously on the process's event feed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from leadsportal.asgi import application
from leadsportal.watch.events import latest_event_id
from leadsportal.watch.poll import agency_poll
from tests.watch.test_live_stream import Stream, session_of

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_url(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    settings.LEADS_LIVE_STREAM_SECONDS = 5
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_under_asgi_every_open_page_gets_the_new_lead(paris, agent, add_lead, asgi_url):
    agency_poll(agency=paris)
    after = latest_event_id(agency=paris)
    pages = [
        Stream(f"{asgi_url}/direct/evenements/?after={after}", session_of(agent.client))
        for _ in range(30)
    ]
    try:
        assert all(page.status_code == 200 for page in pages)
        assert all(page.headers["x-accel-buffering"] == "no" for page in pages)
        lead_id = add_lead()
        agency_poll(agency=paris)
        for page in pages:
            message = page.next()
            assert message.event == "lead" and f'data-lead="{lead_id}"' in message.data
    finally:
        for page in pages:
            page.close()
