"""manage.py create_agency NAME --client-id ID [--upstream gsl|seeker] [--intermediary-id ID]
[--base-url URL] [--(no-)agents-can-export]

The client secret comes from $LEADS_CLIENT_SECRET or the first line of standard input (a hidden
prompt on a terminal), never from the command line where `ps` and shell history would see it.
Running it again updates the agency: a missing secret then keeps the stored one.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadsportal.agencies.cli import read_secret
from leadsportal.agencies.models import Agency
from leadsportal.agencies.services import agency_upsert

SECRET_ENV = "LEADS_CLIENT_SECRET"
UPSTREAMS = {"gsl": Agency.Upstream.GSL_V2, "seeker": Agency.Upstream.SEEKER_V1}


class Command(BaseCommand):
    help = (
        "Crée ou met à jour une agence et ses identifiants (GSL v2 ou AVIV Seeker Leads v1). "
        "Le secret client est lu dans "
        f"${SECRET_ENV} ou sur l'entrée standard (première ligne)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Nom de l'agence (unique).")
        parser.add_argument("--client-id", required=True, help="Identifiant client (GSL ou AVIV).")
        parser.add_argument(
            "--upstream",
            choices=sorted(UPSTREAMS),
            default=None,
            help="API des leads : gsl (GSL Customer Leads v2, par défaut à la création) ou "
            "seeker (AVIV Seeker Leads v1).",
        )
        parser.add_argument(
            "--intermediary-id",
            default=None,
            help="Identifiant d'intermédiaire fourni par AVIV (Seeker Leads uniquement).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="URL de base de l'API pour cette agence (vide = l'API par défaut).",
        )
        parser.add_argument(
            "--agents-can-export",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Autoriser les agents (pas seulement les responsables) à exporter.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        client_id = options["client_id"].strip()
        if not name or not client_id:
            raise CommandError("Le nom de l'agence et --client-id ne peuvent pas être vides.")
        exists = Agency.objects.filter(name=name).exists()
        secret = read_secret(
            env_var=SECRET_ENV,
            stdin=options.get("stdin") or sys.stdin,
            prompt=f"Secret client de « {name} » : ",
        )
        if not secret and not exists:
            raise CommandError(
                f"Aucun secret client : définissez ${SECRET_ENV} ou passez-le sur l'entrée "
                "standard (par exemple : printf '%s\\n' \"$SECRET\" | manage.py create_agency ...)."
            )
        try:
            result = agency_upsert(
                name=name,
                client_id=client_id,
                client_secret=secret or None,
                base_url=options["base_url"],
                agents_can_export=options["agents_can_export"],
                upstream=UPSTREAMS[options["upstream"]] if options["upstream"] else None,
                intermediary_id=options["intermediary_id"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
            )
            raise CommandError(f"Agence invalide : {problems}") from exc
        agency = result.obj
        verb = "créée" if result.created else "mise à jour"
        secret_note = "" if secret or result.created else " (secret client inchangé)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Agence « {agency.name} » {verb} (id {agency.pk}, "
                f"{agency.get_upstream_display()}, client_id {agency.client_id}, "
                f"API {agency.effective_base_url()}){secret_note}."
            )
        )
