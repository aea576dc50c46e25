"""GET /healthz: what a load balancer or `docker HEALTHCHECK` sees."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import load_backend
from django.test import Client, override_settings

from leadsportal.core import views as core_views


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable_database(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the health check's connection at a database that cannot be reached."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "no-such-directory" / "db.sqlite3")
    else:
        settings_dict["HOST"] = "127.0.0.1"
        settings_dict["PORT"] = closed_port()
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
    backend = load_backend(settings_dict["ENGINE"])
    dead = backend.DatabaseWrapper(settings_dict, alias="unreachable")
    monkeypatch.setattr(core_views, "connection", dead)
    yield
    dead.close()


def assert_no_secrets(body: str) -> None:
    database = connection.settings_dict
    for secret in (settings.SECRET_KEY, *settings.FERNET_KEYS):
        assert secret not in body
    for value in (database.get("PASSWORD"), str(database["NAME"])):
        if value:
            assert value not in body
    if getattr(settings, "REDIS_URL", None):
        assert settings.REDIS_URL not in body
    assert "Traceback" not in body
    assert "@" not in body


@pytest.mark.django_db
def test_it_reports_ok_when_the_database_and_cache_work(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok"}
    assert_no_secrets(response.content.decode())


@pytest.mark.django_db
def test_it_needs_no_login_and_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down(
    client: Client, unreachable_database: None
) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "failing", "cache": "ok"}
    text = response.content.decode()
    assert_no_secrets(text)
    assert "refused" not in text.lower()
    assert "unable to open" not in text.lower()


@pytest.mark.django_db
def test_it_answers_503_when_the_cache_is_down(client: Client) -> None:
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    with override_settings(CACHES=dead_cache):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "cache": "failing"}
    assert_no_secrets(response.content.decode())


@pytest.mark.django_db
def test_it_only_answers_get(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
