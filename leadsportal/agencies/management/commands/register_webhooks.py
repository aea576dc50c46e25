"""manage.py register_webhooks --public-url https://leads.example.fr [--agency NAME]

Subscribes the webhook of every agency on AVIV Seeker Leads (or of one) at this dashboard's
public address, or points its subscription there again (after a change of address, or of the
agency's credentials). The address defaults to $LEADSPORTAL_PUBLIC_URL. Idempotent: an agency
keeps its secret and its subscription.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadsportal.agencies.models import Agency
from leadsportal.agencies.webhooks import webhook_register
from leadsportal.leads_api import LeadsApiError

PUBLIC_URL_ENV = "LEADSPORTAL_PUBLIC_URL"


class Command(BaseCommand):
    help = (
        "Enregistre auprès d'AVIV Seeker Leads le webhook de chaque agence Seeker (nouveaux "
        "leads signalés aussitôt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-url",
            default=None,
            help=f"Adresse publique du tableau de bord (défaut : ${PUBLIC_URL_ENV}).",
        )
        parser.add_argument("--agency", default=None, help="Nom d'une seule agence.")

    def handle(self, *args: Any, **options: Any) -> None:
        public_url = (options["public_url"] or os.environ.get(PUBLIC_URL_ENV, "")).strip()
        if not public_url.startswith(("http://", "https://")):
            raise CommandError(
                f"Adresse publique manquante ou invalide : --public-url ou ${PUBLIC_URL_ENV} "
                "(par ex. https://leads.example.fr)."
            )
        agencies = Agency.objects.filter(upstream=Agency.Upstream.SEEKER_V1)
        if options["agency"]:
            agencies = agencies.filter(name=options["agency"])
            if not agencies.exists():
                raise CommandError(f"Aucune agence Seeker Leads nommée « {options['agency']} ».")
        failed = []
        for agency in agencies:
            try:
                registration = webhook_register(agency=agency, public_url=public_url)
            except LeadsApiError as exc:
                failed.append(agency.name)
                self.stderr.write(f"« {agency.name} » : échec ({exc.user_message})")
                continue
            verb = "créé" if registration.created else "mis à jour"
            self.stdout.write(f"« {agency.name} » : webhook {verb}.")
        if failed:
            raise CommandError("Webhook non enregistré pour : " + ", ".join(failed))
