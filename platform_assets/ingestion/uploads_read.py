"""Read an uploaded spreadsheet (CSV or XLSX) into rows of cells, numbered as a person counts them.

Files come from people and the tools they use, so the reader is forgiving about form and strict
about content: a CSV may be UTF-8 (with or without Excel's byte-order mark), UTF-16 with a BOM or
Windows-1252 (Excel's "CSV" on Windows), and delimited by comma, semicolon, tab or pipe (the one
the header line uses most: header names rarely contain a delimiter, which makes this steadier
than ``csv.Sniffer`` on a few short lines). An XLSX is read from its first sheet with the values
Excel last computed. Row numbers are the spreadsheet's (1-based, blank rows counted but not
returned), so an error message points where the user looks. A file that cannot be read raises
:class:`UploadRejected` saying why.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

Row = tuple[int, list[Any]]
"""(the row's number in the spreadsheet, its cells: None when blank)."""

_DELIMITERS = (",", ";", "\t", "|")
_TEXT_ENCODINGS = ("utf-8-sig", "cp1252")
_MAX_SHOWN = 10


class UploadRejected(ValueError):
    """An upload that must not load; each problem names the file (and the row, where one is
    to blame) and says what is wrong."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        more = len(problems) - _MAX_SHOWN
        shown = problems[:_MAX_SHOWN] + ([f"... and {more} more problems"] if more > 0 else [])
        super().__init__("\n".join(shown))


def read_rows(path: Path) -> list[Row]:
    """The non-blank rows of an upload, header included."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    return _csv_rows(path)


def _csv_rows(path: Path) -> list[Row]:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise UploadRejected(
            path.name,
            [f"{path.name}: an Excel workbook with a .csv name; save it as .xlsx or as CSV"],
        )
    text = _decode(path.name, data)
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    delimiter = max(_DELIMITERS, key=header.count) if header else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UploadRejected(path.name, [f"{path.name}: not a readable CSV ({exc})"]) from None
    rows = []
    for number, record in enumerate(records, start=1):
        cells = [cell if cell.strip() else None for cell in record]
        if any(cell is not None for cell in cells):
            rows.append((number, cells))
    return rows


def _decode(name: str, data: bytes) -> str:
    """The file's text in the first encoding that reads it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in _TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRejected(name, [f"{name}: not text in UTF-8, UTF-16 or Windows-1252"])


def _xlsx_rows(path: Path) -> list[Row]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise UploadRejected(
            path.name, [f"{path.name}: not a readable XLSX workbook ({exc})"]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [None if _blank(value) else value for value in values]
            if any(cell is not None for cell in cells):
                rows.append((number, cells))
        return rows
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
