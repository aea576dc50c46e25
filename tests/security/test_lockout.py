"""Brute force against the login, beyond tests/agencies/test_login.py (which covers the lockout
after repeated failures, its French message, and the administrator's unlock): the admin has no
login form of its own (it sends to the dashboard's, two-factor step included), the lock holds one user and not the whole office, an unknown
user name is locked exactly like a real one, and the lock page is as strict as every other page.
"""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.fixtures import PASSWORD
from tests.security.html_scan import csp_violations

LOCK_MESSAGE = "Connexion temporairement bloquée"


def fail(client: Client, username: str, *, path: str = "", times: int = 0) -> None:
    for _ in range(times or settings.AXES_FAILURE_LIMIT):
        client.post(path or reverse("login"), {"username": username, "password": "wrong-guess"})


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens, which differ on every response."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def log_in(client: Client, username: str) -> tuple[int, str]:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    return response.status_code, html.unescape(response.content.decode())


@pytest.fixture
def alice(make_member):  # type: ignore[no-untyped-def]
    return make_member("alice")


def test_the_admin_has_no_login_form_of_its_own(client: Client, alice) -> None:  # type: ignore[no-untyped-def]
    # Its form would skip the two-factor step and count failures apart: it sends to ours.
    response = client.post(reverse("admin:login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_one_user_not_everyone_at_the_same_desk(
    client: Client,
    alice,  # type: ignore[no-untyped-def]
    make_member,  # type: ignore[no-untyped-def]
) -> None:
    make_member("bruno")
    fail(client, "alice")

    assert log_in(client, "alice")[0] == 429
    assert log_in(Client(), "bruno")[0] == 302  # a colleague on the same IP address signs in


def test_an_unknown_user_name_is_locked_like_a_real_one(client: Client, alice) -> None:  # type: ignore[no-untyped-def]
    # Same answers for "alice" and "nobody": the lock does not tell which accounts exist.
    fail(client, "alice", times=settings.AXES_FAILURE_LIMIT - 1)
    fail(client, "nobody", times=settings.AXES_FAILURE_LIMIT - 1)
    real = client.post(reverse("login"), {"username": "alice", "password": "wrong-guess"})
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "wrong-guess"})

    assert real.status_code == unknown.status_code == 429
    assert LOCK_MESSAGE in without_tokens(unknown.content.decode())
    assert without_tokens(real.content.decode()) == without_tokens(unknown.content.decode())


def test_the_lock_page_has_the_security_headers_and_no_inline_code(
    client: Client,
    alice,  # type: ignore[no-untyped-def]
) -> None:
    fail(client, "alice")

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 429
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert csp_violations(response.content.decode()) == []


def test_spraying_usernames_from_one_address_locks_that_address(client: Client, make_member):  # type: ignore[no-untyped-def]
    make_member("victim")
    names = [f"guess{n}" for n in range(settings.AXES_ADDRESS_USERNAME_LIMIT)]
    for name in names:  # one try each: no username+address pair reaches its own limit
        fail(client, name, times=1)

    status, body = log_in(client, "victim")  # the right password, from the spraying address
    assert status == 429
    assert "toutes les connexions depuis cette adresse sont bloquées" in body
    assert "_auth_user_id" not in client.session

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = elsewhere.post(reverse("login"), {"username": "victim", "password": PASSWORD})
    assert response.status_code == 302  # another address is not concerned
