"""The audit trail of lead exports: who took which leads out of leadsportal, when, and how."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadsportal.dashboard.export_formats import ExportFormat


class ExportStatus(models.TextChoices):
    RUNNING = "running", _("en cours")
    COMPLETED = "completed", _("terminé")
    INCOMPLETE = "incomplete", _("incomplet")
    FAILED = "failed", _("échoué")


class ExportRecord(models.Model):
    """One export attempt. Created when the export starts, finished when its file ends.

    A record left "running" means the process died while streaming. `filters` holds the list's
    criteria (dates, portal, listing number), never personal data of leads. The user's and the
    agency's names are copied so that the trail survives their deletion.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    username = models.CharField(_("identifiant"), max_length=150)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.SET_NULL,
        null=True,
        related_name="exports",
        verbose_name=_("agence"),
    )
    agency_name = models.CharField(_("nom de l'agence"), max_length=200)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    family = models.CharField(_("liste"), max_length=32, blank=True)
    classified_id = models.BigIntegerField(_("annonce (n°)"), null=True, blank=True)
    filters = models.JSONField(_("filtres"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=16, choices=ExportFormat)
    expected_count = models.PositiveIntegerField(_("leads annoncés par l'API"), null=True)
    row_count = models.PositiveIntegerField(_("leads exportés"), default=0)
    status = models.CharField(
        _("statut"), max_length=16, choices=ExportStatus, default=ExportStatus.RUNNING
    )
    duration = models.DurationField(_("durée"), null=True, blank=True)
    error = models.CharField(_("problème"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export de leads")
        verbose_name_plural = _("exports de leads")
        indexes = [models.Index(fields=["agency", "-created_at"], name="export_agency_recent")]

    def __str__(self) -> str:
        return f"{self.username} — {self.agency_name} — {self.created_at:%Y-%m-%d %H:%M}"
