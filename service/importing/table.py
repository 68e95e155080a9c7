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


def build_table(grid: Grid, kind: ImportKind) -> Table:
    """The data rows of `grid` for an import of `kind`; BadUpload/BadHeader when the header is unusable."""
    lookup = _header_lookup(kind)
    header_row, cells = _locate_header(grid, kind, lookup)
    by_index: dict[int, Column] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(cells):
        name = normalize_header(raw)
        if not name:
            continue
        column = lookup.get(name)
        if column is None:
            if name not in catalogue.EXPORT_ONLY_HEADERS[kind]:
                ignored.append(name)
            continue
        if column.field in headers:
            raise BadHeader(catalogue.duplicate_column(column.header))
        by_index[index] = column
        headers[column.field] = column.header
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
    return Table(kind=kind, header_row=header_row, headers=headers, rows=rows, ignored_columns=ignored)


def _locate_header(grid: Grid, kind: ImportKind, lookup: dict[str, Column]) -> tuple[int, list[Any]]:
    """The first row among the top few with the most recognised headers, one of them required."""
    best: tuple[int, int, list[Any]] | None = None
    for number, values in grid.rows:
        if number > catalogue.HEADER_SEARCH_ROWS:
            break
        known = [lookup[h] for h in map(normalize_header, values) if h in lookup]
        if not any(c.required for c in known):
            continue
        if best is None or len(known) > best[0]:
            best = (len(known), number, values)
    if best is None:
        raise BadUpload(catalogue.no_header(kind))
    return best[1], best[2]


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
