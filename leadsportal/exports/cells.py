"""How one value becomes one cell, per format: dates, numbers, and the formula-injection guard.

Formula injection (OWASP "CSV injection"): a spreadsheet evaluates a cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return, so a lead's message like
`=HYPERLINK("https://…";"Voir")` would become a live link, or worse. Every text cell is checked:

- CSV: a formula-like text is prefixed with a single quote (`'=HYPERLINK(…`), OWASP's advice.
  The quote makes the spreadsheet read the cell as text; it stays visible in a plain-text reader.
- XLSX: text is always written as an inline string (`t="inlineStr"`), which Excel never
  evaluates; a formula-like text additionally gets the `quotePrefix` style, Excel's own record of
  a typed leading apostrophe, so that editing the cell (F2, Enter) keeps it text. The value
  itself is not changed.

Phone numbers must stay usable, so they are not prefixed when they match `STRICT_PHONE`: an
optional leading `+`, then only digits, spaces, dots, dashes, slashes and parentheses. Such a
cell cannot carry an injection even if a spreadsheet parsed it as a formula: a formula can only
call a function or reach a cell through a name, and no letter (nor `!`, `|`, `:`) can appear.
At worst it would be arithmetic on the digits, which is the *display* problem below, not an
injection.

The display problem is that Excel, opening a CSV, turns `0612345678` into the number 612345678
and `+33612345678` into 3,36E+10. The columns give every number in the dashboard's one format
(`lib.phones.phone_display`: `06 12 34 56 78`, `+32 470 12 34 56`), grouped, so never a number
for Excel; in "CSV (Excel FR)", a number that libphonenumber could not read and that was written
without spaces still gets the usual French grouping here. In XLSX every phone cell is text with
the Text number format and `quotePrefix`.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from leadsportal.exports.columns import Kind, Value
from leadsportal.lib.formulas import neutralise

PARIS: Final = ZoneInfo("Europe/Paris")
STRICT_PHONE: Final = re.compile(r"\+?[0-9][0-9 .()/-]{2,40}")
PHONE_SEPARATOR: Final = " / "
_FRENCH_NATIONAL: Final = re.compile(r"0[1-9][0-9]{8}")
_FRENCH_INTERNATIONAL: Final = re.compile(r"\+33[1-9][0-9]{8}")


def is_strict_phone(text: str) -> bool:
    return all(STRICT_PHONE.fullmatch(part) for part in text.split(PHONE_SEPARATOR))


def french_grouping(number: str) -> str:
    """`0612345678` → `06 12 34 56 78`, `+33612345678` → `+33 6 12 34 56 78`; others as given."""
    if _FRENCH_NATIONAL.fullmatch(number):
        return " ".join(number[i : i + 2] for i in range(0, 10, 2))
    if _FRENCH_INTERNATIONAL.fullmatch(number):
        rest = number[4:]
        return f"+33 {number[3]} " + " ".join(rest[i : i + 2] for i in range(0, 8, 2))
    return number


def csv_phone(text: str, *, excel_fr: bool) -> str:
    if not is_strict_phone(text):
        return neutralise(text)  # e.g. "effacé (RGPD)", or a number with letters in it
    if excel_fr:
        return PHONE_SEPARATOR.join(french_grouping(part) for part in text.split(PHONE_SEPARATOR))
    return text


def paris(value: datetime) -> datetime:
    return value.astimezone(PARIS)


def _number_text(value: float, decimal_separator: str) -> str:
    if not math.isfinite(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    # repr: the shortest text that reads back as the same float, never in exponent form here.
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal_separator)


def csv_cell(kind: Kind, value: Value, *, excel_fr: bool) -> str:
    """The text of a CSV cell. Empty means the API gave nothing."""
    if value is None:
        return ""
    if kind is Kind.DATETIME:
        assert isinstance(value, datetime)
        local = paris(value)
        if excel_fr:
            return local.strftime("%d/%m/%Y %H:%M")
        return local.isoformat(timespec="seconds")
    if kind in (Kind.NUMBER, Kind.INTEGER) and isinstance(value, int | float):
        if isinstance(value, int):
            return str(value)
        return _number_text(value, "," if excel_fr else ".")
    text = str(value)
    if kind is Kind.PHONE:
        return csv_phone(text, excel_fr=excel_fr)
    return neutralise(text)
