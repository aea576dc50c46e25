"""The watcher's state per agency, its leases, and the live events pushed to open pages.

Nothing here holds personal data: a live event names a lead by its id, family, portal and
listing reference, which is what a toast on a lock screen may show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Agency


class AgencyWatch(models.Model):
    """Where the watcher stands with one agency: its cursor and its health."""

    class State(models.TextChoices):
        STARTING = "starting", _("En démarrage")
        OK = "ok", _("À l'écoute")
        FAILING = "failing", _("API indisponible, nouvel essai plus espacé")
        RATE_LIMITED = "rate_limited", _("Trop de requêtes, l'API demande d'attendre")
        REFUSED = "refused", _("Identifiants refusés par l'API")

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="watch")
    state = models.CharField(max_length=16, choices=State, default=State.STARTING)
    # The creation date of the newest lead seen: the next poll starts there, minus an overlap.
    newest_created_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    polls = models.PositiveBigIntegerField(default=0)
    # Set while a worker polls the agency (renewed page by page): one poll at a time.
    busy_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("surveillance d'agence")
        verbose_name_plural = _("surveillances d'agences")

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.state}"

    @property
    def is_stalled(self) -> bool:
        """Listening in name only: no successful poll for three intervals and more (no worker
        running, the queue down, threads stuck)."""
        if self.state != self.State.OK or self.last_success_at is None:
            return False
        quiet_for = (timezone.now() - self.last_success_at).total_seconds()
        return quiet_for > max(3 * settings.LEADS_WATCH_INTERVAL, 60)

    @property
    def is_healthy(self) -> bool:
        return self.state in {self.State.STARTING, self.State.OK} and not self.is_stalled

    @property
    def state_label(self) -> str:
        if self.is_stalled:
            return str(_("Plus d'interrogation depuis plusieurs minutes (aucun worker ?)"))
        return str(self.get_state_display())


class WatchLease(models.Model):
    """One row per (job, interval slot): whoever inserts it first does the job for that slot.

    The unique constraint is the lease: N workers on M hosts may all try, one succeeds, the
    others skip. A worker that dies holds only the slot it was in; the next slot is free.
    """

    name = models.CharField(max_length=60)
    slot = models.BigIntegerField()
    holder = models.CharField(max_length=120)
    taken_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("bail")
        verbose_name_plural = _("baux")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="one_holder_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot} by {self.holder}"


class LiveEvent(models.Model):
    """Something every open page of the agency learns at once (new lead, assignment)."""

    class Kind(models.TextChoices):
        LEAD = "lead", _("Nouveau lead")
        ASSIGNED = "assigned", _("Lead attribué")
        REMINDER = "reminder", _("Rappel à faire")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    lead_id = models.CharField(max_length=100)
    lead_type = models.CharField(max_length=20)
    portal = models.CharField(max_length=20, blank=True)
    classified_id = models.BigIntegerField(null=True, blank=True)
    classified_reference = models.CharField(max_length=60, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimable = models.BooleanField(default=False)
    # A reminder that fell due: told to this member only (their streams, no one else's), with
    # the reminder's id and due time; never its text.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reminder_id = models.PositiveBigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement en direct")
        verbose_name_plural = _("événements en direct")
        indexes = [models.Index(fields=["agency", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.agency_id}:{self.lead_id}"
