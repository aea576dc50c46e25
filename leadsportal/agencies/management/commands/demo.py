"""manage.py demo [--addrport 127.0.0.1:8000] [--no-serve]

A ready-to-click local demo: migrates, creates the demo agencies — two on the embedded GSL v2
sandbox, one on the embedded AVIV Seeker Leads sandbox — and a few accounts with one well-known
password, prints the logins, then runs the background worker (`leads_worker`: the lead
watcher, in a child process) and the development server (which also serves both sandboxes).
Once the server answers, the Seeker agency's webhook is registered with its sandbox (whose
subscriptions live in the server's memory). Refused in production.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.services import agency_upsert, membership_upsert
from leadsportal.agencies.webhooks import webhook_register
from leadsportal.leads_api import LeadsApiError

DEMO_PASSWORD = "demo-leadsportal"

# Agency name -> (sandbox client id, agents can export)
DEMO_AGENCIES = {
    "Agence Paris Démo": ("agence-paris-demo", False),
    "Agence Lyon Démo": ("agence-lyon-demo", True),
}
PARIS, LYON = DEMO_AGENCIES
# The agency on AVIV Seeker Leads v1: (Seeker sandbox client id, agents can export).
BORDEAUX = "Agence Bordeaux Démo"
SEEKER_DEMO_AGENCY = ("agence-bordeaux-demo", True)
SEEKER_SANDBOX_PATH = "/seeker-sandbox/seeker-leads/v1"
AGENT, MANAGER = Membership.Role.AGENT, Membership.Role.MANAGER

# username -> (description, superuser, {agency name: role})
DEMO_USERS: dict[str, tuple[str, bool, dict[str, str]]] = {
    "agent": ("agent à Paris", False, {PARIS: AGENT}),
    "manager": ("responsable à Paris", False, {PARIS: MANAGER}),
    "multi": ("responsable à Paris et agent à Lyon", False, {PARIS: MANAGER, LYON: AGENT}),
    "lyon": ("agent à Lyon (peut exporter)", False, {LYON: AGENT}),
    "bordeaux": (
        "responsable à Bordeaux (AVIV Seeker Leads, onglet Appels)",
        False,
        {BORDEAUX: MANAGER},
    ),
    "sans-agence": ("rattaché à aucune agence", False, {}),
    "admin": (
        "superutilisateur, responsable des trois agences",
        True,
        {PARIS: MANAGER, LYON: MANAGER, BORDEAUX: MANAGER},
    ),
}


def sandbox_clients() -> dict[str, str]:
    clients = {}
    for pair in settings.LEADS_SANDBOX_CLIENTS.split(","):
        client_id, sep, secret = pair.strip().partition(":")
        if sep and client_id and secret:
            clients[client_id] = secret
    return clients


def seeker_sandbox_clients() -> dict[str, str]:
    clients = {}
    for pair in settings.SEEKER_SANDBOX_CLIENTS.split(","):
        client_id, sep, secret = pair.strip().partition(":")
        if sep and client_id and secret:
            clients[client_id] = secret
    return clients


def register_webhook_when_served(agency: Agency, address: str, *, wait: float = 30.0) -> None:
    """In a thread beside runserver: once the server answers, subscribe the Seeker agency's
    webhook with the embedded sandbox (a restarted server forgets its subscriptions)."""

    def run() -> None:
        until = time.monotonic() + wait
        while time.monotonic() < until:
            try:
                webhook_register(agency=agency, public_url=address)
            except LeadsApiError:
                time.sleep(0.5)  # not serving yet
            else:
                return

    threading.Thread(target=run, name="demo-webhook", daemon=True).start()


def local_base(addrport: str) -> str:
    """The URL the app uses to reach itself for a runserver address like '0.0.0.0:8000'."""
    host, sep, port = addrport.rpartition(":")
    if not sep:
        host, port = "", addrport
    if not port.isdigit():
        raise CommandError(f"--addrport {addrport!r} : attendu HÔTE:PORT, par ex. 127.0.0.1:8000.")
    if host in {"", "0.0.0.0", "0", "localhost"}:  # noqa: S104 - not a bind, a client address
        host = "127.0.0.1"
    elif host in {"[::]", "::"}:
        host = "[::1]"
    return f"http://{host}:{port}"


def start_worker() -> subprocess.Popen[bytes]:
    """`manage.py leads_worker` beside the server: the lead watcher and the scheduled tasks."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    return subprocess.Popen([sys.executable, str(manage), "leads_worker", "--workers", "4"])  # noqa: S603


class Command(BaseCommand):
    help = "Prépare une démonstration locale (agences et comptes de démo) et lance le serveur."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="HÔTE:PORT du serveur.")
        parser.add_argument(
            "--no-serve", action="store_true", help="Préparer les données sans lancer le serveur."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("La démonstration est interdite en production (LEADSPORTAL_ENV).")
        if not settings.LEADS_SANDBOX_ENABLED:
            raise CommandError(
                "La démonstration utilise le bac à sable intégré : LEADS_SANDBOX_ENABLED est désactivé."
            )
        addrport: str = options["addrport"]
        base_url = local_base(addrport) + "/sandbox"
        clients = sandbox_clients()
        missing = [cid for cid, _ in DEMO_AGENCIES.values() if cid not in clients]
        if missing:
            raise CommandError(
                "LEADS_SANDBOX_CLIENTS ne contient pas le(s) client(s) de démo : "
                + ", ".join(missing)
            )
        seeker_clients = seeker_sandbox_clients()
        seeker_client_id, seeker_agents_export = SEEKER_DEMO_AGENCY
        if seeker_client_id not in seeker_clients:
            raise CommandError(
                f"SEEKER_SANDBOX_CLIENTS ne contient pas le client de démo : {seeker_client_id}"
            )
        seeker_url = local_base(addrport) + SEEKER_SANDBOX_PATH

        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            agencies: dict[str, Agency] = {}
            for name, (client_id, agents_can_export) in DEMO_AGENCIES.items():
                agencies[name] = agency_upsert(
                    name=name,
                    client_id=client_id,
                    client_secret=clients[client_id],
                    base_url=base_url,
                    agents_can_export=agents_can_export,
                    upstream=Agency.Upstream.GSL_V2,
                ).obj
            agencies[BORDEAUX] = agency_upsert(
                name=BORDEAUX,
                client_id=seeker_client_id,
                client_secret=seeker_clients[seeker_client_id],
                base_url=seeker_url,
                agents_can_export=seeker_agents_export,
                upstream=Agency.Upstream.SEEKER_V1,
            ).obj
            self._create_users(agencies)

        out = self.stdout
        out.write(self.style.SUCCESS("Démonstration prête."))
        out.write(f"  Agences : {PARIS}, {LYON} (GSL v2 : {base_url})")
        out.write(f"           {BORDEAUX} (AVIV Seeker Leads v1 : {seeker_url})")
        out.write(f"  Mot de passe de tous les comptes de démo : {DEMO_PASSWORD}")
        for username, (description, _, _) in DEMO_USERS.items():
            out.write(f"    {username:<12} {description}")
        address = local_base(addrport)
        out.write(f"  Connexion : {address}/connexion/  —  administration : {address}/admin/")
        out.write(
            "  E-mails (invitations, mot de passe oublié) : affichés dans ce terminal ; "
            "chaque compte a l'adresse IDENTIFIANT@demo.invalid (ex. manager@demo.invalid)."
        )
        if options["no_serve"]:
            return
        out.write(
            "  Nouveaux leads : le guetteur interroge le bac à sable toutes les "
            f"{settings.LEADS_WATCH_INTERVAL} s ; pour en ajouter un :"
        )
        out.write(
            f"    curl -X POST {base_url}/_control/leads -H 'Content-Type: application/json' "
            '-d \'{"client_id": "agence-paris-demo"}\''
        )
        out.write(
            "    Bordeaux (Seeker, signalé par webhook) : curl -X POST "
            f"{address}/seeker-sandbox/_control/leads -H 'Content-Type: application/json' "
            f'-d \'{{"client_id": "{seeker_client_id}", "leadCategory": "CALL_TRACKING"}}\''
        )
        register_webhook_when_served(agencies[BORDEAUX], address)
        worker = start_worker()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _create_users(self, agencies: dict[str, Agency]) -> None:
        user_model = get_user_model()
        # One hash for all demo accounts: hashing is deliberately slow.
        password_hash = make_password(DEMO_PASSWORD)
        for username, (_, superuser, roles) in DEMO_USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            user.password = password_hash
            user.is_active = True
            user.is_staff = user.is_superuser = superuser
            if not user.email:
                user.email = f"{username}@demo.invalid"
            user.save()
            for agency_name, role in roles.items():
                membership_upsert(user=user, agency=agencies[agency_name], role=role)
            Membership.objects.filter(user=user).exclude(agency__name__in=list(roles)).filter(
                agency__in=list(agencies.values())
            ).delete()
