"""Reading an uploaded file into a grid of cells: .xlsx through openpyxl, .csv in UTF-8 (with or without
BOM), UTF-16 (Excel's “Unicode text”) or GB18030/GBK (what Chinese Excel writes by default)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from service.importing import catalogue
from service.importing.report import BadUpload

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class Merge:
    """A merged cell range, 1-based and inclusive, as Excel numbers rows and columns."""

    min_row: int
    max_row: int
    min_col: int
    max_col: int


@dataclass
class Grid:
    """The cells of one sheet: (row number as Excel shows it, values left to right) and the merged ranges."""

    rows: list[tuple[int, list[Any]]]
    merges: list[Merge] = field(default_factory=list)


def read_grid(content: bytes, filename: str) -> Grid:
    """The first (active) sheet of an .xlsx, or the records of a .csv, as a Grid; BadUpload if unreadable."""
    if not content:
        raise BadUpload(catalogue.EMPTY_FILE)
    name = filename.lower()
    if content.startswith(_XLS_MAGIC) or name.endswith(".xls"):
        raise BadUpload(catalogue.OLD_XLS)
    if content.startswith(_XLSX_MAGIC):
        return _read_xlsx(content)
    if name.endswith((".xlsx", ".xlsm")):
        raise BadUpload(catalogue.UNREADABLE_XLSX)
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(content)
    raise BadUpload(catalogue.UNSUPPORTED_FILE)


def _read_xlsx(content: bytes) -> Grid:
    try:
        # Not read-only: merged ranges are only known to a fully loaded sheet.
        workbook = load_workbook(io.BytesIO(content), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise BadUpload(catalogue.UNREADABLE_XLSX) from error
    sheet = workbook.active or workbook.worksheets[0]
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(values)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append((number, cells))
    merges = [
        Merge(r.min_row, r.max_row, r.min_col, r.max_col)
        for r in sheet.merged_cells.ranges
        if r.min_row is not None and r.max_row is not None and r.min_col is not None and r.max_col is not None
    ]
    workbook.close()
    return Grid(rows=rows, merges=merges)


def decode_text(content: bytes) -> str:
    """CSV bytes as text: a BOM decides; else UTF-8 if it decodes, else GB18030 (a superset of GBK)."""
    try:
        if content.startswith(b"\xef\xbb\xbf"):
            return content[3:].decode("utf-8")
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            return content.decode("utf-16")
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            return content.decode("gb18030")
    except UnicodeDecodeError as error:
        raise BadUpload(catalogue.UNKNOWN_ENCODING) from error


def _read_csv(content: bytes) -> Grid:
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # Excel numbers records, not physical lines: a quoted cell with a line break is still one row.
    rows: list[tuple[int, list[Any]]] = [(number, list(record)) for number, record in enumerate(reader, 1)]
    return Grid(rows=rows)
