"""From a grid of cells to rows of named values: find the header, map its columns, resolve merged cells.

Merged cells: openpyxl reads the non-anchor cells of a merged range as empty. A range within one importable
column (e.g. one 工作单位 spanning several experts) is filled down from its anchor, as the sheet shows it. A
range across two or more importable columns in a data row (a group title such as “一、高校专家”) cannot be
split into values, so every row it covers is rejected with the reason. Empty rows are skipped before that.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from service.importing import catalogue
from service.importing.catalogue import Column, ImportKind
from service.importing.reader import Grid, Merge
from service.importing.report import BadHeader, BadUpload, FileTooLarge

_SPACE = re.compile(r"\s+")
_NOTE = re.compile(r"[（(][^（）()]*[）)]$")
_NUMBER_LIKE = re.compile(r"^[\d\s\-+*.()（）]+$")


@dataclass
class TableRow:
    """One non-empty data row: its Excel row number, field → raw cell value, and a problem found in reading."""

    number: int
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class Table:
    kind: ImportKind
    header_row: int
    headers: dict[str, str]  # field → header as the file writes it
    rows: list[TableRow]
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the file as a whole (e.g. sheets not read)

    @property
    def present(self) -> frozenset[str]:
        """The fields the file has a column for (absent columns leave existing records unchanged)."""
        return frozenset(self.headers)


def normalize_header(value: Any) -> str:
    """“ 姓 名* ” → 姓名: whitespace (ASCII and full-width) removed, the required mark stripped."""
    if value is None:
        return ""
    return _SPACE.sub("", str(value)).strip("*＊:：")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _header_lookup(kind: ImportKind) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in catalogue.COLUMNS[kind]:
        for name in (column.header, *column.synonyms):
            lookup[normalize_header(name)] = column
    return lookup


def _known(lookup: dict[str, Column], name: str) -> tuple[Column | None, bool]:
    """The column a normalised header names, and whether exactly: else once the notes in brackets at its end
    are left out (联系电话（手机）, 身份证号码(18位), 所在区县（必填）). “区（市）县” is a name of its own."""
    if name in lookup:
        return lookup[name], True
    bare = name
    while (shorter := _NOTE.sub("", bare).strip("*＊:：")) != bare:
        bare = shorter
        if bare in lookup:
            return lookup[bare], False
    return None, False


def build_table(grid: Grid, kind: ImportKind) -> Table:
    """The data rows of `grid` for an import of `kind`; BadUpload/BadHeader when the header is unusable."""
    lookup = _header_lookup(kind)
    header_row, cells = _locate_header(grid, kind, lookup)
    header_row, cells = _sub_header(grid, header_row, cells) or (header_row, cells)
    by_index: dict[int, Column] = {}
    headers: dict[str, str] = {}
    found = [(index, name, *_known(lookup, name)) for index, raw in enumerate(cells) if (name := normalize_header(raw))]
    for index, _name, column, exact in found:
        if column is None or not exact:
            continue
        if column.field in headers:
            raise BadHeader(catalogue.duplicate_column(column.header))
        by_index[index] = column
        headers[column.field] = column.header
    # A header with a note (联系电话（手机）) names its column unless a header names it exactly or comes first.
    for index, _name, column, exact in found:
        if column is not None and not exact and column.field not in headers:
            by_index[index] = column
            headers[column.field] = column.header
    ignored = [
        name
        for index, name, _column, _exact in found
        if index not in by_index and name not in catalogue.EXPORT_ONLY_HEADERS[kind]
    ]
    missing = [c.header for c in catalogue.COLUMNS[kind] if c.required and c.field not in headers]
    if missing:
        raise BadHeader(catalogue.missing_columns(missing))

    data = {number: values for number, values in grid.rows if number > header_row}
    non_empty = {number for number, values in data.items() if not all(is_blank(v) for v in values)}
    if len(non_empty) > catalogue.MAX_DATA_ROWS:
        raise FileTooLarge(catalogue.too_many_rows(catalogue.MAX_DATA_ROWS))
    problems = _resolve_merges(grid.merges, header_row, data, set(by_index))
    rows = []
    for number in sorted(non_empty):
        values = data[number]
        named = {c.field: (values[i] if i < len(values) else None) for i, c in by_index.items()}
        rows.append(TableRow(number=number, values=named, problem=problems.get(number)))
    notes = [catalogue.other_sheets_not_read(grid.sheet or "", grid.other_sheets)] if grid.other_sheets else []
    return Table(kind=kind, header_row=header_row, headers=headers, rows=rows, ignored_columns=ignored, notes=notes)


def _locate_header(grid: Grid, kind: ImportKind, lookup: dict[str, Column]) -> tuple[int, list[Any]]:
    """The first row among the top few with the most recognised headers, one of them required."""
    best: tuple[int, int, list[Any]] | None = None
    for number, values in grid.rows:
        if number > catalogue.HEADER_SEARCH_ROWS:
            break
        known = [c for c, _exact in (_known(lookup, normalize_header(v)) for v in values) if c is not None]
        if not any(c.required for c in known):
            continue
        if best is None or len(known) > best[0]:
            best = (len(known), number, values)
    if best is None:
        raise BadUpload(catalogue.no_header(kind, grid.sheet, grid.other_sheets))
    return best[1], best[2]


def _sub_header(grid: Grid, header_row: int, cells: list[Any]) -> tuple[int, list[Any]] | None:
    """A header of two rows: group titles merged across columns (联系方式 over 手机 and 办公电话), the names of
    their columns in the row below, the other headers usually merged down into it. The row below is taken as part
    of the header only when all it holds are names under the group titles, so a data row never is.
    Returns the header's last row and the name of each column."""
    groups = [m for m in grid.merges if m.min_row == header_row and m.max_col > m.min_col]
    below = next((values for number, values in grid.rows if number == header_row + 1), None)
    if not groups or below is None:
        return None
    present = [i for i, value in enumerate(below) if not is_blank(value)]
    for i in present:
        value = below[i]
        if not any(m.min_col - 1 <= i < m.max_col for m in groups) or not isinstance(value, str):
            return None
        if _NUMBER_LIKE.match(value):
            return None
    names = list(cells) + [None] * max(0, len(below) - len(cells))
    for i in present:
        names[i] = below[i]
    return header_row + 1, names


def _resolve_merges(
    merges: list[Merge], header_row: int, data: dict[int, list[Any]], mapped: set[int]
) -> dict[int, str]:
    """Fill single-column merges down from their anchor (in place); problems for rows merged across columns.

    Only the rows the sheet has are visited, and only the importable columns: a range's size costs nothing
    (the reader refuses ranges taller than any roster, and too many of them)."""
    problems: dict[int, str] = {}
    numbers = sorted(data)
    columns = sorted(mapped)
    for merge in merges:
        if merge.min_row <= header_row:
            continue
        anchor_row = data.get(merge.min_row, [])
        anchor_index = merge.min_col - 1
        anchor = anchor_row[anchor_index] if anchor_index < len(anchor_row) else None
        if is_blank(anchor):
            continue
        spanned = [i for i in columns if merge.min_col - 1 <= i < merge.max_col]
        if not spanned:
            continue
        covered = numbers[bisect_left(numbers, merge.min_row) : bisect_right(numbers, merge.max_row)]
        if len(spanned) >= 2:
            reason = catalogue.merged_across_columns(get_column_letter(merge.min_col), get_column_letter(merge.max_col))
            for number in covered:
                problems[number] = reason
            continue
        # One importable column covered: the value belongs to that column on every covered row.
        target = spanned[0]
        for number in covered:
            values = data[number]
            if len(values) <= target:
                values.extend([None] * (target + 1 - len(values)))
            values[target] = anchor
    return problems
