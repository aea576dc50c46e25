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
    assert set(agencies) == {"Agence Paris Démo", "Agence Lyon Démo", "Agence Bordeaux Démo"}
    paris = agencies["Agence Paris Démo"].api_credentials()
    assert (paris.client_id, paris.client_secret) == ("agence-paris-demo", "paris-demo-secret")
    assert paris.base_url == "http://127.0.0.1:8123/sandbox"
    lyon = agencies["Agence Lyon Démo"].api_credentials()
    assert (lyon.client_id, lyon.client_secret) == ("agence-lyon-demo", "lyon-demo-secret")
    # One agency on each upstream: Bordeaux reads the embedded Seeker Leads sandbox.
    assert agencies["Agence Paris Démo"].upstream == Agency.Upstream.GSL_V2
    bordeaux = agencies["Agence Bordeaux Démo"]
    assert bordeaux.upstream == Agency.Upstream.SEEKER_V1
    seeker = bordeaux.seeker_credentials()
    assert (seeker.client_id, seeker.client_secret) == (
        "agence-bordeaux-demo",
        "bordeaux-demo-secret",
    )
    assert seeker.base_url == "http://127.0.0.1:8123/seeker-sandbox/seeker-leads/v1"

    expected = {
        ("agent", "Agence Paris Démo", "agent"),
        ("manager", "Agence Paris Démo", "manager"),
        ("multi", "Agence Paris Démo", "manager"),
        ("multi", "Agence Lyon Démo", "agent"),
        ("lyon", "Agence Lyon Démo", "agent"),
        ("admin", "Agence Paris Démo", "manager"),
        ("admin", "Agence Lyon Démo", "manager"),
        ("bordeaux", "Agence Bordeaux Démo", "manager"),
        ("admin", "Agence Bordeaux Démo", "manager"),
    }
    assert _roles() == expected
    for username in ("agent", "manager", "multi", "lyon", "bordeaux", "sans-agence", "admin"):
        assert username in output
        assert get_user_model().objects.get(username=username).check_password(DEMO_PASSWORD)
    assert get_user_model().objects.get(username="admin").is_superuser
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:8123/connexion/" in output

    # Running it again changes nothing, and repairs what a demo session changed.
    Membership.objects.filter(user__username="agent").update(role="manager")
    run_demo("--addrport", "0.0.0.0:8123")
    assert _roles() == expected
    assert Agency.objects.count() == 3
    assert get_user_model().objects.count() == 7


def test_it_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        run_demo()
    assert not Agency.objects.exists()


def test_the_demo_serves_the_dashboard_with_its_watcher_running(tmp_path):
    """`uv run manage.py demo` on a fresh database: the server answers, and a lead added to
    the sandbox is announced by the watcher the demo started, with nothing else run first."""
    import json
    import os
    import socket
    import sqlite3
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from django.conf import settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database = tmp_path / "demo.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DATABASE_URL": f"sqlite:///{database}",
        "LEADS_TASKS_SQLITE": str(tmp_path / "tasks.sqlite3"),
        "LEADS_WATCH_INTERVAL": "2",
        "LEADS_SANDBOX_LEADS_PER_CLIENT": "50",
    }
    base = f"http://127.0.0.1:{port}"
    demo = subprocess.Popen(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "demo",
            "--addrport",
            f"127.0.0.1:{port}",
        ],
        env=env,
        stdout=(tmp_path / "demo.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/connexion/", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
                time.sleep(0.5)

        def announced() -> int:
            with sqlite3.connect(database, timeout=10) as db:
                return db.execute("SELECT COUNT(*) FROM watch_liveevent").fetchone()[0]

        # The watcher's first poll of each agency (its baseline) comes first.
        deadline = time.monotonic() + 60
        while True:
            with sqlite3.connect(database, timeout=10) as db:
                polled = db.execute(
                    "SELECT COUNT(*) FROM watch_agencywatch WHERE polls > 0"
                ).fetchone()[0]
            if polled == 3:
                break
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)
        request = urllib.request.Request(
            f"{base}/sandbox/_control/leads",
            data=json.dumps({"client_id": "agence-paris-demo"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
        deadline = time.monotonic() + 30
        while announced() == 0:
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)

        # The Seeker agency's webhook was registered with its sandbox once the server
        # answered; a new lead there calls it, and the lead is announced too.
        def seeker_stats() -> dict:
            with urllib.request.urlopen(f"{base}/seeker-sandbox/_control/stats", timeout=5) as r:
                return json.loads(r.read())

        deadline = time.monotonic() + 30
        while seeker_stats()["subscriptions"] != {"agence-bordeaux-demo": 1}:
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)
        request = urllib.request.Request(
            f"{base}/seeker-sandbox/_control/leads",
            data=json.dumps(
                {"client_id": "agence-bordeaux-demo", "leadCategory": "CALL_TRACKING"}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
        deadline = time.monotonic() + 30
        while announced() < 2:
            assert time.monotonic() < deadline, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)
    finally:
        os.killpg(demo.pid, 2)  # Ctrl-C: the server stops and takes its worker with it
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, 9)
