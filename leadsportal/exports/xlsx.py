"""A streaming XLSX writer: rows go out over the network as they are written.

openpyxl's write-only mode keeps memory low but writes the worksheet to a temporary file and
builds the ZIP archive only in `save()`, so nothing could be sent before the last API page had
arrived. This writer produces the same SpreadsheetML by hand and feeds it to `zipfile` writing
into an unseekable sink (ZIP entries with data descriptors, which Excel, LibreOffice and openpyxl
read), so compressed bytes leave after every page and memory holds one page of rows plus
zlib's window.

Streamed: the worksheet of leads (`xl/worksheets/sheet1.xml`), the bulk of the file. Written at
the end, because they depend on how the export ended: the workbook part (which lists the sheets,
so an incomplete export can add a first, active "EXPORT INCOMPLET" sheet), the autofilter range,
the content types and the ZIP's central directory — a few kilobytes. openpyxl itself also writes
the content types last.

Cells: text is an inline string (never evaluated as a formula); dates are real Excel dates in
Paris time with the format dd/mm/yyyy hh:mm; numbers are numbers; phone cells use the Text
number format with `quotePrefix`, as does any text starting like a formula (see cells.py).
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Final
from xml.sax.saxutils import escape, quoteattr

from leadsportal.exports.cells import paris
from leadsportal.exports.columns import Kind, Value
from leadsportal.lib.formulas import is_formula_like

MAX_ROWS: Final = 1_048_576  # Excel's limit, header row included
MAX_CELL_CHARS: Final = 32_767  # Excel's limit; longer text is cut with an ellipsis
_EXCEL_EPOCH: Final = datetime(1899, 12, 30)

# Styles (cellXfs indexes in STYLES below).
STYLE_DEFAULT: Final = 0
STYLE_DATETIME: Final = 1
STYLE_TEXT_QUOTED: Final = 2
STYLE_HEADER: Final = 3
STYLE_ALERT: Final = 4

_NS_MAIN: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_TYPE: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT: Final = "application/vnd.openxmlformats-officedocument"

STYLES: Final = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_NS_MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts>
<fonts count="3">
<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>
<font><b/><sz val="12"/><color rgb="FFC00000"/><name val="Calibri"/><family val="2"/></font>
</fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="49" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1" quotePrefix="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""

_ROOT_RELS: Final = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{_NS_PKG_REL}">
<Relationship Id="rId1" Type="{_REL_TYPE}/officeDocument" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="{_REL_TYPE}/extended-properties" Target="docProps/app.xml"/>
</Relationships>
"""

_APP: Final = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>leadsportal</Application></Properties>
"""

# Characters XML 1.0 forbids; Excel writes them as _xHHHH_.
_XML_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Literal text that Excel would read as such an escape: its underscore is escaped in turn.
_EXCEL_ESCAPE_LOOKALIKE: Final = re.compile("_(x[0-9A-Fa-f]{4}_)")
# Anything xml_text has to change; most text has none of it.
_NEEDS_WORK: Final = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def xml_text(text: str) -> str:
    """Text for a <t> element, read back identically by Excel (CR, controls and all)."""
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    if not _NEEDS_WORK.search(text):
        return text
    text = _EXCEL_ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    text = _XML_ILLEGAL.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    # A raw CR would be normalised to LF by every XML parser; a character reference is not.
    return escape(text).replace("\r", "&#13;")


def excel_serial(value: datetime) -> float:
    local = paris(value).replace(tzinfo=None)
    return (local - _EXCEL_EPOCH).total_seconds() / 86_400


def _text_cell(ref: str, text: str, style: int) -> str:
    style_attr = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"{style_attr}><is><t{space}>{xml_text(text)}</t></is></c>'


def cell_xml(ref: str, kind: Kind, value: Value) -> str:
    """One <c> element; an empty string for a missing value (no cell at all)."""
    if value is None:
        return ""
    if kind is Kind.DATETIME and isinstance(value, datetime):
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{excel_serial(value)!r}</v></c>'
    if kind in (Kind.NUMBER, Kind.INTEGER) and isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        number = int(value) if float(value).is_integer() else float(value)
        return f'<c r="{ref}"><v>{number!r}</v></c>'
    text = str(value)
    if kind is Kind.PHONE or is_formula_like(text):
        return _text_cell(ref, text, STYLE_TEXT_QUOTED)
    return _text_cell(ref, text, STYLE_DEFAULT)


class _Sink:
    """A write-only, unseekable file for zipfile: what it receives is taken by `drain()`."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        if data:
            self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class XlsxStreamWriter:
    """Header, rows, then `close()`; `drain()` after each step gives the bytes to send."""

    def __init__(
        self,
        *,
        kinds: Sequence[Kind],
        headers: Sequence[str],
        widths: Sequence[int],
        sheet_title: str,
    ) -> None:
        self._kinds = list(kinds)
        self._width = len(self._kinds)
        self._letters = [column_letter(i) for i in range(self._width)]
        self._sheet_title = sheet_title[:31]
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(
            self._sink,  # type: ignore[arg-type]
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=6,
        )
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr("docProps/app.xml", _APP)
        self._zip.writestr("docProps/core.xml", _core_properties(datetime.now().astimezone()))
        self._zip.writestr("xl/styles.xml", STYLES)
        self._sheet: IO[bytes] = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(widths, start=1)
        )
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{cols}</cols><sheetData>"
        )
        self.rows_written = 0  # data rows, header excluded
        self._next_row = 1
        self._closed = False
        self._write_row(
            [_text_cell(f"{column_letter(i)}1", h, STYLE_HEADER) for i, h in enumerate(headers)]
        )

    @property
    def room(self) -> int:
        """Rows Excel can still show, keeping one for a closing marker."""
        return max(0, MAX_ROWS - self._next_row)

    def _write(self, text: str) -> None:
        self._sheet.write(text.encode("utf-8", errors="replace"))

    def _write_row(self, cells: list[str]) -> None:
        self._write(f'<row r="{self._next_row}">{"".join(cells)}</row>')
        self._next_row += 1

    def write_row(self, values: Sequence[Value]) -> None:
        row = self._next_row
        self._write_row(
            [
                cell_xml(f"{letter}{row}", kind, value)
                for letter, kind, value in zip(self._letters, self._kinds, values, strict=True)
            ]
        )
        self.rows_written += 1

    def drain(self) -> bytes:
        return self._sink.drain()

    def close(self, *, incomplete_message: str | None = None) -> None:
        """End the sheet and the archive. An incomplete export gets a red last row and a first,
        active sheet saying so, which is what Excel shows when the file opens."""
        if self._closed:
            return
        self._closed = True
        last_data_row = self._next_row - 1
        if incomplete_message:
            self._write_row([_text_cell(f"A{self._next_row}", incomplete_message, STYLE_ALERT)])
        last_column = column_letter(self._width - 1)
        self._write(
            "</sheetData>"
            f'<autoFilter ref="A1:{last_column}{max(last_data_row, 1)}"/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>"
        )
        self._sheet.close()
        sheets = [(self._sheet_title, "worksheets/sheet1.xml")]
        if incomplete_message:
            self._zip.writestr("xl/worksheets/sheet2.xml", _alert_sheet(incomplete_message))
            sheets.insert(0, ("EXPORT INCOMPLET", "worksheets/sheet2.xml"))
        leads_sheet_index = len(sheets) - 1
        filter_name = (
            f'<definedNames><definedName name="_xlnm._FilterDatabase" '
            f'localSheetId="{leads_sheet_index}" hidden="1">'
            f"{escape(_quoted_sheet(self._sheet_title))}!$A$1:${last_column}${max(last_data_row, 1)}"
            "</definedName></definedNames>"
        )
        self._zip.writestr("xl/workbook.xml", _workbook(sheets, filter_name))
        self._zip.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(sheets))
        self._zip.writestr("[Content_Types].xml", _content_types(len(sheets)))
        self._zip.close()


def _quoted_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _core_properties(now: datetime) -> str:
    stamp = now.astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
    stamp = stamp[:-2] + ":" + stamp[-2:]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>leadsportal</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        "</cp:coreProperties>"
    )


def _alert_sheet(message: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<cols><col min="1" max="1" width="120" customWidth="1"/></cols>'
        f'<sheetData><row r="1">{_text_cell("A1", message, STYLE_ALERT)}</row></sheetData>'
        "</worksheet>"
    )


def _workbook(sheets: list[tuple[str, str]], defined_names: str) -> str:
    entries = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
        for i, (title, _path) in enumerate(sheets, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{entries}</sheets>{defined_names}"
        "</workbook>"
    )


def _workbook_rels(sheets: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_TYPE}/worksheet" Target="{path}"/>'
        for i, (_title, path) in enumerate(sheets, start=1)
    )
    styles_id = len(sheets) + 1
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_NS_PKG_REL}">{entries}'
        f'<Relationship Id="rId{styles_id}" Type="{_REL_TYPE}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _content_types(sheet_count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="{_CT}.spreadsheetml.worksheet+xml"/>'
        for i in range(1, sheet_count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
        f"{sheets}"
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
        "</Types>"
    )
