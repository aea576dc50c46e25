"""The audit trail of lead exports: who took which leads out of leadsportal, when, and how."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadsportal.dashboard.export_formats import ExportFormat
from leadsportal.leads_api import PAGE_SIZE_MAX


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    COMPLETED = "completed", _("terminé")
    INCOMPLETE = "incomplete", _("incomplet")
    FAILED = "failed", _("échoué")


class ExportRecord(models.Model):
    """One export attempt. Created when the export starts, finished when its file is built.

    A record left "running" means the process died while building it. `filters` holds the list's
    criteria (dates, portal, listing number), never personal data of leads. The user's and the
    agency's names are copied so that the trail survives their deletion.

    A background export (more than LEADS_EXPORT_BACKGROUND_PAGES pages) is also the job of the
    worker: `list_query` is the list's filters as the export URL gave them (dates, portal,
    listing, follow-up filters: no lead data), progress is counted in `pages_done` and
    `row_count`, and its file (encrypted chunks, ExportFileChunk) waits `file_expires_at`.
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
    # The background job and its file.
    background = models.BooleanField(_("en arrière-plan"), default=False)
    list_query = models.CharField(_("filtres de la liste (URL)"), max_length=1000, blank=True)
    language = models.CharField(_("langue du fichier"), max_length=8, blank=True)
    pages_done = models.PositiveIntegerField(_("pages lues"), default=0)
    progress_at = models.DateTimeField(_("dernier progrès"), null=True, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(_("taille du fichier (octets)"), null=True)
    file_expires_at = models.DateTimeField(
        _("fichier disponible jusqu'au"), null=True, blank=True, db_index=True
    )
    file_deleted_at = models.DateTimeField(_("fichier supprimé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export de leads")
        verbose_name_plural = _("exports de leads")
        indexes = [models.Index(fields=["agency", "-created_at"], name="export_agency_recent")]

    def __str__(self) -> str:
        return f"{self.username} — {self.agency_name} — {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress_total(self) -> int:
        """The leads the bar goes up to: the API's Count (which grows if leads arrive)."""
        return max(self.expected_count or 0, self.row_count, 1)

    @property
    def pages_total(self) -> int:
        return max(1, -(-max(self.expected_count or 0, self.row_count) // PAGE_SIZE_MAX))

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.COMPLETED, ExportStatus.INCOMPLETE, ExportStatus.FAILED)

    def file_available(self, now: datetime) -> bool:
        """The prepared file can still be downloaded (a background export that produced one)."""
        return (
            self.background
            and self.status in (ExportStatus.COMPLETED, ExportStatus.INCOMPLETE)
            and self.file_expires_at is not None
            and self.file_deleted_at is None
            and now < self.file_expires_at
        )

    def file_expired(self, now: datetime) -> bool:
        return self.file_deleted_at is not None or (
            self.file_expires_at is not None and now >= self.file_expires_at
        )


class ExportFileChunk(models.Model):
    """A piece of a background export's file, in order: zlib-compressed, then encrypted
    (Fernet, settings.FERNET_KEYS). In the database so that web and worker containers share it
    without a shared disk; deleted LEADS_EXPORT_FILE_HOURS after the file was made."""

    record = models.ForeignKey(ExportRecord, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("morceau de fichier d'export")
        verbose_name_plural = _("morceaux de fichiers d'export")
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="unique_export_chunk"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}#{self.position}"
