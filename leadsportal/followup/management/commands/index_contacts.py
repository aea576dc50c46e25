"""manage.py index_contacts [--days 92] [--agency NAME]

Fills the "déjà connu" index with the contacts of every lead of the period (default: the last
92 days), for every agency or one. The dashboard indexes the leads it shows as it goes; this
command catches up on the leads nobody has listed yet (after the first install, or daily from
cron), and drops the fingerprints of contacts erased since. Idempotent. Prints counts only,
never a contact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from leadsportal.agencies.models import Agency
from leadsportal.followup.fingerprints import contacts_index_period
from leadsportal.followup.unread import CLOCK_MARGIN
from leadsportal.leads_api import LeadsApiError

MAX_DAYS = 3 * 366  # leads expire 3 years after creation: nothing older exists


class Command(BaseCommand):
    help = (
        "Indexe les contacts (empreintes chiffrées des e-mails et téléphones) des leads de la "
        "période, pour le badge « Déjà connu »."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=92, help="Nombre de jours en arrière (92 par défaut)."
        )
        parser.add_argument("--agency", default=None, help="Nom exact d'une seule agence.")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days doit être compris entre 1 et {MAX_DAYS}.")
        agencies = Agency.objects.order_by("name")
        if options["agency"]:
            agencies = agencies.filter(name=options["agency"])
            if not agencies.exists():
                raise CommandError(f"Agence inconnue : {options['agency']!r}.")
        end = timezone.now() + CLOCK_MARGIN
        start = end - timedelta(days=days)
        failures = 0
        for agency in agencies:
            try:
                result = contacts_index_period(agency=agency, start=start, end=end)
            except LeadsApiError as error:
                failures += 1
                self.stderr.write(f"{agency.name} : échec ({error.user_message})")
                continue
            self.stdout.write(
                f"{agency.name} : {result.leads} leads lus, {result.inserted} empreintes "
                f"ajoutées, {result.deleted} retirées (contacts effacés)."
            )
        if failures:
            raise CommandError(f"{failures} agence(s) non indexée(s) ; relancez plus tard.")
