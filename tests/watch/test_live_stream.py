"""The live event stream over HTTP (Server-Sent Events), as an open page reads it."""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from leadsportal.watch.events import event_feed, event_feed_stop, latest_event_id
from leadsportal.watch.poll import agency_poll
from tests.fixtures import LYON_CLIENT

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Message:
    id: int
    event: str
    data: str


def session_of(client: Client) -> dict[str, str]:
    return {"sessionid": client.cookies["sessionid"].value}


class Stream:
    """An open page's connection (HTTP/1.1 over a socket, as EventSource reads it): its
    messages arrive in a queue, read in a thread; closing it hangs up at once."""

    def __init__(self, url: str, cookies: dict[str, str], headers: dict[str, str] | None = None):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        lines = [
            f"GET {parts.path}?{parts.query} HTTP/1.1",
            f"Host: {parts.netloc}",
            "Accept: text/event-stream",
            "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()),
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
            "Connection: close",
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        self.status_code = int(self.file.readline().split()[1])
        self.headers: dict[str, str] = {}
        while (line := self.file.readline().decode().rstrip("\r\n")) != "":
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.sock.settimeout(None)
        self.messages: queue.Queue[Message] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        fields: dict[str, list[str]] = {}
        try:
            for raw_line in self.file:
                raw = raw_line.decode().rstrip("\r\n")
                if raw == "":
                    if "id" in fields:
                        self.messages.put(
                            Message(
                                id=int(fields["id"][0]),
                                event=fields.get("event", ["message"])[0],
                                data="\n".join(fields.get("data", [])),
                            )
                        )
                    fields = {}
                    continue
                if raw.startswith(":"):
                    continue
                name, _, value = raw.partition(":")
                fields.setdefault(name, []).append(value.removeprefix(" "))
        except (OSError, ValueError):
            pass

    def next(self, timeout: float = 8.0) -> Message:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@pytest.fixture
def streams(sandbox_server, settings) -> Iterator[list[Stream]]:  # type: ignore[no-untyped-def]
    settings.LEADS_LIVE_STREAM_SECONDS = 6
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.close()
    # The process's reader of events must not outlive the test's database access.
    event_feed_stop()


def open_stream(streams, sandbox_server, member, after=None, headers=None):  # type: ignore[no-untyped-def]
    after = (
        latest_event_id(agency=member.user.memberships.first().agency) if after is None else after
    )
    stream = Stream(
        f"{sandbox_server.url}/direct/evenements/?after={after}", session_of(member.client), headers
    )
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    streams.append(stream)
    return stream


def test_every_open_page_of_the_agency_learns_of_a_new_lead(
    paris, lyon, agent, manager, lyon_agent, add_lead, streams, sandbox_server
):
    agency_poll(agency=paris)
    agency_poll(agency=lyon)
    pages = [open_stream(streams, sandbox_server, m) for m in (agent, manager, agent)]
    other_agency = open_stream(streams, sandbox_server, lyon_agent)

    lead_id = add_lead(
        email="claire@example.org",
        contactRequest={"firstName": "Claire", "lastName": "Dubois"},
    )
    assert agency_poll(agency=paris).new_lead_ids == (lead_id,)
    for page in pages:
        message = page.next()
        assert message.event == "lead"
        assert f'data-lead="{lead_id}"' in message.data and "Nouveau lead" in message.data
        assert "Annonce" in message.data and "réf." in message.data
        assert "Claire" not in message.data and "Dubois" not in message.data  # lock screens
        assert "claire@" not in message.data
    with pytest.raises(queue.Empty):
        other_agency.next(timeout=1.0)

    lyon_lead = add_lead(client_id=LYON_CLIENT[0])
    agency_poll(agency=lyon)
    assert f'data-lead="{lyon_lead}"' in other_agency.next().data


def test_a_page_that_reconnects_catches_up_with_what_it_missed(
    paris, agent, add_lead, streams, sandbox_server
):
    agency_poll(agency=paris)
    before = latest_event_id(agency=paris)
    missed = [add_lead() for _ in range(2)]
    agency_poll(agency=paris)
    # The browser sends the last id it got (Last-Event-ID); the URL keeps the page's first.
    stream = open_stream(streams, sandbox_server, agent, after=before)
    got = [stream.next(), stream.next()]
    assert sorted(m.data.split('data-lead="')[1].split('"')[0] for m in got) == sorted(missed)
    again = open_stream(
        streams, sandbox_server, agent, after=before, headers={"Last-Event-ID": str(got[-1].id)}
    )
    with pytest.raises(queue.Empty):
        again.next(timeout=1.0)


def test_the_stream_costs_no_upstream_call_and_one_query_per_feed_check(
    paris, agent, streams, sandbox_server, sandbox
):
    agency_poll(agency=paris)
    sandbox.reset_counters()
    feed = event_feed()
    reads = feed.reads
    for _ in range(5):
        open_stream(streams, sandbox_server, agent)
    threading.Event().wait(1.0)
    assert sandbox.api_requests() == 0
    # The feed reads the table a few times a second whatever the number of open pages.
    assert feed.reads - reads <= 1.0 / feed.check_seconds + 2


def test_a_page_keeps_the_agency_it_was_rendered_for(
    paris, lyon, login, add_lead, streams, sandbox_server
):
    multi = login("multi", (paris, "manager"), (lyon, "agent"))
    agency_poll(agency=paris)
    agency_poll(agency=lyon)
    # The session's agency is Lyon now (another tab switched); this page was Paris's.
    session = multi.client.session
    session["current_agency_id"] = lyon.pk
    session.save()
    after = latest_event_id(agency=paris)
    page = Stream(
        f"{sandbox_server.url}/direct/evenements/?agency={paris.pk}&after={after}",
        session_of(multi.client),
    )
    streams.append(page)
    lead_id = add_lead()
    agency_poll(agency=paris)
    assert f'data-lead="{lead_id}"' in page.next().data
    # Not a member: nothing to read, and nothing said about the agency.
    outsider = login("outsider", (lyon, "agent"))
    refused = requests.get(
        f"{sandbox_server.url}/direct/evenements/?agency={paris.pk}&after=0",
        cookies=session_of(outsider.client),
        timeout=5,
    )
    assert refused.status_code == 404


def test_a_bad_cursor_is_a_clear_400_and_strangers_are_sent_to_log_in(sandbox_server, agent):
    bad = requests.get(
        f"{sandbox_server.url}/direct/evenements/?after=abc",
        cookies=session_of(agent.client),
        timeout=5,
    )
    assert bad.status_code == 400 and "after" in bad.text
    anonymous = requests.get(
        f"{sandbox_server.url}/direct/evenements/", allow_redirects=False, timeout=5
    )
    assert anonymous.status_code == 302 and "/connexion/" in anonymous.headers["Location"]


def test_the_assignee_is_told_and_the_others_see_the_lead_taken(
    paris, agent, manager, add_lead, streams, sandbox_server
):
    from leadsportal.followup.models import LeadFollowup
    from leadsportal.watch.assignment import lead_claim

    paris.assignment_rule = paris.AssignmentRule.FIRST_TO_CLAIM
    paris.save()
    agency_poll(agency=paris)
    agent_page = open_stream(streams, sandbox_server, agent)
    manager_page = open_stream(streams, sandbox_server, manager)
    lead_id = add_lead()
    agency_poll(agency=paris)
    assert "Je le prends" in agent_page.next().data
    assert "Je le prends" in manager_page.next().data

    lead_claim(followup=LeadFollowup.objects.get(lead_id=lead_id), user=agent.user)
    mine = agent_page.next()
    assert mine.event == "assigned" and "Un lead vous est attribué" in mine.data
    theirs = manager_page.next()
    assert theirs.event == "assigned" and "Pris par agent.paris" in theirs.data
    assert " hidden " in theirs.data or theirs.data.startswith("<div hidden")
