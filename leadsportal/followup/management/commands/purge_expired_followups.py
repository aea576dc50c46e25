"""manage.py purge_expired_followups [--dry-run]

GDPR: deletes what leadsportal stores about leads past their expiration date (the API's
`expirationDate`, 3 years after creation): follow-ups with their notes and history, read
markers and contact fingerprints. Run it daily. Idempotent; prints counts only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leadsportal.followup.purge import followups_purge_expired


class Command(BaseCommand):
    help = (
        "Supprime les données de suivi (statuts, notes, historique, lectures, empreintes de "
        "contacts) des leads arrivés à expiration. À lancer chaque jour."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien supprimer.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = followups_purge_expired(dry_run=options["dry_run"])
        verb = "à supprimer" if options["dry_run"] else "supprimés"
        self.stdout.write(
            f"Suivis {verb} : {result.followups} (notes : {result.notes}, "
            f"événements : {result.events}) ; lectures : {result.reads} ; "
            f"empreintes de contacts : {result.fingerprints} ; "
            f"lignes de l'index des leads : {result.index_rows}."
        )
