"""create_agency and create_member: idempotent, secrets from the environment or stdin only."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from leadsportal.agencies.models import Agency, Membership


def run(*args: str, stdin: str = "") -> str:
    out = StringIO()
    call_command(*args, stdin=StringIO(stdin), stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_env_secrets(monkeypatch):
    monkeypatch.delenv("LEADS_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("LEADSPORTAL_PASSWORD", raising=False)


# --- create_agency ------------------------------------------------------------------------


def test_it_creates_an_agency_with_the_secret_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("LEADS_CLIENT_SECRET", "from-env")

    output = run("create_agency", "Agence Nice", "--client-id", "nice-1")

    agency = Agency.objects.get(name="Agence Nice")
    assert agency.client_id == "nice-1"
    assert agency.api_credentials().client_secret == "from-env"
    assert agency.base_url == ""
    assert agency.agents_can_export is False
    assert "créée" in output
    assert "from-env" not in output


def test_it_reads_the_secret_from_the_first_line_of_stdin(db):
    run(
        "create_agency",
        "Agence Nice",
        "--client-id",
        "nice-1",
        "--base-url",
        "https://api.example.com/v2",
        "--agents-can-export",
        stdin="from-stdin\nignored second line\n",
    )

    agency = Agency.objects.get(name="Agence Nice")
    assert agency.api_credentials().client_secret == "from-stdin"
    assert agency.base_url == "https://api.example.com/v2"
    assert agency.agents_can_export is True


def test_it_updates_the_agency_when_run_twice(db):
    run("create_agency", "Agence Nice", "--client-id", "nice-1", stdin="first\n")

    output = run(
        "create_agency", "Agence Nice", "--client-id", "nice-2", "--agents-can-export", stdin=""
    )

    agency = Agency.objects.get()
    assert agency.client_id == "nice-2"
    assert agency.agents_can_export is True
    assert agency.api_credentials().client_secret == "first"  # no new secret: kept
    assert "mise à jour" in output and "inchangé" in output

    run(
        "create_agency",
        "Agence Nice",
        "--client-id",
        "nice-2",
        "--no-agents-can-export",
        stdin="second\n",
    )
    agency.refresh_from_db()
    assert agency.api_credentials().client_secret == "second"
    assert agency.agents_can_export is False
    assert Agency.objects.count() == 1


def test_it_refuses_a_new_agency_without_a_secret(db):
    with pytest.raises(CommandError, match="LEADS_CLIENT_SECRET"):
        run("create_agency", "Agence Nice", "--client-id", "nice-1", stdin="")
    assert not Agency.objects.exists()


def test_it_has_no_command_line_option_for_the_secret(db):
    for option in ("--client-secret", "--secret"):
        with pytest.raises(CommandError, match="unrecognized arguments"):
            run("create_agency", "Agence Nice", "--client-id", "x", option, "leaked", stdin="s\n")
    assert not Agency.objects.exists()


def test_it_rejects_an_invalid_base_url(db):
    with pytest.raises(CommandError, match="base_url"):
        run("create_agency", "Agence Nice", "--client-id", "x", "--base-url", "nope", stdin="s\n")


# --- create_member ------------------------------------------------------------------------


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Nice", client_id="nice-1")


def test_it_creates_a_member_with_the_password_from_the_environment(agency, monkeypatch):
    monkeypatch.setenv("LEADSPORTAL_PASSWORD", "Un-mot-de-passe-solide-1")

    output = run(
        "create_member", "bob", "--agency", "Agence Nice", "--role", "agent", "--email", "b@x.fr"
    )

    user = get_user_model().objects.get(username="bob")
    assert user.check_password("Un-mot-de-passe-solide-1")
    assert user.email == "b@x.fr"
    assert Membership.objects.get(user=user).role == "agent"
    assert "Un-mot-de-passe-solide-1" not in output


def test_it_reads_the_password_from_stdin_and_updates_the_role(agency):
    run(
        "create_member",
        "bob",
        "--agency",
        "Agence Nice",
        "--role",
        "agent",
        stdin="Pass-phrase-9x\n",
    )

    output = run("create_member", "bob", "--agency", "Agence Nice", "--role", "manager", stdin="")

    user = get_user_model().objects.get(username="bob")
    assert user.check_password("Pass-phrase-9x")  # no new password: kept
    assert list(Membership.objects.values_list("role", flat=True)) == ["manager"]
    assert get_user_model().objects.count() == 1
    assert "mis à jour" in output


def test_it_adds_an_existing_user_to_a_second_agency(agency, make_agency):
    make_agency("Agence Lyon Démo", client_id="agence-lyon-demo")
    run(
        "create_member",
        "bob",
        "--agency",
        "Agence Nice",
        "--role",
        "agent",
        stdin="Pass-phrase-9x\n",
    )

    run("create_member", "bob", "--agency", "Agence Lyon Démo", "--role", "manager", stdin="")

    roles = dict(Membership.objects.values_list("agency__name", "role"))
    assert roles == {"Agence Nice": "agent", "Agence Lyon Démo": "manager"}


def test_it_names_the_unknown_agency(agency):
    with pytest.raises(CommandError, match=r"Agence inconnue : « Agence Nantes ».*Agence Nice"):
        run(
            "create_member",
            "bob",
            "--agency",
            "Agence Nantes",
            "--role",
            "agent",
            stdin="P-9x-long\n",
        )
    assert not get_user_model().objects.exists()


def test_it_refuses_a_new_user_without_a_password(agency):
    with pytest.raises(CommandError, match="LEADSPORTAL_PASSWORD"):
        run("create_member", "bob", "--agency", "Agence Nice", "--role", "agent", stdin="")
    assert not get_user_model().objects.exists()


def test_it_refuses_a_weak_password(agency):
    with pytest.raises(CommandError, match="Mot de passe refusé"):
        run("create_member", "bob", "--agency", "Agence Nice", "--role", "agent", stdin="123\n")


def test_it_refuses_an_unknown_role(agency):
    with pytest.raises(CommandError, match="invalid choice"):
        run(
            "create_member", "bob", "--agency", "Agence Nice", "--role", "boss", stdin="P-9x-long\n"
        )


def test_it_has_no_command_line_option_for_the_password(agency):
    with pytest.raises(CommandError, match="unrecognized arguments"):
        run(
            "create_member",
            "bob",
            "--agency",
            "Agence Nice",
            "--role",
            "agent",
            "--password",
            "leaked",
            stdin="",
        )


def test_it_creates_an_agency_on_seeker_leads_with_its_intermediary_id(db, monkeypatch):
    monkeypatch.setenv("LEADS_CLIENT_SECRET", "seeker-secret")

    output = run(
        "create_agency",
        "Agence Bordeaux",
        "--upstream",
        "seeker",
        "--client-id",
        "bdx-1",
        "--intermediary-id",
        "RC-42",
    )

    agency = Agency.objects.get(name="Agence Bordeaux")
    assert agency.upstream == Agency.Upstream.SEEKER_V1
    credentials = agency.seeker_credentials()
    assert (credentials.client_id, credentials.client_secret) == ("bdx-1", "seeker-secret")
    assert credentials.intermediary_id == "RC-42"
    assert "AVIV Seeker Leads v1" in output and "seeker-secret" not in output
    # Run again without --upstream: the agency stays on Seeker Leads.
    run("create_agency", "Agence Bordeaux", "--client-id", "bdx-1")
    assert Agency.objects.get(name="Agence Bordeaux").upstream == Agency.Upstream.SEEKER_V1


def test_register_webhooks_needs_the_public_address(db, monkeypatch):
    monkeypatch.delenv("LEADSPORTAL_PUBLIC_URL", raising=False)
    with pytest.raises(CommandError, match="--public-url"):
        call_command("register_webhooks", stdout=StringIO())
