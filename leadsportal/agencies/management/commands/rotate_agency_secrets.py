"""manage.py rotate_agency_secrets: re-encrypt every agency secret with the newest key.

Key rotation: prepend the new key to LEADSPORTAL_FERNET_KEYS, run this command, then remove the
old key. Secrets already encrypted with the newest key are left untouched, so it is idempotent.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from leadsportal.agencies import crypto
from leadsportal.agencies.models import Agency


class Command(BaseCommand):
    help = "Rechiffre les secrets clients des agences avec la clé la plus récente."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = unchanged = 0
        failed: list[str] = []
        with transaction.atomic():
            for agency in Agency.objects.select_for_update().exclude(client_secret_encrypted=""):
                token = agency.client_secret_encrypted
                if crypto.is_encrypted_with_newest_key(token):
                    unchanged += 1
                    continue
                try:
                    agency.client_secret_encrypted = crypto.rotate(token)
                    # The webhook's secret (Seeker Leads agencies) goes with it.
                    if agency.webhook_secret_encrypted:
                        agency.webhook_secret_encrypted = crypto.rotate(
                            agency.webhook_secret_encrypted
                        )
                except crypto.SecretDecryptionError:
                    failed.append(agency.name)
                    continue
                agency.save(update_fields=["client_secret_encrypted", "webhook_secret_encrypted"])
                rotated += 1
        self.stdout.write(
            f"{rotated} secret(s) rechiffré(s), {unchanged} déjà chiffré(s) avec la clé la plus "
            "récente."
        )
        if failed:
            raise CommandError(
                "Illisible(s) avec les clés actuelles (remettez l'ancienne clé dans "
                "LEADSPORTAL_FERNET_KEYS, ou saisissez de nouveau le secret) : "
                + ", ".join(f"« {name} »" for name in failed)
            )
