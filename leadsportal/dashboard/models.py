"""What the dashboard keeps per person: their saved views of the lead lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Agency

VIEW_NAME_MAX_LENGTH = 60


class SavedView(models.Model):
    """A list with its filters, named by its owner: the URL stays the source of truth."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("nom"), max_length=VIEW_NAME_MAX_LENGTH)
    # A list's path and query string, as the list itself writes it (dashboard/query.py).
    url = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vue enregistrée")
        verbose_name_plural = _("vues enregistrées")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "name"], name="unique_view_name_per_user_and_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.name
