"""Two-factor login with a TOTP app (django-otp): set-up from "Mon compte", the code step of
the login, throttling, and the agency's rule that makes it mandatory for managers.

Codes are computed as the person's app would, with django_otp.oath.totp on the device's key
(at the time steps before and after the current one where a test needs a code not yet used).
"""

from __future__ import annotations

import html
import re
import time

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadsportal.agencies.two_factor import MAX_CODE_ATTEMPTS
from tests.fixtures import PASSWORD

SETUP = "/mon-compte/double-authentification/"
LOGIN = "/connexion/"
CODE = "/connexion/code/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def code_for(device: TOTPDevice, *, step_offset: int = 0) -> str:
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=step_offset
    )
    return f"{value:06d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code_for(device, step_offset=offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


@pytest.fixture
def with_device(make_member, paris):
    """An agent of Paris with a confirmed device."""
    user = make_member("otp.agent", (paris, "agent"))
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user, device


def password_step(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def test_set_up_shows_a_qr_code_and_the_key_then_needs_a_code(agent, paris):
    page = agent.client.get(SETUP)

    body = page.content.decode()
    assert page.status_code == 200
    assert '<div class="qr-code" data-testid="qr-code"><svg role="img"' in body
    key = re.search(r'data-testid="manual-key">([A-Z2-7 ]+)<', body)
    assert key and len(key.group(1).replace(" ", "")) == 32
    device = TOTPDevice.objects.get(user=agent.user)
    assert not device.confirmed  # not active before a code confirms it

    refused = agent.client.post(SETUP, {"code": wrong_code(device)})
    assert refused.status_code == 400
    assert "Code incorrect" in text(refused)

    time.sleep(1.1)  # django-otp's throttling: 1 s after a wrong code
    done = agent.client.post(SETUP, {"code": code_for(device)}, follow=True)
    assert "Double authentification activée" in text(done)
    device.refresh_from_db()
    assert device.confirmed
    assert "activée" in text(agent.client.get("/mon-compte/"))


def test_the_password_alone_does_not_log_in_a_person_with_a_device(with_device, probe_urls):
    _user, device = with_device
    client = Client()

    step = password_step(client, "otp.agent", probe_urls)

    assert step.status_code == 302 and step["Location"] == CODE
    assert "_auth_user_id" not in client.session
    assert client.get(probe_urls).status_code == 302  # still anonymous
    form = client.get(CODE)
    assert "Saisissez le code à 6 chiffres" in text(form)

    done = client.post(CODE, {"code": code_for(device)})

    assert done.status_code == 302 and done["Location"] == probe_urls
    assert "agency=Agence Paris Démo" in text(client.get(probe_urls))


def test_a_wrong_code_says_so_and_is_throttled(with_device):
    _user, device = with_device
    client = Client()
    password_step(client, "otp.agent")

    wrong = client.post(CODE, {"code": wrong_code(device)})
    at_once = client.post(CODE, {"code": code_for(device)})

    assert wrong.status_code == 400
    assert "Code incorrect." in text(wrong)
    assert at_once.status_code == 400
    assert "attendez quelques secondes" in text(at_once)
    assert "_auth_user_id" not in client.session
    # A wrong code is a failed login for django-axes, like a wrong password.
    assert AccessAttempt.objects.get(username="otp.agent").failures_since_start == 1


def test_a_code_that_is_not_six_digits_is_refused(with_device):
    client = Client()
    password_step(client, "otp.agent")

    page = client.post(CODE, {"code": "12ab"})

    assert page.status_code == 400
    assert "Le code compte 6 chiffres." in text(page)


def test_too_many_wrong_codes_end_the_login(with_device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting between tries in this test
    settings.AXES_FAILURE_LIMIT = 50
    _user, device = with_device
    client = Client()
    password_step(client, "otp.agent")

    for _ in range(MAX_CODE_ATTEMPTS - 1):
        assert client.post(CODE, {"code": wrong_code(device)}).status_code == 400
    last = client.post(CODE, {"code": wrong_code(device)}, follow=True)

    assert last.redirect_chain[-1][0] == LOGIN
    assert "Trop de codes incorrects" in text(last)
    assert client.post(CODE, {"code": code_for(device)}).status_code == 302  # back to login
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_a_password_step_goes_back_to_the_login(client, db):
    page = client.get(CODE, follow=True)

    assert page.redirect_chain[-1][0] == LOGIN
    assert "Connectez-vous d'abord" in text(page)


def test_removing_two_factor_needs_the_password(with_device):
    user, _device = with_device
    client = Client()
    client.force_login(user)

    refused = client.post("/mon-compte/double-authentification/retirer/", {"password": "wrong"})
    assert refused.status_code == 400 and "Mot de passe incorrect." in text(refused)

    done = client.post(
        "/mon-compte/double-authentification/retirer/", {"password": PASSWORD}, follow=True
    )
    assert "Double authentification retirée" in text(done)
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_admin_login_goes_through_the_two_step_login(client, db):
    page = client.get("/admin/login/?next=/admin/")

    assert page.status_code == 302
    assert page["Location"] == "/connexion/?next=/admin/"


# --- Mandatory for an agency's managers --------------------------------------------------------


def test_a_manager_can_make_it_mandatory_for_managers(manager, paris, probe_urls):
    page = manager.client.post(
        "/agence/equipe/double-authentification/",
        {"managers_require_two_factor": "on"},
        follow=True,
    )

    paris.refresh_from_db()
    assert paris.managers_require_two_factor
    # The manager has no device yet: sent to the set-up before anything else.
    assert page.redirect_chain[-1][0] == SETUP
    assert "Votre agence demande aux responsables une double authentification" in text(page)
    assert manager.client.get(probe_urls)["Location"] == SETUP


def test_a_manager_without_a_device_sets_it_up_then_works(make_member, paris, probe_urls):
    paris.managers_require_two_factor = True
    paris.save()
    boss = make_member("boss", (paris, "manager"))
    client = Client()
    assert password_step(client, "boss").status_code == 302

    assert client.get(probe_urls)["Location"] == SETUP
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=boss)
    client.post(SETUP, {"code": code_for(device)})

    assert "agency=Agence Paris Démo" in text(client.get(probe_urls))
    # It cannot be removed while the agency requires it.
    removal = client.post(
        "/mon-compte/double-authentification/retirer/", {"password": PASSWORD}, follow=True
    )
    assert "vous ne pouvez pas la retirer" in text(removal)
    assert TOTPDevice.objects.filter(user=boss, confirmed=True).exists()


def test_a_manager_session_from_before_the_device_is_asked_for_the_code(
    make_member, paris, probe_urls
):
    boss = make_member("old.session", (paris, "manager"))
    device = TOTPDevice.objects.create(user=boss, name="app", confirmed=True)
    paris.managers_require_two_factor = True
    paris.save()
    client = Client()
    client.force_login(boss)  # a session that never gave a code

    redirect = client.get(probe_urls)

    assert redirect["Location"] == f"{CODE}?next={probe_urls.replace('/', '%2F')}"
    done = client.post(CODE, {"code": code_for(device), "next": probe_urls})
    assert done["Location"] == probe_urls
    assert "agency=Agence Paris Démo" in text(client.get(probe_urls))


def test_agents_are_not_asked_when_it_is_mandatory_for_managers(agent, paris, probe_urls):
    paris.managers_require_two_factor = True
    paris.save()

    assert "agency=Agence Paris Démo" in text(agent.client.get(probe_urls))


def test_an_agent_cannot_change_the_agency_rule(agent, paris):
    page = agent.client.post(
        "/agence/equipe/double-authentification/", {"managers_require_two_factor": "on"}
    )

    assert page.status_code == 403
    paris.refresh_from_db()
    assert not paris.managers_require_two_factor


def test_the_team_page_shows_who_has_two_factor(manager, with_device, paris):
    page = text(manager.client.get(reverse("agencies:team")))

    row = page[page.index('data-username="otp.agent"') :]
    row = row[: row.index("</tr>")]
    assert "activée" in row
