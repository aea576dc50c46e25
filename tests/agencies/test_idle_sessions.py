"""Idle sessions end after SESSION_IDLE_MINUTES without a request of the person; the live
event stream and the page's other background requests do not count as activity."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from leadsportal.agencies import sessions


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clock(monkeypatch):
    """The idle check's clock, moved by the test."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, minutes: float) -> None:
            self.now += minutes * 60

    moved = Clock()
    monkeypatch.setattr(sessions.time, "time", lambda: moved.now)
    return moved


def test_a_session_idle_longer_than_the_limit_ends(agent, paris, probe_urls, clock, settings):
    settings.SESSION_IDLE_MINUTES = 120
    assert agent.client.get(probe_urls).status_code == 200

    clock.advance(minutes=121)
    response = agent.client.get(probe_urls)

    assert response.status_code == 302
    assert response["Location"] == f"/connexion/?next={probe_urls}"
    login = text(agent.client.get(response["Location"]))
    assert "Votre session a pris fin après 120 minutes sans activité." in login
    assert agent.client.get(probe_urls).status_code == 302  # logged out for good


def test_activity_keeps_the_session(agent, paris, probe_urls, clock, settings):
    settings.SESSION_IDLE_MINUTES = 120
    agent.client.get(probe_urls)

    for _ in range(4):
        clock.advance(minutes=100)
        assert agent.client.get(probe_urls).status_code == 200


def test_the_live_stream_does_not_count_as_activity(agent, paris, probe_urls, clock, settings):
    settings.SESSION_IDLE_MINUTES = 120
    agent.client.get(probe_urls)
    # The stream's route, answered at once (a 400 for the bad cursor) rather than held open:
    # what matters is that the session sees a request of the stream every few minutes.
    stream = reverse("dashboard:live_events") + "?after=x"

    for _ in range(4):
        clock.advance(minutes=30)
        assert agent.client.get(stream).status_code == 400
    clock.advance(minutes=1)

    # 121 minutes after the last page the person opened: the tab's stream kept nothing alive.
    assert agent.client.get(probe_urls).status_code == 302


def test_a_background_request_after_the_limit_is_answered_as_logged_out(
    agent, paris, probe_urls, clock, settings
):
    settings.SESSION_IDLE_MINUTES = 120
    agent.client.get(probe_urls)
    clock.advance(minutes=121)

    response = agent.client.get(reverse("dashboard:live_events") + "?after=x")

    assert response.status_code == 302  # the stream's view sends anonymous visitors to log in
    assert agent.client.get(probe_urls).status_code == 302


def test_the_idle_limit_comes_from_the_environment(settings):
    from leadsportal.lib.env import env_int

    assert env_int("SESSION_IDLE_MINUTES", 120) == settings.SESSION_IDLE_MINUTES
