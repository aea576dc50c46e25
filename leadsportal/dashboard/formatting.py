"""How values read in French: dates in Europe/Paris, euros and square metres with grouping."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")


def paris_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Paris time, whatever the offset the API used."""
    if value is None:
        return "—"
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def paris_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(PARIS).strftime("%d/%m/%Y")


def price(value: float | None, *, empty: str = "—") -> str:
    if value is None:
        return empty
    return f"{number_format(round(value), decimal_pos=0, use_l10n=True, force_grouping=True)} €"


def call_duration(seconds: int | None, *, empty: str = "—") -> str:
    """A call's length as a person says it: "45 s", "3 min 05 s"."""
    if seconds is None:
        return empty
    minutes, rest = divmod(max(0, seconds), 60)
    if not minutes:
        return _("%(seconds)s s") % {"seconds": rest}
    return _("%(minutes)s min %(seconds)02d s") % {"minutes": minutes, "seconds": rest}


def yes_no(value: bool | None, *, empty: str = "—") -> str:
    if value is None:
        return empty
    return _("Oui") if value else _("Non")


def surface(value: float | None, *, empty: str = "—") -> str:
    if value is None:
        return empty
    decimals = 0 if float(value).is_integer() else 1
    return f"{number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)} m²"


def erased_marker(*, short: bool = False) -> SafeString:
    """How a GDPR-erased contact shows: said plainly, never as a blank that looks like missing data."""
    text = _("effacé (RGPD)") if short else _("Données effacées (RGPD)")
    return format_html('<span class="badge badge--muted erased">{}</span>', text)


def bounds(low: str, high: str) -> str:
    """A range as a person says it: "a – b", "à partir de a", "jusqu'à b", or "—"."""
    if low and high:
        return low if low == high else f"{low} – {high}"
    if low:
        return _("à partir de %(low)s") % {"low": low}
    if high:
        return _("jusqu'à %(high)s") % {"high": high}
    return "—"
