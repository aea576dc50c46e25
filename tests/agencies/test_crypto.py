"""Agency client secrets are encrypted at rest and survive a key rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from leadsportal.agencies import crypto
from leadsportal.agencies.models import Agency, _decrypt_cached, clear_credentials_cache
from leadsportal.leads_api import LeadsApiCredentialsUnreadable

SECRET = "s3cr3t-of-the-paris-agency"


def _raw_column(agency: Agency) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret_encrypted FROM agencies_agency WHERE id = %s", [agency.pk]
        )
        return str(cursor.fetchone()[0])


def _raw_row(agency: Agency) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM agencies_agency WHERE id = %s", [agency.pk])
        return " ".join(str(value) for value in cursor.fetchone())


def test_it_stores_the_secret_encrypted(make_agency):
    agency = make_agency(secret=SECRET)

    assert SECRET not in _raw_row(agency)
    assert _raw_column(agency).startswith("gAAAA")  # a Fernet token
    assert Agency.objects.get(pk=agency.pk).api_credentials().client_secret == SECRET


def test_it_builds_credentials_with_the_default_or_own_base_url(make_agency, settings):
    default = make_agency("Défaut")
    own = make_agency("Propre", base_url="https://api.example.com/v2/")

    assert default.api_credentials().base_url == settings.LEADS_API_BASE_URL.rstrip("/")
    credentials = own.api_credentials()
    assert credentials.base_url == "https://api.example.com/v2"
    assert credentials.token_url == "https://api.example.com/v2/oauth/token"
    assert credentials.client_id == "agence-paris-demo"


def test_it_decrypts_each_stored_value_once_per_process(make_agency):
    agency = make_agency(secret=SECRET)
    clear_credentials_cache()

    for _ in range(3):
        Agency.objects.get(pk=agency.pk).api_credentials()

    info = _decrypt_cached.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_it_reads_a_new_secret_after_it_is_replaced(make_agency):
    agency = make_agency(secret=SECRET)
    agency.api_credentials()

    agency.set_client_secret("the-new-one")
    agency.save()

    assert Agency.objects.get(pk=agency.pk).api_credentials().client_secret == "the-new-one"


def test_it_keeps_secrets_readable_through_a_key_rotation(make_agency, settings):
    old_key = settings.FERNET_KEYS[0]
    agency = make_agency(secret=SECRET)
    token_before = _raw_column(agency)
    new_key = Fernet.generate_key().decode()

    settings.FERNET_KEYS = [new_key, old_key]
    clear_credentials_cache()
    assert Agency.objects.get(pk=agency.pk).api_credentials().client_secret == SECRET

    out = StringIO()
    call_command("rotate_agency_secrets", stdout=out)
    assert "1 secret(s) rechiffré(s)" in out.getvalue()
    assert _raw_column(agency) != token_before

    # Idempotent: a second run has nothing left to do.
    out = StringIO()
    call_command("rotate_agency_secrets", stdout=out)
    assert "0 secret(s) rechiffré(s), 1 déjà chiffré(s)" in out.getvalue()

    # The old key can now be dropped.
    settings.FERNET_KEYS = [new_key]
    clear_credentials_cache()
    assert Agency.objects.get(pk=agency.pk).api_credentials().client_secret == SECRET


def test_it_says_clearly_when_the_key_is_missing(make_agency, settings):
    agency = make_agency(secret=SECRET)
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]
    clear_credentials_cache()

    with pytest.raises(LeadsApiCredentialsUnreadable, match="LEADSPORTAL_FERNET_KEYS") as caught:
        Agency.objects.get(pk=agency.pk).api_credentials()
    # One error family: the page shows the administrator's message, the cause stays attached.
    with translation.override("fr"):
        assert "Un administrateur doit les saisir à nouveau" in caught.value.user_message
    assert isinstance(caught.value.__cause__, crypto.SecretDecryptionError)

    with pytest.raises(CommandError, match="Agence Paris Démo"):
        call_command("rotate_agency_secrets", stdout=StringIO())


def test_it_rejects_an_invalid_key_without_echoing_it(settings):
    settings.FERNET_KEYS = ["not-a-fernet-key-at-all"]

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt("x")

    assert "LEADSPORTAL_FERNET_KEYS" in str(excinfo.value)
    assert "not-a-fernet-key-at-all" not in str(excinfo.value)
