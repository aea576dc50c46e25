"""The forms of the team page, "Mon compte" and the code step of the login."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Membership

CODE_PATTERN = re.compile(r"^\d{6}$")


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Saisissez l'adresse e-mail de la personne à inviter."),
            "invalid": _("Saisissez une adresse e-mail valide."),
        },
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Membership.Role.choices)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=Membership.Role.choices,
        error_messages={"invalid_choice": _("Choisissez un rôle dans la liste.")},
    )


class TwoFactorRuleForm(forms.Form):
    managers_require_two_factor = forms.BooleanField(
        label=_("Double authentification obligatoire pour les responsables"), required=False
    )


class CodeForm(forms.Form):
    """Six digits from the authenticator app (spaces allowed: some apps show "123 456")."""

    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"[0-9 ]*",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Saisissez le code affiché par votre application.")},
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not CODE_PATTERN.match(code):
            raise forms.ValidationError(_("Le code compte 6 chiffres."))
        return code


class PasswordConfirmForm(forms.Form):
    """The current password, before something that weakens the account (removing 2FA)."""

    password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."))
        return password


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
