"""Forms of the follow-up: list filters by status and assignee, and the changes of a lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadsportal.agencies.models import Agency, Membership
from leadsportal.dashboard.forms import LeadFilterForm
from leadsportal.followup.models import FollowupStatus
from leadsportal.followup.reads import CLOCK_MARGIN, LocalFilter
from leadsportal.followup.services import NOTE_MAX_LENGTH, agency_members, user_label
from leadsportal.leads_api import MAX_WINDOW_DAYS

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MINE = "moi"


class LeadListForm(LeadFilterForm):
    """The lead lists' filters plus the follow-up ones, known only from our database."""

    statut = forms.ChoiceField(
        label=_("Suivi"),
        required=False,
        choices=[("", _("Tous les statuts")), *FollowupStatus.choices],
        error_messages={"invalid_choice": _("Statut inconnu : choisissez-en un dans la liste.")},
    )
    responsable = forms.ChoiceField(
        label=pgettext_lazy("assignee", "Responsable"),
        required=False,
        error_messages={
            "invalid_choice": _("Ce responsable n'est pas membre de l'agence : choisissez-en un.")
        },
    )
    field_order = ["start", "end", "classified", "portal", "statut", "responsable", "per_page"]

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self._choices_cache: list[tuple[str, str]] | None = None
        # Lazy: the members are only queried when the select is rendered or a member is chosen.
        self.fields["responsable"].choices = self._assignee_choices

    def _assignee_choices(self) -> list[tuple[str, str]]:
        # Validation and rendering both read the choices: one query for the two.
        if self._choices_cache is None:
            choices = [("", str(_("Tout le monde"))), (MINE, str(_("Mes leads")))]
            for user in agency_members(agency=self.membership.agency):
                if user.pk != self.membership.user_id:
                    choices.append((str(user.pk), user_label(user)))
            self._choices_cache = choices
        return self._choices_cache

    def local_filter(self) -> LocalFilter:
        status = self.cleaned_data.get("statut") or ""
        raw = self.cleaned_data.get("responsable") or ""
        if raw == MINE:
            assignee_id: int | None = self.membership.user_id
        elif raw:
            assignee_id = int(raw)
        else:
            assignee_id = None
        return LocalFilter(status=status, assignee_id=assignee_id)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        choices=FollowupStatus.choices,
        error_messages={"invalid_choice": _("Statut inconnu : choisissez-en un dans la liste.")},
    )


class AssigneeForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=pgettext_lazy("assignee", "Responsable"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Personne"),
        error_messages={
            "invalid_choice": _("Choisissez un membre de l'agence."),
        },
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            get_user_model()
            .objects.filter(memberships__agency=agency)
            .order_by("first_name", "last_name", "username")
        )
        field.label_from_instance = user_label  # type: ignore[method-assign]

    def chosen_assignee(self) -> User | None:
        value: User | None = self.cleaned_data.get("assignee")
        return value


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Nouvelle note"),
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Écrivez la note avant de l'ajouter."),
            "max_length": _("Une note tient en %(limit_value)d caractères au plus."),
        },
    )


class PollForm(forms.Form):
    """The live banner's question: leads of this list created since `depuis` (Unix seconds)."""

    depuis = forms.IntegerField(min_value=0)
    # How many leads created in the `depuis` second the list already shows (not new).
    vus = forms.IntegerField(min_value=0, max_value=1000, required=False)

    def already_shown(self) -> int:
        return self.cleaned_data.get("vus") or 0

    def since(self) -> datetime:
        now = timezone.now()
        # Nonsense is bounded rather than refused: the banner never becomes an error.
        seconds = min(self.cleaned_data["depuis"], int((now + CLOCK_MARGIN).timestamp()))
        return max(datetime.fromtimestamp(seconds, UTC), now - timedelta(days=MAX_WINDOW_DAYS))
