"""The cell rules on their own: formula guard, phones, numbers, dates, XLSX text."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from leadsportal.exports.cells import csv_cell, french_grouping, is_strict_phone
from leadsportal.exports.columns import Kind
from leadsportal.exports.xlsx import XlsxStreamWriter, column_letter, xml_text
from leadsportal.lib.formulas import neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", '=HYPERLINK("http://x";"y")'],
)
def test_formula_like_text_gets_a_leading_quote_in_csv(text):
    assert neutralise(text) == "'" + text
    assert csv_cell(Kind.TEXT, text, excel_fr=True) == "'" + text
    assert csv_cell(Kind.TEXT, text, excel_fr=False) == "'" + text


@pytest.mark.parametrize("text", ["Bonjour", "a=b", "1 234", "", "'déjà cité", " =1"])
def test_other_text_is_left_alone(text):
    assert csv_cell(Kind.TEXT, text, excel_fr=True) == text


@pytest.mark.parametrize(
    ("phone", "excel_fr", "standard"),
    [
        ("+33612345678", "+33 6 12 34 56 78", "+33612345678"),
        ("0612345678", "06 12 34 56 78", "0612345678"),
        ("06 12 34 56 78", "06 12 34 56 78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("06.12.34.56.78", "06.12.34.56.78", "06.12.34.56.78"),
        ("+4915112345678", "+4915112345678", "+4915112345678"),
        (
            "+33612345678 / 0123456789",
            "+33 6 12 34 56 78 / 01 23 45 67 89",
            "+33612345678 / 0123456789",
        ),
    ],
)
def test_phones_stay_usable_and_are_never_prefixed(phone, excel_fr, standard):
    assert is_strict_phone(phone)
    assert csv_cell(Kind.PHONE, phone, excel_fr=True) == excel_fr
    assert csv_cell(Kind.PHONE, phone, excel_fr=False) == standard


@pytest.mark.parametrize("text", ["+33 6 CALL ME", "=1+1", "-1", "+1!A1", "@me"])
def test_a_phone_cell_that_is_not_a_phone_is_guarded_like_text(text):
    assert not is_strict_phone(text)
    assert csv_cell(Kind.PHONE, text, excel_fr=True) == "'" + text


def test_french_grouping_keeps_every_digit():
    for number in ("0612345678", "+33612345678", "0123456789"):
        grouped = french_grouping(number)
        assert grouped.replace(" ", "") == number and " " in grouped


def test_numbers_and_dates_per_format():
    assert csv_cell(Kind.NUMBER, 350000.0, excel_fr=True) == "350000"
    assert csv_cell(Kind.NUMBER, 45.5, excel_fr=True) == "45,5"
    assert csv_cell(Kind.NUMBER, 45.5, excel_fr=False) == "45.5"
    assert csv_cell(Kind.INTEGER, 3, excel_fr=True) == "3"
    assert csv_cell(Kind.NUMBER, None, excel_fr=True) == ""
    winter = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 23, 30, tzinfo=UTC)
    assert csv_cell(Kind.DATETIME, winter, excel_fr=True) == "16/01/2026 00:30"
    assert csv_cell(Kind.DATETIME, summer, excel_fr=True) == "16/07/2026 01:30"
    assert csv_cell(Kind.DATETIME, summer, excel_fr=False) == "2026-07-16T01:30:00+02:00"


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_xlsx_text_keeps_what_xml_would_lose():
    assert xml_text("a\r\nb") == "a&#13;\nb"
    assert xml_text("<b>&") == "&lt;b&gt;&amp;"
    assert xml_text("bell\x07") == "bell_x0007_"  # XML 1.0 forbids it; Excel's own escape
    assert xml_text("_x0041_") == "_x005F_x0041_"  # literal text, not an escape for Excel
    assert xml_text("x" * 40_000).endswith("…") and len(xml_text("x" * 40_000)) == 32_767


def test_the_xlsx_stream_sends_bytes_before_it_ends_and_is_a_valid_archive():
    writer = XlsxStreamWriter(
        kinds=[Kind.TEXT, Kind.PHONE],
        headers=["Message", "Téléphone"],
        widths=[30, 18],
        sheet_title="Leads",
    )
    chunks = [writer.drain()]
    assert chunks[0].startswith(b"PK")  # the archive has begun
    for index in range(5_000):
        writer.write_row([f"message {index} " * 8, "+33612345678"])
        chunks.append(writer.drain())
    sent_before_the_end = sum(len(chunk) for chunk in chunks)
    writer.close()
    chunks.append(writer.drain())
    data = b"".join(chunks)
    assert sent_before_the_end > len(data) / 2  # most of the file left while rows were written
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Leads"]
    assert sum(1 for _row in sheet.iter_rows()) == 5_001
