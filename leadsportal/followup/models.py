"""What the agency knows about its leads beyond the read-only API: follow-up, reads, contacts.

Everything is keyed by (agency, lead id): the API's lead ids are only unique per client, and
an agency never sees another agency's rows. Every table that holds something about a lead also
holds the lead's expiration date (`expires_at`, copied from the API the first time anything is
stored), so that `purge_expired_followups` can delete it without asking the API (GDPR).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadsportal.agencies.models import Agency

LEAD_ID_MAX_LENGTH = 100


class FollowupStatus(models.TextChoices):
    NEW = "nouveau", _("Nouveau")
    CONTACTED = "contacte", _("Contacté")
    QUALIFIED = "qualifie", _("Qualifié")
    CLOSED = "clos", _("Clos")


class LeadFollowup(models.Model):
    """The agency's shared follow-up of one lead; created the first time someone acts on it.

    The lead's type, portal, listing and dates are copied here (no personal data) so that the
    "status" and "mes leads" filters can select and paginate leads locally.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="followups")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)
    lead_type = models.CharField(max_length=20)
    portal = models.CharField(max_length=20, blank=True)
    classified_id = models.BigIntegerField(null=True, blank=True)
    lead_created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=12, choices=FollowupStatus, default=FollowupStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_followups",
    )
    # The first time the status changed, and how long after the lead's creation that was.
    first_status_change_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("suivi de lead")
        verbose_name_plural = _("suivis de leads")
        constraints = [
            models.UniqueConstraint(fields=["agency", "lead_id"], name="unique_followup_per_lead"),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "lead_created_at"]),
            models.Index(fields=["agency", "assignee", "lead_created_at"]),
            models.Index(fields=["agency", "lead_created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.lead_id} ({self.status})"


class FollowupEvent(models.Model):
    """Who changed what and when: the history of a follow-up."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Statut")
        ASSIGNEE = "assignee", pgettext_lazy("assignee", "Responsable")
        NOTE = "note", _("Note")

    followup = models.ForeignKey(LeadFollowup, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    # Done by the agency's assignment rule at the lead's arrival, not by a person.
    automatic = models.BooleanField(default=False)
    old_value = models.CharField(max_length=150, blank=True)
    new_value = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("événement de suivi")
        verbose_name_plural = _("événements de suivi")

    def __str__(self) -> str:
        return f"{self.kind} {self.old_value!r} → {self.new_value!r}"

    @property
    def description(self) -> str:
        """What happened, in words: "statut : Nouveau → Contacté"."""
        if self.kind == self.Kind.STATUS:
            return str(_("statut : %(old)s → %(new)s")) % {
                "old": _status_label(self.old_value),
                "new": _status_label(self.new_value),
            }
        if self.kind == self.Kind.ASSIGNEE:
            if not self.new_value:
                return str(_("n'est plus assigné (était : %(old)s)")) % {"old": self.old_value}
            return str(_("assigné à %(new)s")) % {"new": self.new_value}
        return str(_("note ajoutée"))


def _status_label(value: str) -> str:
    try:
        return str(FollowupStatus(value).label)
    except ValueError:
        return value or "—"


class LeadNote(models.Model):
    followup = models.ForeignKey(LeadFollowup, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.pk}"  # never the body: it may hold personal data


class LeadRead(models.Model):
    """One user opened one lead of one agency: it is no longer new for them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)
    lead_type = models.CharField(max_length=20)
    lead_created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lead lu")
        verbose_name_plural = _("leads lus")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "lead_id"], name="unique_read_per_user_and_lead"
            ),
        ]
        indexes = [models.Index(fields=["user", "agency", "lead_created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.agency_id}:{self.lead_id}"


class AgencyLead(models.Model):
    """The agency lead index: one row per lead of the agency, and nothing personal.

    Written by the watcher as leads arrive, by the backfill of the last 92 days and by every
    page of leads the dashboard shows; read by the search, the statistics and the "déjà connu"
    badge (through the contact fingerprints, keyed by the same agency and lead id). No name,
    phone, e-mail or message: the listing's reference is the agency's, not the contact's.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)
    lead_type = models.CharField(max_length=20)
    portal = models.CharField(max_length=20, blank=True)
    classified_id = models.BigIntegerField(null=True, blank=True)
    classified_reference = models.CharField(max_length=60, blank=True)
    # The listing's title (the agency's own words about its property, not the contact's): the
    # listing filter's suggestions and the statistics show it without asking the API.
    classified_title = models.CharField(max_length=200, blank=True, default="")
    lead_created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    # When the dashboard first saw the lead (its arrival, for the watcher).
    first_seen_at = models.DateTimeField()
    # When the watcher told the agency about it; set without telling for the leads that were
    # there before the watcher started (backfill, first poll).
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lead indexé")
        verbose_name_plural = _("index des leads")
        constraints = [
            models.UniqueConstraint(fields=["agency", "lead_id"], name="unique_index_row_per_lead"),
        ]
        indexes = [
            models.Index(fields=["agency", "lead_created_at"]),
            models.Index(fields=["agency", "classified_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.lead_id}"


class ContactFingerprint(models.Model):
    """A keyed hash (HMAC-SHA256) of one normalised e-mail or phone number of a lead's contact.

    Never the e-mail or phone itself: the index only answers "did an earlier lead of this agency
    come from the same contact?". Leads of erased contacts have no fingerprint.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)
    digest = models.CharField(max_length=64)
    lead_created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("empreinte de contact")
        verbose_name_plural = _("empreintes de contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "lead_id", "digest"], name="unique_fingerprint_per_lead"
            ),
        ]
        indexes = [models.Index(fields=["agency", "digest"])]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.lead_id}"


class SearchFingerprint(models.Model):
    """A keyed hash (HMAC-SHA256) of one word of a lead's contact name, for the search box.

    Kept apart from ContactFingerprint: two leads sharing a first name are not "déjà connu".
    Never the word itself; written, forgotten (erased contacts) and purged (expiry) with the
    contact fingerprints, by the same sync (followup/fingerprints.py).
    """

    # No creation date: results are ordered by the index row's (AgencyLead.lead_created_at).
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)
    digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("empreinte de recherche")
        verbose_name_plural = _("empreintes de recherche")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "lead_id", "digest"], name="unique_search_fingerprint_per_lead"
            ),
        ]
        indexes = [models.Index(fields=["agency", "digest"])]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.lead_id}"


class AccessRecord(models.Model):
    """Who opened a lead's detail, or exported leads, and when: for the agency's managers.

    Lead ids only, never lead data; kept `settings.LEADS_ACCESS_RECORD_MONTHS` (12) months, then
    purged by a scheduled task (followup/access.py), even after the leads themselves expire: a
    lead id alone tells nothing once the lead is gone upstream.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Ouverture d'un lead")
        EXPORTED = "exported", _("Export de leads")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # A deleted account keeps its records, anonymous (the username stays for the managers).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind)
    at = models.DateTimeField(db_index=True)
    # An opening: the lead. An export: blank, its leads are AccessRecordLead rows.
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH, blank=True)
    # An export: the id of its line in the export history (exports.ExportRecord; a plain number
    # because the exports app sits above this one) and the number of leads it wrote.
    export_ref = models.PositiveBigIntegerField(null=True, blank=True)
    lead_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("accès à un lead")
        verbose_name_plural = _("accès aux leads")
        indexes = [
            models.Index(fields=["agency", "-at"]),
            models.Index(fields=["agency", "lead_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.kind}:{self.username}@{self.at:%Y-%m-%d %H:%M}"


class AccessRecordLead(models.Model):
    """One lead written by an export (an AccessRecord of kind "exported")."""

    record = models.ForeignKey(AccessRecord, on_delete=models.CASCADE, related_name="leads")
    lead_id = models.CharField(max_length=LEAD_ID_MAX_LENGTH)

    class Meta:
        verbose_name = _("lead exporté")
        verbose_name_plural = _("leads exportés")
        indexes = [models.Index(fields=["lead_id"])]

    def __str__(self) -> str:
        return f"{self.record_id}:{self.lead_id}"
