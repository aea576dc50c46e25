"""Behind the TLS-terminating proxy, production answers with HSTS and sets its cookies Secure.

A fresh Python process starts with a production environment (as gunicorn would, see
tests/core/test_settings.py), migrates an in-memory SQLite database and talks to the app through
Django's test client: requests marked `X-Forwarded-Proto: https` stand for what the reverse
proxy forwards, requests without it for someone reaching the app over plain HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.core.test_settings import PRODUCTION_ENV, start

HOST = "leads.example.com"

BROWSE_OVER_HTTPS = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

# The production hasher costs ~0.5 s per password: not what this test is about.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)
get_user_model().objects.create_user("camille", password="Correct-horse-42")
host = settings.ALLOWED_HOSTS[0]
https = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": host}
plain = {"HTTP_HOST": host}


def seen(response):
    return {
        "status": response.status_code,
        "location": response.headers.get("Location"),
        "headers": dict(response.headers),
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in response.cookies.items()
        },
    }


client = Client()
print(json.dumps({
    "healthz": seen(client.get("/healthz", **https)),
    "healthz_plain": seen(client.get("/healthz", **plain)),
    "login_plain": seen(client.get("/connexion/?next=/leads/", **plain)),
    "login": seen(
        client.post("/connexion/", {"username": "camille", "password": "Correct-horse-42"}, **https)
    ),
    "settings": {
        "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
        "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
        "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
        "CSRF_COOKIE_HTTPONLY": settings.CSRF_COOKIE_HTTPONLY,
        "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
        "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    },
}))
"""


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite://:memory:", "DJANGO_ALLOWED_HOSTS": HOST}

    result = start(env, code=BROWSE_OVER_HTTPS)

    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_it_sends_hsts_over_https(production: dict[str, Any]) -> None:
    headers = production["healthz"]["headers"]

    assert production["healthz"]["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_it_sends_the_other_security_headers_in_production(production: dict[str, Any]) -> None:
    for response in (production["healthz"], production["login"]):
        headers = response["headers"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_redirects_plain_http_to_https(production: dict[str, Any]) -> None:
    response = production["login_plain"]

    assert response["status"] == 301
    assert response["location"] == f"https://{HOST}/connexion/?next=/leads/"
    assert "Strict-Transport-Security" not in response["headers"]  # only over TLS


def test_the_health_check_still_answers_over_plain_http(production: dict[str, Any]) -> None:
    # The orchestrator probes the container directly, without the proxy.
    assert production["healthz_plain"]["status"] == 200


def test_the_session_and_csrf_cookies_are_secure_and_httponly(
    production: dict[str, Any],
) -> None:
    login = production["login"]

    assert login["status"] == 302  # signed in
    assert set(login["cookies"]) >= {"sessionid", "csrftoken"}
    for name in ("sessionid", "csrftoken"):
        assert login["cookies"][name] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert production["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
