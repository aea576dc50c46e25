"""Login and logout in French, and the lockout after repeated failures (django-axes)."""

from __future__ import annotations

import html

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.test import Client

LOGIN_URL = "/connexion/"
LOGOUT_URL = "/deconnexion/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def member(make_user, make_agency):
    return make_user("alice", memberships={make_agency(): "agent"})


def test_it_shows_the_login_form_in_french(client, db):
    response = client.get(LOGIN_URL)

    body = text(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in body
    assert "<h1>Connexion</h1>" in body
    assert "Identifiant" in body and "Mot de passe" in body
    assert "Se connecter" in body
    assert 'autocomplete="current-password"' in body


def test_it_logs_in_and_goes_to_the_requested_page(client, member, password, probe_urls):
    response = client.post(
        LOGIN_URL, {"username": "alice", "password": password, "next": probe_urls}
    )

    assert response.status_code == 302
    assert response["Location"] == probe_urls
    page = text(client.get(probe_urls))
    assert "agency=Agence Paris Démo" in page
    assert ">alice<" in page  # the user name in the header


def test_it_refuses_a_wrong_password_with_a_french_message(client, member):
    response = client.post(LOGIN_URL, {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in text(response)
    assert "_auth_user_id" not in client.session


def test_it_ignores_an_offsite_next(client, member, password, probe_urls):
    response = client.post(
        LOGIN_URL, {"username": "alice", "password": password, "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_it_logs_out_with_post_only(client, member, probe_urls):
    client.force_login(member)
    page = text(client.get(probe_urls))
    assert f'action="{LOGOUT_URL}"' in page and "Se déconnecter" in page

    assert client.get(LOGOUT_URL).status_code == 405
    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert client.get(probe_urls).status_code == 302  # back to the login page


def _fail(client: Client, times: int):
    response = None
    for _ in range(times):
        response = client.post(LOGIN_URL, {"username": "alice", "password": "wrong"})
    return response


def test_it_locks_the_account_after_repeated_failures(client, member, password, settings):
    limit = settings.AXES_FAILURE_LIMIT

    before = _fail(client, limit - 1)
    assert before.status_code == 200  # still the form, with its error

    locked = _fail(client, 1)
    assert locked.status_code == 429
    body = text(locked)
    assert "Connexion temporairement bloquée" in body
    assert f"{limit} tentatives de connexion ont échoué" in body
    assert "Vous pourrez réessayer dans 30 minutes." in body
    assert "contactez un administrateur" in body

    # Even the right password is refused while locked.
    response = client.post(LOGIN_URL, {"username": "alice", "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_lets_an_administrator_unlock_the_account(client, member, password, settings, make_user):
    _fail(client, settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="alice")

    admin_client = Client()
    admin_client.force_login(make_user("root", is_staff=True, is_superuser=True))
    listing = text(admin_client.get("/admin/axes/accessattempt/"))
    assert "alice" in listing
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    response = client.post(
        LOGIN_URL, {"username": "alice", "password": password, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_registers_the_lockout_records_in_the_admin():
    assert admin.site.is_registered(AccessAttempt)
