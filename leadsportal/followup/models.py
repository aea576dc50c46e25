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
    """The codes of the stages every agency's pipeline starts with (see PipelineStage), and
    their default names. `status` of a follow-up holds a stage's code: the agency may rename a
    stage (its name changes, its code never), reorder stages and add some."""

    NEW = "nouveau", _("Nouveau")
    CONTACTED = "contacte", _("Contacté")
    APPOINTMENT = "rendez-vous", _("Rendez-vous")
    VISIT = "visite", _("Visite")
    OFFER = "offre", _("Offre")
    MANDATE = "mandat", _("Mandat signé")
    LOST = "perdu", _("Perdu")
    # The two statuses of the first follow-up that the seeded pipeline has no stage for:
    # agencies that used them keep them as stages of their own (migration 0006).
    QUALIFIED = "qualifie", _("Qualifié")
    CLOSED = "clos", _("Clos")


class StageKind(models.TextChoices):
    """What a stage means for the statistics and the lists, whatever its name."""

    NEW = "new", _("à traiter")  # where a lead arrives: exactly one per agency
    OPEN = "open", _("en cours")
    WON = "won", _("gagné")
    LOST = "lost", _("perdu")  # moving a lead there asks why (LostReason)
    CLOSED = "closed", _("terminé")


class PipelineStage(models.Model):
    """One stage of an agency's pipeline, in the order the manager gave them."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="stages")
    # What follow-ups, filters, links and exports hold: stable across renames.
    code = models.SlugField(max_length=40)
    # Blank: the default name of the code, in the reader's language (FollowupStatus).
    name = models.CharField(_("nom"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=StageKind, default=StageKind.OPEN)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("étape du suivi")
        verbose_name_plural = _("étapes du suivi")
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="unique_stage_code"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.code}"


class LostReason(models.Model):
    """Why a lead was lost, from the list the agency edits; archived reasons stay on the leads
    that have them but are no longer offered."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="lost_reasons")
    label = models.CharField(_("raison"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("raison de perte")
        verbose_name_plural = _("raisons de perte")
        constraints = [
            models.UniqueConstraint(fields=["agency", "label"], name="unique_lost_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.label}"


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
    # The code of the lead's stage in the agency's pipeline (PipelineStage.code).
    status = models.CharField(max_length=40, default=FollowupStatus.NEW)
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
        REMINDER = "reminder", _("Rappel")

    followup = models.ForeignKey(LeadFollowup, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    # Done by the agency's assignment rule at the lead's arrival, not by a person.
    automatic = models.BooleanField(default=False)
    old_value = models.CharField(max_length=150, blank=True)
    new_value = models.CharField(max_length=150, blank=True)
    # A move to a stage of kind "lost": the reason chosen (reasons are archived, never deleted).
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
        if self.kind == self.Kind.REMINDER:
            # new_value: what happened to the reminder; old_value: for whom, when it is due.
            actions = {
                "set": _("rappel prévu"),
                "done": _("rappel fait"),
                "snoozed": _("rappel reporté"),
                "cancelled": _("rappel annulé"),
            }
            action = str(actions.get(self.new_value, self.new_value))
            return f"{action} ({self.old_value})" if self.old_value else action
        return str(_("note ajoutée"))


def _status_label(value: str) -> str:
    try:
        return str(FollowupStatus(value).label)
    except ValueError:
        return value or "—"


class Reminder(models.Model):
    """A call-back to make on a lead ("rappeler mardi 10 h"), for one member of the agency.

    When it falls due, a scheduled task tells its person once (`notified_at`) on every open
    page. Done, cancelled or snoozed (a new `due_at`, told again) by that person or a colleague.
    Deleted with the follow-up when the lead expires.
    """

    followup = models.ForeignKey(LeadFollowup, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    due_at = models.DateTimeField(_("échéance"))
    # The agent's own words ("visite jeudi"), like a note.
    text = models.CharField(_("texte"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        indexes = [
            models.Index(fields=["person", "due_at"], name="reminder_person_due"),
            models.Index(fields=["due_at"], name="reminder_due"),
        ]

    def __str__(self) -> str:
        return f"reminder {self.pk} @ {self.due_at:%Y-%m-%d %H:%M}"  # never the text

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None


class ContactAttempt(models.Model):
    """A call or an e-mail started from the dashboard's buttons (recorded when clicked), with
    the outcome the person may add afterwards. Never the number or address itself."""

    class Channel(models.TextChoices):
        CALL = "call", _("Appel")
        EMAIL = "email", _("E-mail")

    class Outcome(models.TextChoices):
        REACHED = "joint", _("Joint")
        VOICEMAIL = "messagerie", _("Messagerie")
        NO_ANSWER = "sans-reponse", _("Pas de réponse")

    followup = models.ForeignKey(
        LeadFollowup, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel)
    outcome = models.CharField(max_length=16, choices=Outcome, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("prise de contact")
        verbose_name_plural = _("prises de contact")

    def __str__(self) -> str:
        return f"{self.channel} {self.pk}"


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
