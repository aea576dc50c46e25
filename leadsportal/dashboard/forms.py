"""The dashboard's forms: the lead lists' query string (what a person typed becomes a `LeadQuery`
or a message), the follow-up changes of a lead, and the live banner's question."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadsportal.agencies.members import agency_members, member_label
from leadsportal.agencies.models import Agency, Membership
from leadsportal.dashboard.dates import (
    DEFAULT_WINDOW_DAYS,
    default_start,
    start_of_day,
    today_in_paris,
)
from leadsportal.dashboard.families import Tab
from leadsportal.dashboard.fields import day_field
from leadsportal.dashboard.query import (
    DEFAULT_PAGE_SIZE,
    MINE,
    NOBODY,
    LeadQuery,
    ListingQuery,
    SearchQuery,
)
from leadsportal.followup.access_record import AccessFilter
from leadsportal.followup.listings import listing_by_reference, listing_number_label
from leadsportal.followup.models import AccessRecord, LostReason
from leadsportal.followup.pipeline import Stage, pipeline_of, stages_by_code
from leadsportal.followup.records import NOTE_MAX_LENGTH
from leadsportal.followup.search import MAX_QUERY_LENGTH
from leadsportal.followup.unread import read_watermark_get
from leadsportal.leads_api import LEAD_ID_PATTERN, MAX_WINDOW_DAYS, PORTALS

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZES = (20, 50, 100)
# A listing's reference as agencies write them: letters, digits and a few separators.
LISTING_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _./-]{0,59}")
# Dates outside these bounds are typing mistakes (and would overflow date arithmetic).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The largest listing id a database column (bigint) and the API's integer can hold.
MAX_CLASSIFIED_ID = 2**63 - 1
# Beyond this, a page number is nonsense and would only cost an upstream call.
MAX_PAGE = 1_000_000


class PageSizeField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[(size, str(size)) for size in PAGE_SIZES],
            coerce=int,
            empty_value=DEFAULT_PAGE_SIZE,
            required=False,
            **kwargs,
        )


class ListingPageForm(forms.Form):
    """Page and page size: what every list has, including the per-listing one."""

    per_page = PageSizeField(label=_("Par page"))
    page = forms.CharField(required=False, widget=forms.HiddenInput)

    def listing_query(self, classified_id: int) -> ListingQuery:
        """The per-listing list's state, from a valid form."""
        return ListingQuery(
            classified_id=classified_id,
            page=self.page_number(),
            per_page=self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE,
        )

    def page_number(self) -> int:
        # Nonsense page numbers serve the nearest valid page rather than an error.
        raw = self.data.get("page", "")
        try:
            number = int(str(raw).strip())
        except ValueError:
            return 1
        return min(max(number, 1), MAX_PAGE)


def checked_window(
    form: forms.Form, start: date | None, end: date | None
) -> tuple[date, date] | None:
    """A list's period from its two optional dates, within the API's limits; None (and the
    form's fields marked) when it cannot be. One date alone: the other is inferred."""
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            form.add_error(
                name,
                _("Choisissez une date entre %(first)s et %(last)s.")
                % {
                    "first": EARLIEST_DATE.strftime("%d/%m/%Y"),
                    "last": LATEST_DATE.strftime("%d/%m/%Y"),
                },
            )
            return None
    if start is None and end is None:
        return None
    if start is None:
        assert end is not None
        start = end - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    elif end is None:
        end = min(today_in_paris(), start + timedelta(days=MAX_WINDOW_DAYS - 1))
    if end < start:
        form.add_error("end", _("La date de fin doit suivre la date de début."))
        return None
    if start_of_day(end + timedelta(days=1)).astimezone(UTC) - start_of_day(start).astimezone(
        UTC
    ) > timedelta(days=MAX_WINDOW_DAYS):
        # Measured as the API does, in real time (in UTC: Python subtracts datetimes of one
        # zone in wall-clock time): across a DST change 92 days may be 92 days and an hour.
        form.add_error(
            "end",
            _("La période ne peut pas dépasser %(days)s jours (limite de l'API).")
            % {"days": MAX_WINDOW_DAYS},
        )
        return None
    return start, end


class LeadListForm(ListingPageForm):
    """The filters of a lead list: the API's (dates, listing, portal) and the follow-up's
    (status, assignee), known only from our database. A valid form gives a `LeadQuery`."""

    start = day_field(_("Du"))
    end = day_field(_("Au"))
    # The reference as every list shows it, or the number; suggestions as the person types.
    classified = forms.CharField(
        label=_("Annonce"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("référence ou n°"),
                "autocomplete": "off",
                "spellcheck": "false",
                "list": "classified-options",
                "hx-get": reverse_lazy("dashboard:listing_suggestions"),
                # The busiest listings when the field is entered, then those matching the text.
                "hx-trigger": "focus once, input changed delay:250ms",
                "hx-target": "#classified-options",
                "hx-swap": "innerHTML",
                # The suggestions asked on focus finish before those of the text typed: an
                # aborted request is an error in the console (htmx logs it), and dropping a
                # list of suggestions that is already on its way saves nothing.
                "hx-sync": "this:queue last",
                # Not inherited from the filters' form: suggestions are no page of the history,
                # and no reason to show the page's progress bar.
                "hx-push-url": "false",
                "hx-indicator": "#classified-options",
            }
        ),
        error_messages={
            "max_length": _("Une référence d'annonce a %(limit_value)d caractères au plus.")
        },
    )
    portal = forms.ChoiceField(
        label=_("Portail"),
        required=False,
        choices=[("", _("Tous les portails")), *PORTALS.items()],
        error_messages={"invalid_choice": _("Portail inconnu : choisissez-en un dans la liste.")},
    )
    # The agency's stages in order (set in __init__, read when validated or rendered).
    status = forms.ChoiceField(
        label=_("Suivi"),
        required=False,
        error_messages={"invalid_choice": _("Statut inconnu : choisissez-en un dans la liste.")},
    )
    assignee = forms.ChoiceField(
        label=pgettext_lazy("assignee", "Responsable"),
        required=False,
        error_messages={
            "invalid_choice": _("Ce responsable n'est pas membre de l'agence : choisissez-en un.")
        },
    )
    waiting = forms.ChoiceField(
        label=_("Réponse"),
        required=False,
        choices=[("", _("Toutes")), ("1h", _("Sans réponse depuis plus d'1 h"))],
        error_messages={"invalid_choice": _("Choisissez une option de la liste.")},
    )
    unread = forms.ChoiceField(
        label=_("Lecture"),
        required=False,
        choices=[("", _("Lus et non lus")), ("1", _("Non lus"))],
        error_messages={"invalid_choice": _("Choisissez une option de la liste.")},
    )
    field_order = [
        "start",
        "end",
        "classified",
        "portal",
        "status",
        "assignee",
        "waiting",
        "unread",
        "per_page",
    ]

    def __init__(self, data: QueryDict, *, membership: Membership) -> None:
        # A list that names no dates shows the default window (the last 7 days), and its
        # links keep naming none, so that a bookmark of it still means "the last 7 days".
        self.default_dates = not data.get("start") and not data.get("end")
        if self.default_dates:
            data = data.copy()
            data["start"] = default_start().isoformat()
            data["end"] = today_in_paris().isoformat()
        super().__init__(data)
        self.membership = membership
        self._choices_cache: list[tuple[str, str]] | None = None
        self.classified_reference = ""
        # Lazy: the members are only queried when the select is rendered or a member is chosen.
        self.fields["assignee"].choices = self._assignee_choices
        self._stage_choices_cache: list[tuple[str, str]] | None = None
        self.fields["status"].choices = self._stage_choices

    def _stage_choices(self) -> list[tuple[str, str]]:
        if self._stage_choices_cache is None:
            self._stage_choices_cache = [
                ("", str(_("Tous les statuts"))),
                *((stage.code, stage.name) for stage in pipeline_of(self.membership.agency)),
            ]
        return self._stage_choices_cache

    def _assignee_choices(self) -> list[tuple[str, str]]:
        # Validation and rendering both read the choices: one query for the two.
        if self._choices_cache is None:
            choices = [
                ("", str(_("Tout le monde"))),
                (MINE, str(_("Mes leads"))),
                (NOBODY, str(_("Personne (non assignés)"))),
            ]
            for user in agency_members(agency=self.membership.agency):
                if user.pk != self.membership.user_id:
                    choices.append((str(user.pk), member_label(user)))
            self._choices_cache = choices
        return self._choices_cache

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors.get("start") or self.errors.get("end"):
            return cleaned
        # (Neither date given: __init__ filled in the default window.)
        window = checked_window(self, cleaned.get("start"), cleaned.get("end"))
        if window is not None:
            cleaned["start"], cleaned["end"] = window
        return cleaned

    def clean_classified(self) -> int | None:
        """The listing's number, from its number or from its reference (the agency's index)."""
        raw: str = self.cleaned_data.get("classified") or ""
        self.classified_reference = ""
        if not raw:
            return None
        if raw.isdigit():
            number = int(raw)
            if not 1 <= number <= MAX_CLASSIFIED_ID:
                raise forms.ValidationError(_("Ce numéro d'annonce n'existe pas."))
            if self.membership.agency.is_seeker:
                # Written back as its leads show it (the portal's id), in links and the history.
                self.classified_reference = listing_number_label(
                    agency=self.membership.agency, classified_id=number
                )
            return number
        if not LISTING_REFERENCE.fullmatch(raw):
            raise forms.ValidationError(
                _(
                    "Tapez la référence de l'annonce telle que les listes l'affichent (ex. PAR-2026-3734) ou son numéro."
                )
            )
        number = listing_by_reference(agency=self.membership.agency, reference=raw)
        if number is None:
            raise forms.ValidationError(
                _(
                    "Aucune annonce de l'agence n'a la référence « %(reference)s » parmi les "
                    "leads reçus : vérifiez-la, choisissez-la dans les suggestions ou tapez son numéro."
                )
                % {"reference": raw}
            )
        self.classified_reference = raw
        return number

    def query(self, tab: Tab) -> LeadQuery:
        """The list's state, from a valid form."""
        data = self.cleaned_data
        raw_assignee: str = data.get("assignee") or ""
        if raw_assignee == MINE:
            assignee_id: int | None = self.membership.user_id
            assignee_name = member_label(self.membership.user)
        elif raw_assignee and raw_assignee != NOBODY:
            assignee_id = int(raw_assignee)
            assignee_name = dict(self._assignee_choices()).get(raw_assignee, "")
        else:
            assignee_id, assignee_name = None, ""
        return LeadQuery(
            tab=tab,
            start=data["start"],
            end=data["end"],
            default_dates=self.default_dates,
            classified_id=data.get("classified"),
            classified_reference=self.classified_reference,
            portal=data.get("portal") or "",
            status=data.get("status") or "",
            status_name=dict(self._stage_choices()).get(data.get("status") or "", "")
            if data.get("status")
            else "",
            assignee=raw_assignee,
            assignee_id=assignee_id,
            assignee_name=assignee_name,
            page=self.page_number(),
            per_page=data.get("per_page") or DEFAULT_PAGE_SIZE,
            waiting=data.get("waiting") or "",
            unread_for=(
                (self.membership.user_id, read_watermark_get(membership=self.membership))
                if data.get("unread")
                else None
            ),
        )


class ListingFilterForm(ListingPageForm):
    """A listing's page: every lead of the listing, or those of a period and a portal."""

    start = day_field(_("Du"))
    end = day_field(_("Au"))
    portal = forms.ChoiceField(
        label=_("Portail"),
        required=False,
        choices=[("", _("Tous les portails")), *PORTALS.items()],
        error_messages={"invalid_choice": _("Portail inconnu : choisissez-en un dans la liste.")},
    )
    field_order = ["start", "end", "portal", "per_page"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors.get("start") or self.errors.get("end"):
            return cleaned
        if cleaned.get("portal") and not (cleaned.get("start") or cleaned.get("end")):
            # A portal alone: the API's search needs a period, the most it allows up to today.
            cleaned["end"] = today_in_paris()
        window = checked_window(self, cleaned.get("start"), cleaned.get("end"))
        if window is not None:
            cleaned["start"], cleaned["end"] = window
        return cleaned

    def listing_query(self, classified_id: int) -> ListingQuery:
        query = super().listing_query(classified_id)
        data = self.cleaned_data
        return ListingQuery(
            classified_id=classified_id,
            page=query.page,
            per_page=query.per_page,
            start=data.get("start"),
            end=data.get("end"),
            portal=data.get("portal") or "",
        )


class StageSelect(forms.Select):
    """The stages' select; the stages of kind "lost" are marked (`data-lost`) so that the
    stylesheet shows the reason's select beside it only when one of them is chosen."""

    def __init__(self, *args: Any, lost_codes: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lost_codes = lost_codes

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if option["value"] in self.lost_codes:
            option["attrs"]["data-lost"] = "true"
        return option


class StatusForm(forms.Form):
    """A lead's stage in the agency's pipeline; a stage of kind "lost" needs a reason from
    the agency's list (checked here and again by `followup_status_set`)."""

    status = forms.ChoiceField(
        label=_("Statut"),
        error_messages={"invalid_choice": _("Statut inconnu : choisissez-en un dans la liste.")},
    )
    lost_reason = forms.ModelChoiceField(
        label=_("Raison de la perte"),
        queryset=LostReason.objects.none(),
        required=False,
        empty_label=_("— choisir —"),
        error_messages={
            "invalid_choice": _("Raison inconnue : choisissez-en une dans la liste de l'agence.")
        },
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages = stages_by_code(agency)
        lost = frozenset(code for code, stage in self.stages.items() if stage.is_lost)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(stage.code, stage.name) for stage in self.stages.values()]
        status.widget = StageSelect(choices=status.choices, lost_codes=lost)
        reason = self.fields["lost_reason"]
        assert isinstance(reason, forms.ModelChoiceField)
        reason.queryset = LostReason.objects.filter(agency=agency, archived=False)
        reason.label_from_instance = lambda row: row.label  # type: ignore[method-assign]
        self.has_lost_stage = bool(lost)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        stage = self.stages.get(cleaned.get("status") or "")
        if stage is None:
            return cleaned
        if not stage.is_lost:
            cleaned["lost_reason"] = None
        elif cleaned.get("lost_reason") is None and not self.errors.get("lost_reason"):
            self.add_error(
                "lost_reason",
                _("Choisissez pourquoi le lead est « %(stage)s » : une raison de la liste.")
                % {"stage": stage.name},
            )
        return cleaned

    def chosen_stage(self) -> Stage:
        return self.stages[self.cleaned_data["status"]]


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
            .objects.filter(memberships__agency=agency, memberships__active=True)
            .order_by("first_name", "last_name", "username")
        )
        field.label_from_instance = member_label  # type: ignore[method-assign]

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


class AssignmentRuleForm(forms.ModelForm):
    """The agency's rule for new leads, set by its managers."""

    class Meta:
        model = Agency
        fields = ["assignment_rule", "claim_minutes"]
        widgets = {
            "assignment_rule": forms.RadioSelect,
            "claim_minutes": forms.NumberInput(
                attrs={"class": "settings-minutes", "min": 1, "max": 240}
            ),
        }

    def clean_claim_minutes(self) -> int:
        minutes: int = self.cleaned_data["claim_minutes"]
        if not 1 <= minutes <= 240:
            raise forms.ValidationError(_("Entre 1 et 240 minutes."))
        return minutes


class AccessRecordForm(forms.Form):
    """The filters of the access record (managers): who, what, which lead, which days."""

    member = forms.TypedChoiceField(label=_("Membre"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Toutes")), *AccessRecord.Kind.choices],
    )
    lead = forms.CharField(
        label=_("Identifiant du lead"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    start = day_field(_("Du"))
    end = day_field(_("Au"))

    field_order = ["member", "kind", "start", "end", "lead"]

    def __init__(self, data: QueryDict, *, agency: Agency) -> None:
        super().__init__(data)
        self.fields["member"].choices = [("", _("Tous"))] + [
            (user.pk, member_label(user)) for user in agency_members(agency=agency)
        ]

    def clean_lead(self) -> str:
        lead: str = self.cleaned_data["lead"].strip()
        if lead and not LEAD_ID_PATTERN.match(lead):
            raise forms.ValidationError(
                _("Un identifiant de lead ne contient que des lettres, chiffres, - et _.")
            )
        return lead

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(name, _("Date hors limites."))
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("La date de fin précède la date de début."))
        return data

    def access_filter(self) -> AccessFilter:
        """What the valid form asks for; the end day included."""
        data = self.cleaned_data
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        return AccessFilter(
            user_id=data.get("member"),
            kind=data.get("kind") or "",
            lead_id=data.get("lead") or "",
            start=start_of_day(start) if start else None,
            end=start_of_day(end + timedelta(days=1)) if end else None,
        )


class SearchForm(ListingPageForm):
    """The search box: a phone, an e-mail, a name, a listing's reference or number."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": _("Téléphone, e-mail, nom, référence d'annonce"),
            }
        ),
        error_messages={"max_length": _("%(limit_value)d caractères au plus.")},
    )
    field_order = ["q", "per_page"]

    def search_query(self) -> SearchQuery:
        """The search page's state, from a valid form."""
        return SearchQuery(
            text=self.cleaned_data["q"],
            page=self.page_number(),
            per_page=self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE,
        )
