"""The forms of reminders: a new one on a lead, and a snooze to a chosen time.

Dates and times are typed in a datetime-local input, as wall-clock time in Paris; they are
parsed here (not by Django's DateTimeField, which refuses the times that do not exist or
happen twice on the days the clocks change: see followup/reminders.py `paris_time`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.members import member_label
from leadsportal.agencies.models import Agency
from leadsportal.followup.reminders import (
    REMINDER_TEXT_MAX_LENGTH,
    SNOOZE_HOUR,
    ParisTime,
    paris_time,
    paris_wall,
    tomorrow_morning,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
# Further than this is a typo (2062 for 2026), not a call-back.
MAX_AHEAD = timedelta(days=366)


def local_input_value(moment: datetime) -> str:
    """What a datetime-local input shows for a moment: its wall-clock time in Paris."""
    return paris_wall(moment).strftime("%Y-%m-%dT%H:%M")


class ParisDateTimeField(forms.CharField):
    """A datetime-local value, read as Paris time; cleaned to a ParisTime in the future."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
    default_error_messages = {
        "required": _("Indiquez la date et l'heure du rappel."),
        "invalid": _("Date et heure illisibles : choisissez-les dans le calendrier."),
        "past": _("Cette heure est déjà passée : choisissez une date et une heure à venir."),
        "far": _("Un rappel se prévoit un an à l'avance au plus."),
    }

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.now = now

    def clean(self, value: Any) -> ParisTime | None:
        text = super().clean(value)
        if not text:
            return None
        for pattern in INPUT_FORMATS:
            try:
                wall = datetime.strptime(text.strip(), pattern)
            except ValueError:
                continue
            break
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        chosen = paris_time(wall)
        now = self.now or timezone.now()
        if chosen.moment < now.replace(second=0, microsecond=0):
            raise forms.ValidationError(self.error_messages["past"], code="past")
        if chosen.moment > now + MAX_AHEAD:
            raise forms.ValidationError(self.error_messages["far"], code="far")
        return chosen


class ReminderForm(forms.Form):
    due = ParisDateTimeField(label=_("Date et heure (heure de Paris)"))
    person = forms.ModelChoiceField(
        label=_("Pour"),
        queryset=get_user_model().objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un membre actif de l'agence.")},
    )
    text = forms.CharField(
        label=_("Texte (facultatif)"),
        required=False,
        max_length=REMINDER_TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": _("ex. : visite jeudi, rappeler après 18 h")}),
        error_messages={"max_length": _("%(limit_value)d caractères au plus.")},
    )

    def __init__(
        self, *args: Any, agency: Agency, user: User, now: datetime | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("person", user.pk)
        super().__init__(*args, **kwargs)
        now = now or timezone.now()
        due = self.fields["due"]
        assert isinstance(due, ParisDateTimeField)
        due.now = now
        due.widget.attrs["min"] = local_input_value(now)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = (
            get_user_model()
            .objects.filter(memberships__agency=agency, memberships__active=True)
            .order_by("first_name", "last_name", "username")
        )
        person.label_from_instance = lambda member: (  # type: ignore[method-assign,assignment]
            str(_("moi")) if member.pk == user.pk else member_label(member)
        )


SNOOZE_CHOICES = (("1h", _("1 h")), ("tomorrow", _("Demain 9 h")), ("at", _("À l'heure choisie")))


class SnoozeForm(forms.Form):
    until = forms.ChoiceField(
        choices=SNOOZE_CHOICES,
        error_messages={"invalid_choice": _("Choisissez quand le rappel doit revenir.")},
    )
    at = ParisDateTimeField(label=_("Nouvelle date et heure"), required=False)

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        at = self.fields["at"]
        assert isinstance(at, ParisDateTimeField)
        at.now = self.now

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("until") == "at" and not data.get("at") and "at" not in self.errors:
            self.add_error("at", _("Indiquez la date et l'heure du rappel."))
        return data

    def until_moment(self) -> datetime:
        """When the snoozed reminder is due again (a valid form)."""
        choice = self.cleaned_data["until"]
        if choice == "1h":
            return self.now + SNOOZE_HOUR
        if choice == "tomorrow":
            return tomorrow_morning(self.now)
        chosen: ParisTime = self.cleaned_data["at"]
        return chosen.moment
