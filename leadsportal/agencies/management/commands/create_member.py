"""manage.py create_member USERNAME --agency NAME --role agent|manager [--email EMAIL]

Creates the user if needed (password from $LEADSPORTAL_PASSWORD or the first line of standard
input), then adds them to the agency with the role, or updates the role if they are a member.
For an existing user a password, when given, replaces the current one.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadsportal.agencies.cli import read_secret
from leadsportal.agencies.models import Agency, Membership
from leadsportal.agencies.services import membership_upsert, user_upsert

PASSWORD_ENV = "LEADSPORTAL_PASSWORD"


class Command(BaseCommand):
    help = (
        "Crée l'utilisateur si besoin et lui donne un rôle dans une agence. Le mot de passe est "
        f"lu dans ${PASSWORD_ENV} ou sur l'entrée standard (première ligne)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Identifiant de connexion.")
        parser.add_argument("--agency", required=True, help="Nom exact de l'agence.")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--email", default=None, help="Adresse e-mail (facultative).")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError("L'identifiant ne peut pas être vide.")
        try:
            agency = Agency.objects.get(name=options["agency"])
        except Agency.DoesNotExist:
            known = ", ".join(f"« {n} »" for n in Agency.objects.values_list("name", flat=True))
            raise CommandError(
                f"Agence inconnue : « {options['agency']} ». "
                + (f"Agences existantes : {known}." if known else "Aucune agence n'existe encore.")
                + " Créez-la d'abord avec manage.py create_agency."
            ) from None

        user_model = get_user_model()
        existing = user_model.objects.filter(username=username).first()
        password = read_secret(
            env_var=PASSWORD_ENV,
            stdin=options.get("stdin") or sys.stdin,
            prompt=f"Mot de passe de « {username} » : ",
            ask_if_tty=existing is None,
        )
        if existing is None and not password:
            raise CommandError(
                f"Aucun mot de passe : définissez ${PASSWORD_ENV} ou passez-le sur l'entrée "
                "standard."
            )
        if password:
            try:
                validate_password(password, existing or user_model(username=username))
            except ValidationError as exc:
                raise CommandError("Mot de passe refusé : " + " ".join(exc.messages)) from exc

        user = user_upsert(username=username, password=password or None, email=options["email"])
        membership = membership_upsert(user=user.obj, agency=agency, role=options["role"])
        user_verb = "créé" if user.created else "existant"
        member_verb = "ajouté à" if membership.created else "mis à jour dans"
        self.stdout.write(
            self.style.SUCCESS(
                f"Utilisateur « {username} » ({user_verb}) {member_verb} « {agency.name} » "
                f"avec le rôle {membership.obj.get_role_display()}."
            )
        )
