"""Agencies (one upstream each, GSL Customer Leads v2 or AVIV Seeker Leads v1, with its
credentials) and the memberships of users in them."""

from __future__ import annotations

import functools
import hmac
import logging
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies import crypto
from leadsportal.leads_api import ApiCredentials, LeadsApiCredentialsUnreadable, credentials_for
from leadsportal.seeker_api import SeekerCredentials
from leadsportal.seeker_api import credentials_for as seeker_credentials_for

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)
def _decrypt_cached(pk: int | None, token: str) -> str:
    # Keyed by (pk, token): a new secret or a rotation yields a new token, hence a new entry.
    # Decryption sits on every dashboard request, so each stored value is decrypted only once
    # per process.
    return crypto.decrypt(token)


def clear_credentials_cache() -> None:
    _decrypt_cached.cache_clear()


class Upstream(models.TextChoices):
    """The API an agency's leads come from (docs/UPSTREAMS.md)."""

    GSL_V2 = "gsl_v2", _("GSL Customer Leads v2")
    SEEKER_V1 = "seeker_v1", _("AVIV Seeker Leads v1")


class Agency(models.Model):
    Upstream = Upstream

    name = models.CharField(_("nom"), max_length=200, unique=True)
    upstream = models.CharField(
        _("API des leads"),
        max_length=16,
        choices=Upstream,
        default=Upstream.GSL_V2,
        help_text=_(
            "GSL Customer Leads v2, ou son successeur AVIV Seeker Leads v1 (identifiants "
            "fournis par AVIV, avec l'identifiant d'intermédiaire)."
        ),
    )
    client_id = models.CharField(_("identifiant client (client_id)"), max_length=200)
    # A MultiFernet token, never the secret itself; not editable through model forms.
    client_secret_encrypted = models.TextField(
        _("secret client (chiffré)"), editable=False, default=""
    )
    base_url = models.URLField(
        _("URL de base de l'API"),
        blank=True,
        help_text=_("Laisser vide pour utiliser l'API configurée par défaut."),
    )
    # AVIV Seeker Leads only: the id AVIV gives the agency's software at onboarding.
    intermediary_id = models.CharField(
        _("identifiant d'intermédiaire (Seeker Leads)"),
        max_length=200,
        blank=True,
        help_text=_("AVIV Seeker Leads uniquement : fourni par AVIV avec l'identifiant client."),
    )
    # AVIV Seeker Leads only: the secret in the URL of the agency's webhook (a MultiFernet
    # token, as the client secret), and the subscription registered with it.
    webhook_secret_encrypted = models.TextField(
        _("secret du webhook (chiffré)"), editable=False, default=""
    )
    webhook_subscription_id = models.CharField(
        _("abonnement webhook"), max_length=100, blank=True, editable=False, default=""
    )
    agents_can_export = models.BooleanField(
        _("les agents peuvent exporter"),
        default=False,
        help_text=_("Sinon, seuls les responsables de l'agence peuvent exporter des leads."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class AssignmentRule(models.TextChoices):
        NONE = "none", _("Personne : chacun prend les leads qu'il veut")
        ROUND_ROBIN = "round_robin", _("À tour de rôle parmi les membres disponibles")
        FIRST_TO_CLAIM = (
            "first_to_claim",
            _("Au premier qui le prend, puis à tour de rôle après un délai"),
        )

    assignment_rule = models.CharField(
        _("attribution des nouveaux leads"),
        max_length=20,
        choices=AssignmentRule,
        default=AssignmentRule.NONE,
    )
    claim_minutes = models.PositiveSmallIntegerField(
        _("délai avant attribution à tour de rôle (minutes)"),
        default=15,
        help_text=_("Pour « au premier qui le prend » : passé ce délai, le lead est attribué."),
    )
    # Set by the agency's managers on their team page (agencies/accounts.py).
    managers_require_two_factor = models.BooleanField(
        _("double authentification obligatoire pour les responsables"),
        default=False,
        help_text=_(
            "Un responsable sans application d'authentification doit en configurer une avant "
            "d'accéder au tableau de bord."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agence")
        verbose_name_plural = _("agences")

    def __str__(self) -> str:
        return self.name

    @property
    def has_client_secret(self) -> bool:
        return bool(self.client_secret_encrypted)

    def set_client_secret(self, plain: str) -> None:
        """Encrypt and store the secret (the caller saves the agency)."""
        self.client_secret_encrypted = crypto.encrypt(plain)

    @property
    def is_seeker(self) -> bool:
        return self.upstream == Upstream.SEEKER_V1

    def effective_base_url(self) -> str:
        default = settings.SEEKER_API_BASE_URL if self.is_seeker else settings.LEADS_API_BASE_URL
        return (self.base_url or default).rstrip("/")

    def _client_secret(self) -> str:
        if not self.client_secret_encrypted:
            raise LeadsApiCredentialsUnreadable(f"agency {self.pk} has no client secret set")
        try:
            return _decrypt_cached(self.pk, self.client_secret_encrypted)
        except crypto.SecretDecryptionError as exc:
            # Only an administrator can fix it: an error, whichever page met it.
            logger.error("agency secret cannot be decrypted", extra={"agency_id": self.pk})
            raise LeadsApiCredentialsUnreadable(f"agency {self.pk}: {exc}") from exc

    def seeker_credentials(self) -> SeekerCredentials:
        """The decrypted credentials for the Seeker Leads client (errors as `api_credentials`)."""
        return seeker_credentials_for(
            self.client_id,
            self._client_secret(),
            self.base_url,
            intermediary_id=self.intermediary_id,
        )

    # --- The webhook's secret (Seeker Leads) ---------------------------------------------------

    def new_webhook_secret(self) -> str:
        """A fresh secret for the webhook's URL, stored encrypted (the caller saves)."""
        plain = secrets.token_urlsafe(32)
        self.webhook_secret_encrypted = crypto.encrypt(plain)
        return plain

    def webhook_secret(self) -> str:
        """The plain secret ("" when none is set or it cannot be decrypted any more)."""
        if not self.webhook_secret_encrypted:
            return ""
        try:
            return _decrypt_cached(self.pk, self.webhook_secret_encrypted)
        except crypto.SecretDecryptionError:
            logger.error("agency webhook secret cannot be decrypted", extra={"agency_id": self.pk})
            return ""

    def webhook_secret_matches(self, candidate: str) -> bool:
        """Whether a webhook call's secret is this agency's, in constant time."""
        expected = self.webhook_secret()
        return bool(expected) and hmac.compare_digest(expected.encode(), candidate.encode())

    def api_credentials(self) -> ApiCredentials:
        """The decrypted credentials for the leads API client.

        Raises LeadsApiCredentialsUnreadable (of the API's error family, so that every caller
        shows it like any other upstream problem) when no configured key can read the secret.
        """
        return credentials_for(self.client_id, self._client_secret(), self.effective_base_url())


class Membership(models.Model):
    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        MANAGER = "manager", _("Responsable")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("agence"),
    )
    role = models.CharField(_("rôle"), max_length=16, choices=Role, default=Role.AGENT)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # The member's last "Tout marquer comme lu" over everything: leads created before it are
    # read (the follow-up's unread markers). Kept on the membership so that the one query a
    # request makes for the memberships brings it along.
    leads_read_before = models.DateTimeField(
        _("tout lu avant"), null=True, blank=True, editable=False
    )
    # Set by the member: round-robin assignment skips members who are not available.
    available = models.BooleanField(_("disponible pour les nouveaux leads"), default=True)
    # When round-robin last gave this member a lead: the next one goes to the longest waiting.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A deactivated member keeps the row (their role, their history in the agency) but no longer
    # reaches the agency: every read of "the user's agencies" filters on it (access.py,
    # members.py, the assignment rules). An invited colleague is inactive until they choose
    # their password.
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["agency__name", "user__username"]
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="unique_membership_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency} ({self.get_role_display()})"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER


class Invitation(models.Model):
    """A colleague invited to an agency who has not chosen a password yet.

    The invitation's membership exists (inactive, with its role) from the start; choosing the
    password through the e-mailed link activates it and deletes this row.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("agence")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("personne invitée"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invitée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="unique_invitation_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.agency}"
