"""The filterable, facetable and sortable fields of an embedded index held in memory as NumPy columns.

Filters, totals, facet counts and sorting then cost a few vectorised operations over the hit set, whatever
its size, instead of a join per hit in SQLite. One `Columns` is shared by every thread of a process and
brought up to date incrementally: rowids are never reused within an index's epoch (a reset starts a new
epoch), every delete is logged with a sequence number, and the index's version `(epoch, top rowid, last
delete)` is written in the same transaction as each change. A reader compares the version of its own
snapshot with the columns and loads only what is new; columns ahead of a reader's snapshot are read as of
that snapshot (rows past its top rowid and deletes past its sequence are ignored).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from search.documents import IndexSchema

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Integer days: 0 is a missing date, which no range matches.
NO_DAY = 0


@dataclass(frozen=True)
class Version:
    """Where an index stands: its epoch (reset count), highest rowid ever used, and last delete's number."""

    epoch: int = 0
    top: int = 0
    seq: int = 0

    def encode(self) -> str:
        """The form stored in `search_meta`."""
        return f"{self.epoch} {self.top} {self.seq}"

    @classmethod
    def decode(cls, text: str | None) -> Version:
        """Parse what `encode` wrote (a missing value is a new, empty index)."""
        if not text:
            return cls()
        epoch, top, seq = (int(part) for part in text.split())
        return cls(epoch, top, seq)


@dataclass
class Keywords:
    """One keyword field: a code per rowid (0: no value) and the value of each code."""

    codes: IntArray
    values: list[str] = field(default_factory=lambda: [""])
    lookup: dict[str, int] = field(default_factory=dict)

    def code(self, value: str) -> int:
        """The code of `value`, assigned on first sight."""
        found = self.lookup.get(value)
        if found is None:
            found = self.lookup[value] = len(self.values)
            self.values.append(value)
        return found

    def table(self, wanted: tuple[str, ...]) -> BoolArray:
        """A lookup table over codes, True for the wanted values."""
        table = np.zeros(len(self.values), dtype=np.bool_)
        for value in wanted:
            code = self.lookup.get(value)
            if code is not None:
                table[code] = True
        return table


@dataclass
class Tags:
    """One list field: parallel arrays of (rowid, value code), one pair per value of a document."""

    docs: IntArray
    keywords: Keywords


class Columns:
    """The in-memory columns of one index as of `version` (mutated only by `refreshed`, under a lock)."""

    def __init__(self, schema: IndexSchema) -> None:
        self.schema = schema
        self.version = Version(epoch=-1)
        self.present: BoolArray = np.zeros(1, dtype=np.bool_)
        self.deleted_at: IntArray = np.zeros(1, dtype=np.int64)  # 0: alive
        self.keywords: dict[str, Keywords] = {}
        self.sort_text: dict[str, list[str | None]] = {}
        self.days: dict[str, IntArray] = {}
        self.times: dict[str, npt.NDArray[np.float64]] = {}
        self.tags: dict[str, Tags] = {}
        self._alive_cache: tuple[Version, BoolArray] | None = None
        #: Whole-index sort orders, computed on first use (see `search.embedded._sorted_page`).
        self.orders: dict[tuple[Any, ...], IntArray] = {}

    def alive(self, version: Version) -> BoolArray:
        """Rows that exist in the snapshot at `version` (which may be older than these columns)."""
        cached = self._alive_cache
        if cached is not None and cached[0] == version:
            return cached[1]
        top = version.top + 1
        deleted = self.deleted_at[:top]
        mask = self.present[:top] & ((deleted == 0) | (deleted > version.seq))
        self._alive_cache = (version, mask)
        return mask


class ColumnStore:
    """The `Columns` of each index, refreshed from the database when a reader's snapshot is newer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._columns: dict[str, Columns] = {}

    def get(self, con: sqlite3.Connection, schema: IndexSchema, tables: dict[str, str], version: Version) -> Columns:
        """Columns usable for a reader whose snapshot (open on `con`) is at `version`."""
        current = self._columns.get(schema.name)
        if current is not None and current.version.epoch == version.epoch and _covers(current.version, version):
            return current
        with self._lock:
            current = self._columns.get(schema.name)
            if current is None or current.version.epoch != version.epoch:
                fresh = _load(con, schema, tables, Columns(schema), version)
            elif _covers(current.version, version):
                return current
            else:
                fresh = _load(con, schema, tables, _copy(current), version)
            newer = self._columns.get(schema.name)
            if newer is None or newer.version.epoch != fresh.version.epoch or _covers(fresh.version, newer.version):
                self._columns[schema.name] = fresh
            return fresh


def _covers(have: Version, want: Version) -> bool:
    return have.top >= want.top and have.seq >= want.seq


def _copy(old: Columns) -> Columns:
    new = Columns(old.schema)
    new.version = old.version
    new.present = old.present.copy()
    new.deleted_at = old.deleted_at.copy()
    new.keywords = {k: Keywords(v.codes.copy(), list(v.values), dict(v.lookup)) for k, v in old.keywords.items()}
    new.sort_text = {k: list(v) for k, v in old.sort_text.items()}
    new.days = {k: v.copy() for k, v in old.days.items()}
    new.times = {k: v.copy() for k, v in old.times.items()}
    new.tags = {
        k: Tags(v.docs.copy(), Keywords(v.keywords.codes.copy(), list(v.keywords.values), dict(v.keywords.lookup)))
        for k, v in old.tags.items()
    }
    return new


def _grow(array: npt.NDArray[Any], size: int, fill: Any) -> npt.NDArray[Any]:
    if len(array) >= size:
        return array
    grown = np.full(max(size, len(array) * 5 // 4), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def _load(
    con: sqlite3.Connection, schema: IndexSchema, tables: dict[str, str], columns: Columns, version: Version
) -> Columns:
    """Add to `columns` the rows after its version up to `version` (all of them for new columns)."""
    start = columns.version if columns.version.epoch == version.epoch else Version(version.epoch)
    size = version.top + 1
    columns.present = _grow(columns.present, size, False)
    columns.deleted_at = _grow(columns.deleted_at, size, 0)
    for name in schema.keyword_fields:
        kw = columns.keywords.setdefault(name, Keywords(np.zeros(1, dtype=np.int64)))
        kw.codes = _grow(kw.codes, size, 0)
    for name in schema.sortable_fields:
        text = columns.sort_text.setdefault(name, [None])
        text.extend([None] * (size - len(text)))
    for name in schema.date_fields:
        columns.days[name] = _grow(columns.days.get(name, np.zeros(1, dtype=np.int64)), size, NO_DAY)
        columns.times[name] = _grow(columns.times.get(name, np.full(1, np.nan)), size, np.nan)

    selected = ["rowid"] + [f'"kw_{f}"' for f in schema.keyword_fields]
    selected += [f'"sort_{f}"' for f in schema.sortable_fields]
    for f in schema.date_fields:
        selected += [f'"day_{f}"', f'"ts_{f}"']
    rows = con.execute(
        f"SELECT {', '.join(selected)} FROM {tables['doc']} WHERE rowid > ? AND rowid <= ?", (start.top, version.top)
    ).fetchall()
    if rows:
        by_column = list(zip(*rows, strict=True))
        rowids = np.fromiter(by_column[0], dtype=np.int64, count=len(rows))
        columns.present[rowids] = True
        at = 1
        for name in schema.keyword_fields:
            kw = columns.keywords[name]
            kw.codes[rowids] = [0 if v is None else kw.code(v) for v in by_column[at]]
            at += 1
        for name in schema.sortable_fields:
            text = columns.sort_text[name]
            for rowid, value in zip(by_column[0], by_column[at], strict=True):
                text[rowid] = value
            at += 1
        for name in schema.date_fields:
            columns.days[name][rowids] = [NO_DAY if v is None else v for v in by_column[at]]
            columns.times[name][rowids] = [np.nan if v is None else v for v in by_column[at + 1]]
            at += 2
    for name in schema.keyword_list_fields:
        tags = columns.tags.setdefault(name, Tags(np.zeros(0, dtype=np.int64), Keywords(np.zeros(0, dtype=np.int64))))
        found = con.execute(
            f"SELECT doc, value FROM {tables['tag']} WHERE field = ? AND doc > ? AND doc <= ?",
            (name, start.top, version.top),
        ).fetchall()
        if found:
            tags.docs = np.concatenate([tags.docs, np.fromiter((d for d, _ in found), dtype=np.int64)])
            codes = np.fromiter((tags.keywords.code(v) for _, v in found), dtype=np.int64)
            tags.keywords.codes = np.concatenate([tags.keywords.codes, codes])
    for seq, rowid in con.execute(
        f"SELECT seq, r FROM {tables['gone']} WHERE seq > ? AND seq <= ?", (start.seq, version.seq)
    ):
        if rowid < size:
            columns.deleted_at[rowid] = seq
    columns.version = version
    columns._alive_cache = None
    return columns
