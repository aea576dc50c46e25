"""What the statistics page was asked for: its period, its granularity, a table to download.

The query string is the page's state (`start`, `end`: ISO days in Paris, the end day included;
`granularity`: `day`, `week` or nothing for automatic; `table` and `format` for a CSV). The
form validates it and gives a `StatisticsRequest`, or French messages for a 400 page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from leadsportal.dashboard.dates import start_of_day, today_in_paris
from leadsportal.dashboard.export_formats import ExportFormat
from leadsportal.dashboard.fields import day_field
from leadsportal.followup.statistics import Granularity

DEFAULT_DAYS: Final = 30
MAX_MONTHS: Final = 12
# Above this many days, "automatic" counts per week: a bar per day would be too thin to read.
AUTO_WEEK_ABOVE_DAYS: Final = 60
EARLIEST: Final = date(2000, 1, 1)

TABLES: Final = ("families", "portals", "listings", "funnel", "lost_reasons", "members")
CSV_FORMATS: Final = (ExportFormat.CSV_EXCEL, ExportFormat.CSV)


def months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (31 March − 1 month: end of February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def earliest_start(end: date) -> date:
    """The first day of the longest period ending on `end`: 12 months, the end day included."""
    return months_back(end, MAX_MONTHS) + timedelta(days=1)


@dataclass(frozen=True)
class StatisticsRequest:
    """A valid statistics query: the days first..last (included), how to group them, and the
    table to download, if any."""

    first: date
    last: date
    granularity: Granularity
    automatic: bool  # the granularity was not chosen
    table: str = ""
    csv_format: ExportFormat | None = None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return start_of_day(self.first)

    @property
    def end(self) -> datetime:
        """The end of the last day (excluded)."""
        return start_of_day(self.last + timedelta(days=1))

    def filters(self) -> dict[str, str]:
        """The query string of this period (always with its dates, as exports do)."""
        params = {"start": self.first.isoformat(), "end": self.last.isoformat()}
        if not self.automatic:
            params["granularity"] = self.granularity.value
        return params

    def csv_url(self, path: str, table: str, csv_format: ExportFormat) -> str:
        return f"{path}?{urlencode({**self.filters(), 'table': table, 'format': csv_format})}"


@dataclass(frozen=True)
class Shortcut:
    label: str
    url: str
    current: bool


def period_shortcuts(path: str, wanted: StatisticsRequest | None, today: date) -> list[Shortcut]:
    """Links to the usual periods, each ending today: 30 days, 3 months, 12 months."""
    periods = (
        (_("30 derniers jours"), today - timedelta(days=DEFAULT_DAYS - 1)),
        (_("3 derniers mois"), months_back(today, 3) + timedelta(days=1)),
        (_("12 derniers mois"), earliest_start(today)),
    )
    return [
        Shortcut(
            label=str(label),
            url=f"{path}?{urlencode({'start': first.isoformat(), 'end': today.isoformat()})}",
            current=wanted is not None and (wanted.first, wanted.last) == (first, today),
        )
        for label, first in periods
    ]


class StatisticsForm(forms.Form):
    start = day_field(_("Du"), invalid=_("Date invalide : utilisez le format jj/mm/aaaa."))
    end = day_field(_("Au"), invalid=_("Date invalide : utilisez le format jj/mm/aaaa."))
    granularity = forms.ChoiceField(
        label=_("Regrouper"),
        required=False,
        choices=[
            ("", _("Automatique")),
            (Granularity.DAY.value, _("Par jour")),
            (Granularity.WEEK.value, _("Par semaine")),
        ],
        error_messages={"invalid_choice": _("Choisissez par jour, par semaine ou automatique.")},
    )
    # The CSV download of one table (links of the page, not fields a person fills in).
    table = forms.ChoiceField(
        required=False,
        choices=[("", ""), *((name, name) for name in TABLES)],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Ce tableau n'existe pas.")},
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", ""), *((choice.value, choice.label) for choice in CSV_FORMATS)],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Format de téléchargement inconnu.")},
    )

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.today = today_in_paris()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day is not None and day < EARLIEST:
                self.add_error(name, _("Date trop ancienne."))
        if end is not None and end > self.today:
            self.add_error("end", _("La date de fin ne peut pas être après aujourd'hui."))
        if self.errors:
            return data
        last = end or self.today
        first = start or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            self.add_error("end", _("La date de fin précède la date de début."))
        elif first < earliest_start(last):
            self.add_error(
                "start",
                _(
                    "La période ne peut pas dépasser 12 mois : pour finir le %(end)s, "
                    "commencez au plus tôt le %(earliest)s."
                )
                % {
                    "end": last.strftime("%d/%m/%Y"),
                    "earliest": earliest_start(last).strftime("%d/%m/%Y"),
                },
            )
        if bool(data.get("table")) != bool(data.get("format")):
            self.add_error(None, _("Un téléchargement nomme un tableau et un format."))
        data["first"], data["last"] = first, last
        return data

    def displayed(self) -> StatisticsForm:
        """The form as the page shows it after a valid query: with the dates it used."""
        return StatisticsForm(QueryDict(urlencode(self.statistics_request().filters())))

    def statistics_request(self) -> StatisticsRequest:
        """What the valid form asks for."""
        data = self.cleaned_data
        first: date = data["first"]
        last: date = data["last"]
        chosen = data.get("granularity") or ""
        if chosen:
            granularity = Granularity(chosen)
        else:
            days = (last - first).days + 1
            granularity = Granularity.WEEK if days > AUTO_WEEK_ABOVE_DAYS else Granularity.DAY
        return StatisticsRequest(
            first=first,
            last=last,
            granularity=granularity,
            automatic=not chosen,
            table=data.get("table") or "",
            csv_format=ExportFormat(data["format"]) if data.get("format") else None,
        )
