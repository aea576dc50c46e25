"""The three export formats behind one interface: header bytes, bytes per batch of rows, end,
and what goes before the header once the outcome is known.

Each call returns the bytes produced at once, so a file is written page by page and the memory
in use is one page of rows, whatever the number of leads. `prefix()` is asked for last, when the
export knows whether it is complete, and goes first in the file: a CSV that is incomplete says so
on its first line (before the header), as well as on its last row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final, Protocol

from leadsportal.exports.cells import csv_cell
from leadsportal.exports.columns import Column, Value, headers
from leadsportal.exports.models import ExportFormat
from leadsportal.exports.xlsx import XlsxStreamWriter

UTF8_BOM: Final = "\ufeff".encode()
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
EXTENSIONS: Final = {
    ExportFormat.XLSX: "xlsx",
    ExportFormat.CSV_EXCEL: "csv",
    ExportFormat.CSV: "csv",
}
CONTENT_TYPES: Final = {
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.CSV_EXCEL: CSV_CONTENT_TYPE,
    ExportFormat.CSV: CSV_CONTENT_TYPE,
}


class ExportWriter(Protocol):
    @property
    def room(self) -> int | None:
        """How many more rows the format can hold (None: no limit)."""

    def prefix(self, *, incomplete_message: str | None = None) -> bytes:
        """The file's first bytes, written before `begin()`'s once the outcome is known."""

    def begin(self) -> bytes: ...

    def rows(self, rows: Iterable[Sequence[Value]]) -> bytes: ...

    def finish(self, *, incomplete_message: str | None = None) -> bytes: ...


class CsvExportWriter:
    """ "CSV (Excel FR)": BOM, `;`, dd/mm/yyyy HH:MM, decimal comma, French phone grouping.
    "CSV (standard)": no BOM, `,`, ISO 8601 dates with offset, decimal point. Both end lines with
    CRLF (RFC 4180) and quote any field holding the separator, a quote or a line break."""

    room = None

    def __init__(self, columns: Sequence[Column], *, excel_fr: bool) -> None:
        self._columns = list(columns)
        self._excel_fr = excel_fr
        self._buffer = io.StringIO()
        self._csv = csv.writer(
            self._buffer,
            delimiter=";" if excel_fr else ",",
            quotechar='"',
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8", errors="replace")

    def _full_width(self, message: str) -> None:
        # A full-width row, so that programs expecting a rectangle still read the file.
        self._csv.writerow([message] + [""] * (len(self._columns) - 1))

    def prefix(self, *, incomplete_message: str | None = None) -> bytes:
        if incomplete_message:
            self._full_width(incomplete_message)
        return (UTF8_BOM if self._excel_fr else b"") + self._take()

    def begin(self) -> bytes:
        self._csv.writerow(headers(tuple(self._columns)))
        return self._take()

    def rows(self, rows: Iterable[Sequence[Value]]) -> bytes:
        for values in rows:
            self._csv.writerow(
                [
                    csv_cell(column.kind, value, excel_fr=self._excel_fr)
                    for column, value in zip(self._columns, values, strict=True)
                ]
            )
        return self._take()

    def finish(self, *, incomplete_message: str | None = None) -> bytes:
        if incomplete_message:
            self._full_width(incomplete_message)
        return self._take()


class XlsxExportWriter:
    def __init__(self, columns: Sequence[Column]) -> None:
        self._writer = XlsxStreamWriter(
            kinds=[column.kind for column in columns],
            headers=headers(tuple(columns)),
            widths=[column.width for column in columns],
            sheet_title="Leads",
        )

    @property
    def room(self) -> int | None:
        return self._writer.room

    def prefix(self, *, incomplete_message: str | None = None) -> bytes:
        # A ZIP archive has no room before its first entry: an incomplete workbook says so in
        # its first, active sheet, added by `finish()`.
        return b""

    def begin(self) -> bytes:
        return self._writer.drain()

    def rows(self, rows: Iterable[Sequence[Value]]) -> bytes:
        for values in rows:
            self._writer.write_row(values)
        return self._writer.drain()

    def finish(self, *, incomplete_message: str | None = None) -> bytes:
        self._writer.close(incomplete_message=incomplete_message)
        return self._writer.drain()


def writer_for(export_format: ExportFormat, columns: Sequence[Column]) -> ExportWriter:
    if export_format is ExportFormat.XLSX:
        return XlsxExportWriter(columns)
    return CsvExportWriter(columns, excel_fr=export_format is ExportFormat.CSV_EXCEL)
