"""The bulk bar's form: which leads (ticked, the page, the whole list) and what to do with them.

The fields of each action are those of the lead page's own forms (stage and reason, assignee,
reminder), validated by the same form classes, so a bulk change refuses what a change on one
lead refuses, with the same words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from leadsportal.agencies.models import Agency
from leadsportal.dashboard.forms import AssigneeForm, StatusForm
from leadsportal.dashboard.reminder_forms import ParisDateTimeField, ReminderForm
from leadsportal.followup.bulk import MAX_BULK_LEADS
from leadsportal.followup.models import LEAD_ID_MAX_LENGTH

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ACTIONS = (
    ("assign", _("Assigner à…")),
    ("stage", _("Passer à l'étape…")),
    ("remind", _("Ajouter un rappel…")),
    ("read", _("Marquer comme lus")),
    ("unread", _("Marquer comme non lus")),
)
SCOPES = (
    ("selected", _("les leads cochés")),
    ("page", _("toute la page")),
    ("all", _("toute la liste")),
)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=ACTIONS,
        error_messages={
            "required": _("Choisissez une action."),
            "invalid_choice": _("Action inconnue : choisissez-en une dans la liste."),
        },
    )
    scope = forms.ChoiceField(choices=SCOPES, initial="selected", required=False)
    # With "Assigner à…": a reminder for the new assignee, if a time is given.
    assign_due = ParisDateTimeField(
        label=_("Rappel pour cette personne (facultatif)"), required=False
    )

    def __init__(self, data: QueryDict, *, agency: Agency, user: User) -> None:
        super().__init__(data)
        self.agency = agency
        self.user = user
        self.status_form = StatusForm(data, agency=agency)
        self.assignee_form = AssigneeForm(data, agency=agency)
        self.reminder_form = ReminderForm(data, agency=agency, user=user)
        self.chosen_ids: list[str] = [
            value for value in data.getlist("lead") if 0 < len(value) <= LEAD_ID_MAX_LENGTH
        ][: MAX_BULK_LEADS + 1]
        self.page_ids: list[str] = [
            value for value in data.getlist("page_lead") if 0 < len(value) <= LEAD_ID_MAX_LENGTH
        ][: MAX_BULK_LEADS + 1]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        scope = cleaned.get("scope") or "selected"
        cleaned["scope"] = scope
        if scope == "selected" and not self.chosen_ids:
            raise forms.ValidationError(
                _("Cochez au moins un lead, ou choisissez « toute la page » ou « toute la liste ».")
            )
        sub_form: forms.Form | None = {
            "stage": self.status_form,
            "assign": self.assignee_form,
            "remind": self.reminder_form,
        }.get(action or "")
        if sub_form is not None and not sub_form.is_valid():
            for errors in sub_form.errors.values():
                for error in errors:
                    self.add_error(None, error)
        if (
            action == "assign"
            and cleaned.get("assign_due") is not None
            and self.assignee_form.is_valid()
            and self.assignee_form.chosen_assignee() is None
        ):
            self.add_error(None, _("Un rappel a besoin de quelqu'un : choisissez un responsable."))
        return cleaned

    def first_error(self) -> str:
        for errors in self.errors.values():
            for error in errors:
                return str(error)
        return ""
