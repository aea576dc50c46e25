"""Validation of the lead lists' query string: what a person typed becomes API criteria or a message."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadsportal.leads_api import MAX_WINDOW_DAYS, PORTALS, PageRequest, SearchCriteria

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
DEFAULT_WINDOW_DAYS = 7
PARIS = ZoneInfo("Europe/Paris")
# Dates outside these bounds are typing mistakes (and would overflow date arithmetic).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The largest listing id a database column (bigint) and the API's integer can hold.
MAX_CLASSIFIED_ID = 2**63 - 1
# Beyond this, a page number is nonsense and would only cost an upstream call.
MAX_PAGE = 1_000_000


def today_in_paris() -> date:
    return timezone.now().astimezone(PARIS).date()


def default_start() -> date:
    return today_in_paris() - timedelta(days=DEFAULT_WINDOW_DAYS - 1)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)


def with_default_dates(query: QueryDict) -> QueryDict:
    """The query string with the default window (the last 7 days) when it names no dates."""
    data = query.copy()
    if not data.get("start") and not data.get("end"):
        data["start"] = default_start().isoformat()
        data["end"] = today_in_paris().isoformat()
    return data


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

    def page_request(self) -> PageRequest:
        return PageRequest(
            index=self.page_number(), size=self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE
        )

    def page_number(self) -> int:
        # Nonsense page numbers serve the nearest valid page rather than an error.
        raw = self.data.get("page", "")
        try:
            number = int(str(raw).strip())
        except ValueError:
            return 1
        return min(max(number, 1), MAX_PAGE)


class LeadFilterForm(ListingPageForm):
    start = forms.DateField(
        label=_("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    end = forms.DateField(
        label=_("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    classified = forms.IntegerField(
        label=_("Annonce (n°)"),
        required=False,
        min_value=1,
        max_value=MAX_CLASSIFIED_ID,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("ex. 40512")}),
        error_messages={"invalid": _("Le numéro d'annonce ne contient que des chiffres.")},
    )
    portal = forms.ChoiceField(
        label=_("Portail"),
        required=False,
        choices=[("", _("Tous les portails")), *PORTALS.items()],
        error_messages={"invalid_choice": _("Portail inconnu : choisissez-en un dans la liste.")},
    )
    field_order = ["start", "end", "classified", "portal", "per_page"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors.get("start") or self.errors.get("end"):
            return cleaned
        start: date | None = cleaned.get("start")
        end: date | None = cleaned.get("end")
        for name, day in (("start", start), ("end", end)):
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(
                    name,
                    _("Choisissez une date entre %(first)s et %(last)s.")
                    % {
                        "first": EARLIEST_DATE.strftime("%d/%m/%Y"),
                        "last": LATEST_DATE.strftime("%d/%m/%Y"),
                    },
                )
                return cleaned
        if start is None and end is None:
            end = today_in_paris()
            start = end - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        elif start is None:
            assert end is not None
            start = end - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        elif end is None:
            end = min(today_in_paris(), start + timedelta(days=MAX_WINDOW_DAYS - 1))
        if end < start:
            self.add_error("end", _("La date de fin doit suivre la date de début."))
        elif start_of_day(end + timedelta(days=1)).astimezone(UTC) - start_of_day(start).astimezone(
            UTC
        ) > timedelta(days=MAX_WINDOW_DAYS):
            # Measured as the API does, in real time (in UTC: Python subtracts datetimes of one
            # zone in wall-clock time): across a DST change 92 days may be 92 days and an hour.
            self.add_error(
                "end",
                _("La période ne peut pas dépasser %(days)s jours (limite de l'API).")
                % {"days": MAX_WINDOW_DAYS},
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def criteria(self) -> SearchCriteria:
        start: date = self.cleaned_data["start"]
        end: date = self.cleaned_data["end"]
        classified = self.cleaned_data.get("classified")
        portal = self.cleaned_data.get("portal")
        return SearchCriteria(
            start=start_of_day(start),
            # The form's end day is included; the API's EndDate is exclusive.
            end=start_of_day(end + timedelta(days=1)),
            classified_ids=(classified,) if classified else (),
            portals=(portal,) if portal else (),
        )
