"""A statistics table as a CSV file: the numbers of the page's table, header and total included.

Both CSV formats of the exports: "CSV (Excel FR)" (UTF-8 with a BOM, `;`, dd/mm/yyyy days,
decimal comma) and "CSV (standard)" (UTF-8, `,`, ISO days, decimal point). Text cells (a
member's name, a listing's reference) get the formula-injection guard (lib/formulas.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Final

from django.utils.translation import gettext as _

from leadsportal.dashboard.statistics_tables import Cell, Column, StatTable
from leadsportal.lib.formulas import neutralise

UTF8_BOM: Final = "\ufeff"


def _header(column: Column) -> str:
    if column.kind == "share":
        return _("%(label)s (%%)") % {"label": column.label}
    if column.kind == "minutes":
        return _("%(label)s (min)") % {"label": column.label}
    return column.label


def _number(value: float, *, excel_fr: bool) -> str:
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", ",") if excel_fr else text


def _cell(column: Column, cell: Cell, *, excel_fr: bool) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if excel_fr else value.isoformat()
    if column.kind == "share" and isinstance(value, int | float):
        return _number(round(value * 100, 1), excel_fr=excel_fr)
    if isinstance(value, int | float):
        return _number(value, excel_fr=excel_fr)
    return neutralise(str(value))


def table_csv(table: StatTable, *, excel_fr: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if excel_fr else ",", lineterminator="\r\n")
    writer.writerow([neutralise(_header(column)) for column in table.columns])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        writer.writerow(
            [
                _cell(column, cell, excel_fr=excel_fr)
                for column, cell in zip(table.columns, row, strict=True)
            ]
        )
    text = buffer.getvalue()
    return ((UTF8_BOM if excel_fr else "") + text).encode("utf-8")
