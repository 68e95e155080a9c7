"""Reading an uploaded file into a grid of cells: .xlsx through openpyxl, .csv in UTF-8 (with or without
BOM), UTF-16 (Excel's “Unicode text”) or GB18030/GBK (what Chinese Excel writes by default)."""

from __future__ import annotations

import csv
import io
import pyexpat
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from service.importing import catalogue
from service.importing.report import BadUpload, FileTooLarge

_XLSX_MAGIC = b"PK\x03\x04"
_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
_MERGE_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"
_VALUE_TAGS = frozenset({f"{{{SHEET_MAIN_NS}}}v", f"{{{SHEET_MAIN_NS}}}t"})
#: Other sheets looked at for content (to name them in the report), and how far into each one.
_OTHER_SHEETS_CHECKED = 20
_OTHER_SHEET_ELEMENTS = 20_000
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
    """The non-empty rows of one sheet, (row number as Excel shows it, values left to right from column A,
    trailing empty cells dropped), and its merged ranges."""

    rows: list[tuple[int, list[Any]]]
    merges: list[Merge] = field(default_factory=list)
    #: The sheet read (None for a CSV), and the workbook's other visible sheets that have content: not read.
    sheet: str | None = None
    other_sheets: list[str] = field(default_factory=list)


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
    """The active sheet, streamed (read-only). A full load builds every cell of every merged range, so a few
    kilobytes declaring `A3:XFD1048576` merged would take gigabytes and never finish; and the zip is checked
    before openpyxl unpacks anything (see _check_archive)."""
    _check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError) as error:
        raise BadUpload(catalogue.UNREADABLE_XLSX) from error
    try:
        sheet = _first_sheet(workbook)
        grid = _read_sheet(workbook, sheet)
        grid.sheet = sheet.title
        grid.other_sheets = _other_sheets_with_content(workbook, sheet)
        return grid
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, OSError, SyntaxError) as error:
        # SyntaxError: the XML parser's ParseError; the others: a cell or a reference the parser cannot read.
        raise BadUpload(catalogue.UNREADABLE_XLSX) from error
    finally:
        workbook.close()


def _read_sheet(workbook: Any, sheet: ReadOnlyWorksheet) -> Grid:
    """Rows and merged ranges in one pass over the sheet's XML, each element dropped once read (memory stays
    that of one row), every element counted against the file's budget."""
    budget = _Budget()
    rows: list[tuple[int, list[Any]]] = []
    merges: list[Merge] = []
    open_elements: list[Any] = []
    in_row = False
    # openpyxl keeps a read-only sheet's parts private; its own reader is used as it uses them itself.
    with sheet._get_source() as source:  # type: ignore[attr-defined]
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,  # type: ignore[attr-defined]
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                open_elements.append(element)
                in_row = in_row or element.tag == _ROW_TAG
                continue
            open_elements.pop()
            budget.element()
            if element.tag == _ROW_TAG:
                number, cells = parser.parse_row(element)
                parser.row_dimensions.clear()  # a row's height and style: not needed, and it would pile up
                in_row = False
                values = budget.row(number, ((c["column"], c["value"]) for c in cells), len(cells))
                if values:
                    rows.append((number, values))
            elif element.tag == _MERGE_TAG:
                merges.append(budget.merge(element.get("ref") or ""))
            if not in_row:  # a cell is read with its row: keep the row's children until then
                element.clear()
                if open_elements and len(open_elements[-1]) and open_elements[-1][-1] is element:
                    del open_elements[-1][-1]
    _blank_merged_cells(rows, merges)
    return Grid(rows=rows, merges=merges)


def _blank_merged_cells(rows: list[tuple[int, list[Any]]], merges: list[Merge]) -> None:
    """Only a range's top-left cell has a value, as Excel shows it (a full load dropped the others too)."""
    by_number = dict(rows)
    numbers = sorted(by_number)
    for merge in merges:
        covered = numbers[bisect_left(numbers, merge.min_row) : bisect_right(numbers, merge.max_row)]
        for number in covered:
            values = by_number[number]
            start = merge.min_col if number == merge.min_row else merge.min_col - 1
            end = min(merge.max_col, len(values))
            if start < end:
                values[start:end] = [None] * (end - start)


def _check_archive(content: bytes) -> None:
    """Refuse, from the sizes the zip declares (binding: Python's zip reader stops at them), a workbook that
    unpacks to more than a roster ever does, or whose parts that openpyxl reads whole are huge (a few hundred
    kilobytes of repeated cell formats unpack to a styles part that takes seconds and gigabytes to load).
    Worksheets are streamed; their heads (before the cells) are read whole too, so they are counted here."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > catalogue.MAX_XLSX_UNPACKED_BYTES:
                raise FileTooLarge(catalogue.xlsx_unpacks_too_large(catalogue.MAX_XLSX_UNPACKED_BYTES))
            for member in members:
                name = member.filename.lower()
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _check_sheet_head(archive, member)
                elif name == "xl/sharedstrings.xml":
                    if member.file_size > catalogue.MAX_XLSX_STRINGS_BYTES:
                        raise FileTooLarge(catalogue.XLSX_ABNORMAL)
                elif name.endswith((".xml", ".rels")) and member.file_size > catalogue.MAX_XLSX_PART_BYTES:
                    raise FileTooLarge(catalogue.XLSX_ABNORMAL)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: a compression method zipfile lacks
        raise BadUpload(catalogue.UNREADABLE_XLSX) from error


class _HeadRead(Exception):
    pass


def _check_sheet_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Count the elements before <sheetData>: openpyxl reads them whole when it opens the workbook."""
    count = 0

    def start(name: str, _attributes: object) -> None:
        nonlocal count
        count += 1
        if name.rsplit(":", 1)[-1] == "sheetData":
            raise _HeadRead
        if count > catalogue.MAX_SHEET_HEAD_ELEMENTS:
            raise FileTooLarge(catalogue.XLSX_ABNORMAL)

    expat = pyexpat.ParserCreate()
    expat.StartElementHandler = start
    try:
        with archive.open(member) as source:
            while chunk := source.read(64 * 1024):
                expat.Parse(chunk, False)
            expat.Parse(b"", True)
    except _HeadRead:
        return
    except pyexpat.ExpatError as error:
        raise BadUpload(catalogue.UNREADABLE_XLSX) from error


def _visible(sheet: Any) -> bool:
    return isinstance(sheet, ReadOnlyWorksheet) and getattr(sheet, "sheet_state", "visible") == "visible"


def _first_sheet(workbook: Any) -> ReadOnlyWorksheet:
    """The sheet Excel opens on: the active one, unless it is hidden or a chart sheet; then the first visible
    worksheet (a workbook that names no active tab, with a hidden list of choices first, opens on the roster).
    A workbook whose worksheets are all hidden: the first worksheet."""
    active = workbook.active
    if _visible(active):
        return active  # type: ignore[no-any-return]
    sheets = [s for s in workbook.worksheets if isinstance(s, ReadOnlyWorksheet)]
    sheet = next((s for s in sheets if _visible(s)), sheets[0] if sheets else None)
    if sheet is None:
        raise BadUpload(catalogue.UNREADABLE_XLSX)
    return sheet


def _other_sheets_with_content(workbook: Any, read: ReadOnlyWorksheet) -> list[str]:
    """The names of the other visible worksheets that hold any value, so that the report can say they were not
    imported (empty “Sheet2”, “Sheet3” of old templates are not named). Each is looked at only so far."""
    names = []
    others = [s for s in workbook.worksheets if s is not read and _visible(s)]
    for sheet in others[:_OTHER_SHEETS_CHECKED]:
        if _has_content(sheet):
            names.append(sheet.title)
    return names


def _has_content(sheet: ReadOnlyWorksheet) -> bool:
    """Whether the sheet's XML holds a value within its first elements (a sheet that cannot be read: no)."""
    try:
        with sheet._get_source() as source:  # type: ignore[attr-defined]
            for count, (_event, element) in enumerate(iterparse(source, events=("end",))):
                if element.tag in _VALUE_TAGS and (element.text or "").strip():
                    return True
                element.clear()
                if count > _OTHER_SHEET_ELEMENTS:
                    return False
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError):
        return False
    return False


class _Budget:
    """What one file may hold (catalogue.MAX_*), counted as it is read, so that a hostile file is refused after
    little work: rows with content, the column of any content, cells in all (every row counts at least one, so
    that runs of empty rows count too), and the merged ranges (their rows, in all)."""

    def __init__(self) -> None:
        #: Non-empty rows read: the data rows, plus the header and the title rows that may stand above it.
        self.max_rows = catalogue.MAX_DATA_ROWS + catalogue.HEADER_SEARCH_ROWS
        self.rows = 0
        self.cells = 0
        self.elements = 0
        self.merges = 0
        self.merged_rows = 0

    def element(self) -> None:
        """One XML element of the sheet read (a cell is two or three: beyond that, not a roster)."""
        self.elements += 1
        if self.elements > catalogue.MAX_SHEET_ELEMENTS:
            raise FileTooLarge(catalogue.too_many_cells(catalogue.MAX_CELLS))

    def row(self, number: int, cells: Iterable[tuple[int, Any]], width: int) -> list[Any] | None:
        """The values of a row, left to right from column A (trailing empties dropped); None if it is empty."""
        self.cells += max(1, width)
        if self.cells > catalogue.MAX_CELLS:
            raise FileTooLarge(catalogue.too_many_cells(catalogue.MAX_CELLS))
        present = [(column, value) for column, value in cells if not _blank(value)]
        if not present:
            return None
        self.rows += 1
        if self.rows > self.max_rows:
            raise FileTooLarge(catalogue.too_many_rows(catalogue.MAX_DATA_ROWS))
        last = max(column for column, _ in present)
        if last > catalogue.MAX_COLUMNS:
            raise FileTooLarge(catalogue.too_many_columns(catalogue.MAX_COLUMNS, number))
        values: list[Any] = [None] * last
        for column, value in present:
            values[column - 1] = value
        return values

    def merge(self, ref: str) -> Merge:
        """A merged range of the sheet; refused when no roster's merge is that tall, or the merges together are."""
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError) as error:
            raise BadUpload(catalogue.UNREADABLE_XLSX) from error
        if min_col is None or min_row is None or max_col is None or max_row is None:
            # A whole column or row ("C:C", "3:3"): wider than any roster.
            raise FileTooLarge(catalogue.merged_range_too_large(ref, self.max_rows))
        height = max_row - min_row + 1
        if height > self.max_rows:
            raise FileTooLarge(catalogue.merged_range_too_large(ref, self.max_rows))
        # Ranges do not overlap in a sheet Excel wrote, so together they span no more rows than the cells read.
        self.merges += 1
        self.merged_rows += height
        if self.merges > catalogue.MAX_MERGED_RANGES or self.merged_rows > catalogue.MAX_CELLS:
            raise FileTooLarge(catalogue.too_many_merged_ranges(catalogue.MAX_MERGED_RANGES))
        return Merge(min_row, max_row, min_col, max_col)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


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
    budget = _Budget()
    rows: list[tuple[int, list[Any]]] = []
    try:
        # Excel numbers records, not physical lines: a quoted cell with a line break is still one row.
        for number, record in enumerate(reader, 1):
            values = budget.row(number, enumerate(record, 1), len(record))
            if values:
                rows.append((number, values))
    except csv.Error as error:  # a NUL byte, or a cell beyond the csv module's field size limit
        raise BadUpload(catalogue.UNREADABLE_CSV) from error
    return Grid(rows=rows)
