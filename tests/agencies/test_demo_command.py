"""manage.py demo prepares the demo accounts and agencies, idempotently, never in production."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from leadsportal.agencies.management.commands.demo import DEMO_PASSWORD
from leadsportal.agencies.models import Agency, Membership


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", *args, stdout=out)
    return out.getvalue()


def _roles() -> set[tuple[str, str, str]]:
    return set(Membership.objects.values_list("user__username", "agency__name", "role"))


def test_it_creates_the_demo_agencies_and_accounts_idempotently(db):
    output = run_demo("--addrport", "0.0.0.0:8123")

    agencies = {a.name: a for a in Agency.objects.all()}
    assert set(agencies) == {"Agence Paris Démo", "Agence Lyon Démo"}
    paris = agencies["Agence Paris Démo"].api_credentials()
    assert (paris.client_id, paris.client_secret) == ("agence-paris-demo", "paris-demo-secret")
    assert paris.base_url == "http://127.0.0.1:8123/sandbox"
    lyon = agencies["Agence Lyon Démo"].api_credentials()
    assert (lyon.client_id, lyon.client_secret) == ("agence-lyon-demo", "lyon-demo-secret")

    expected = {
        ("agent", "Agence Paris Démo", "agent"),
        ("manager", "Agence Paris Démo", "manager"),
        ("multi", "Agence Paris Démo", "manager"),
        ("multi", "Agence Lyon Démo", "agent"),
        ("lyon", "Agence Lyon Démo", "agent"),
        ("admin", "Agence Paris Démo", "manager"),
        ("admin", "Agence Lyon Démo", "manager"),
    }
    assert _roles() == expected
    for username in ("agent", "manager", "multi", "lyon", "sans-agence", "admin"):
        assert username in output
        assert get_user_model().objects.get(username=username).check_password(DEMO_PASSWORD)
    assert get_user_model().objects.get(username="admin").is_superuser
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:8123/connexion/" in output

    # Running it again changes nothing, and repairs what a demo session changed.
    Membership.objects.filter(user__username="agent").update(role="manager")
    run_demo("--addrport", "0.0.0.0:8123")
    assert _roles() == expected
    assert Agency.objects.count() == 2
    assert get_user_model().objects.count() == 6


def test_it_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        run_demo()
    assert not Agency.objects.exists()
