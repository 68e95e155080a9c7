"""The default backend: SQLite FTS5 over jieba-segmented text in one file, no server.

Per index four tables: `<index>_doc` (one narrow row per document: id, one column per filter and date),
`<index>_body` (the document as JSON, read only for the page shown), `<index>_tag` (values of list fields
such as an expert's `fields`) and `<index>_fts` (FTS5, one column per
text field and kind of term, see `search.analysis`). Every query word must match (AND); a word matches as a
whole word, a search-mode sub-word, or a run of character bigrams. Hits are ranked by match class first
(0: every word found whole, 1: every word found whole or as a sub-word, 2: otherwise), then by bm25 with
field and term-kind weights, so whole-word matches always come before sub-word ones. Past `rank_limit`
matches (a word in most documents) bm25 is skipped: hits keep their class and come newest-indexed first.

Threads: a file database gets one connection per thread (WAL, readers never block); ":memory:" shares one
connection behind a lock, as separate connections would see separate databases.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from search.analysis import (
    CJK_RUN,
    QueryTerm,
    Vocabulary,
    analyse_field,
    default_vocabulary,
    keep_best_covered,
    name_pinyin,
    parse_query,
    query_words,
)
from search.base import INDEXES, SearchBackend
from search.columns import NO_DAY, BoolArray, Columns, ColumnStore, IntArray, Version
from search.documents import IndexSchema, date_keys, schema_for
from search.errors import BackendUnavailableError, SearchError
from search.highlight import highlight
from search.query import HealthStatus, Hit, ResolvedQuery, SearchResult, SortSpec

log = logging.getLogger(__name__)

# Bump when the analysis or the table layout changes: an index built by another version is rebuilt empty
# (it is derived data; `zhiqiao search reindex` fills it again).
LAYOUT_VERSION = "3"
WORD_WEIGHT, SUBWORD_WEIGHT, GRAM_WEIGHT, PINYIN_WEIGHT = 1.0, 0.5, 0.25, 1.0
_CHUNK = 500
# bm25 costs a few microseconds per match: larger classes of hits are ordered title-first, newest first.
RANK_LIMIT = 2_000
MMAP_BYTES = 1 << 30
# Matches of recent query words and rankings kept per process (see `_word_matches`, `_by_bm25`).
MATCH_CACHE_BYTES = 32 << 20
RankedArray = npt.NDArray[np.float64]  # rows of (rowid, bm25)
CACHE_KIB = 32 * 1024


def _quote(token: str) -> str:
    """One FTS5 string, with the query syntax inside it neutralised."""
    return '"' + token.replace('"', '""') + '"'


class _Layout:
    """Table and column names of one index, and the FTS5 expressions for a parsed query."""

    def __init__(self, schema: IndexSchema) -> None:
        self.schema = schema
        self.doc = f"{schema.name}_doc"
        self.body = f"{schema.name}_body"
        self.tag = f"{schema.name}_tag"
        self.gone = f"{schema.name}_gone"
        self.fts = f"{schema.name}_fts"
        self.tables = {"doc": self.doc, "tag": self.tag, "gone": self.gone}
        self.version_key = f"version_{schema.name}"
        # Title-like fields: what orders a class of hits too large for bm25.
        top_weight = max(f.weight for f in schema.text_fields)
        self.title_fields = tuple(f.name for f in schema.text_fields if f.weight == top_weight)
        self.columns: dict[str, dict[str, list[str]]] = {}  # field -> kind (w, s, g) -> FTS columns
        self.fts_cols: list[str] = []
        weights: list[float] = []
        for f in schema.text_fields:
            kinds: dict[str, list[str]] = {"w": [], "s": [], "g": []}
            for suffix, kind_weight in (("w", WORD_WEIGHT), ("s", SUBWORD_WEIGHT), ("g", GRAM_WEIGHT)):
                self.fts_cols.append(f"{f.name}_{suffix}")
                kinds[suffix].append(f"{f.name}_{suffix}")
                weights.append(f.weight * kind_weight)
            if f.pinyin:
                self.fts_cols.append(f"{f.name}_py")
                kinds["w"].append(f"{f.name}_py")
                weights.append(f.weight * PINYIN_WEIGHT)
            self.columns[f.name] = kinds
        self.bm25 = f"bm25({self.fts}, {', '.join(f'{w:g}' for w in weights)})"

    def create_sql(self) -> list[str]:
        s = self.schema
        # The JSON body lives in its own table so loading the filter columns reads narrow rows.
        cols = ["rowid INTEGER PRIMARY KEY", "id TEXT NOT NULL UNIQUE"]
        cols += [f'"kw_{f}" TEXT' for f in s.keyword_fields]
        cols += [f'"sort_{f}" TEXT' for f in s.sortable_fields]
        for f in s.date_fields:
            cols += [f'"day_{f}" INTEGER', f'"ts_{f}" REAL']
        return [
            f"CREATE TABLE IF NOT EXISTS {self.doc} ({', '.join(cols)})",
            f"CREATE TABLE IF NOT EXISTS {self.body} (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.tag} (field TEXT NOT NULL, value TEXT NOT NULL, "
            "doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {self.tag}_doc ON {self.tag} (doc)",
            # Deleted rowids in order: how other readers' in-memory columns learn of deletes.
            f"CREATE TABLE IF NOT EXISTS {self.gone} (seq INTEGER PRIMARY KEY, r INTEGER NOT NULL)",
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.fts} USING fts5("
            f"{', '.join(self.fts_cols)}, tokenize = 'unicode61 remove_diacritics 0')",
        ]

    def drop_sql(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {t}" for t in (self.doc, self.body, self.tag, self.gone, self.fts)]

    def row(self, rowid: int, doc: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...], list[tuple]]:
        """The doc-table row, the FTS row and the tag rows of one validated document."""
        s = self.schema
        values: list[Any] = [rowid, str(doc["id"])]
        values += [doc.get(f) for f in s.keyword_fields]
        values += [doc.get(f) for f in s.sortable_fields]
        for f in s.date_fields:
            values += list(date_keys(doc.get(f)))
        fts: list[Any] = [rowid]
        for text_field in s.text_fields:
            text = doc.get(text_field.name) or ""
            analysed = analyse_field(text)
            fts += [analysed.words, analysed.subwords, analysed.grams]
            if text_field.pinyin:
                fts.append(name_pinyin(text))
        tags = [(name, value, rowid) for name in s.keyword_list_fields for value in dict.fromkeys(doc.get(name) or ())]
        return tuple(values), tuple(fts), tags

    def insert_sql(self) -> tuple[str, str]:
        s = self.schema
        cols = ["rowid", "id"] + [f'"kw_{f}"' for f in s.keyword_fields]
        cols += [f'"sort_{f}"' for f in s.sortable_fields]
        for f in s.date_fields:
            cols += [f'"day_{f}"', f'"ts_{f}"']
        doc = f"INSERT INTO {self.doc} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        marks = ", ".join("?" * (len(self.fts_cols) + 1))
        fts = f"INSERT INTO {self.fts} (rowid, {', '.join(self.fts_cols)}) VALUES ({marks})"
        return doc, fts

    def _cols(self, kinds: str, fields: Sequence[str] | None) -> list[str]:
        return [col for name in (fields or self.columns) for kind in kinds for col in self.columns[name][kind]]

    def match_expr(self, terms: Sequence[QueryTerm], kinds: str, fields: Sequence[str] | None = None) -> str:
        """FTS5 expression requiring every term. kinds: `w` whole words, `ws` words or sub-words, `all` any
        substring (and the last word as a prefix); `fields` limits it to those text fields."""
        groups = []
        for term in terms:
            options = []
            for alt in term.alternatives:
                words = query_words(alt)
                if not words:
                    continue
                prefix = term.prefix and alt == term.text and kinds == "all"
                # A single Chinese character is a word only where jieba could not segment a name (煎茶街道 is cut
                # 煎 + 茶 + 街道): its grams, in every class, so 茶园 in a title ranks above such a name.
                grams = _gram_phrase(alt) if kinds == "all" or _single_cjk(alt) else None
                # A Chinese word found as a word or sub-word is also found by its bigrams, so for one word
                # the gram phrase alone gives the same matches (and is cheaper, with no prefix expansion).
                if grams is None or len(words) > 1:
                    word_cols = self._cols("w" if kinds == "w" else "ws", fields)
                    options.append(self._phrase(word_cols, " ".join(words), prefix))
                if grams is not None:
                    options.append(self._phrase(self._cols("g", fields), grams[0], grams[1]))
            if options:
                groups.append("(" + " OR ".join(options) + ")")
        return " AND ".join(groups)

    @staticmethod
    def _phrase(cols: Sequence[str], tokens: str, prefix: bool) -> str:
        return "{" + " ".join(cols) + "} : " + _quote(tokens) + ("*" if prefix else "")


def _gram_phrase(text: str) -> tuple[str, bool] | None:
    """Bigram phrase that finds a Chinese word anywhere (a single character: as a gram prefix)."""
    if not CJK_RUN.fullmatch(text):
        return None
    if len(text) == 1:
        return text, True
    return " ".join(text[i : i + 2] for i in range(len(text) - 1)), False


class EmbeddedBackend(SearchBackend):
    """SQLite FTS5 search in one file (or ":memory:"); the default backend, needs no server."""

    name = "embedded"

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        vocabulary: Vocabulary | None = None,
        rank_limit: int = RANK_LIMIT,
        match_cache_bytes: int = MATCH_CACHE_BYTES,
    ) -> None:
        self.path = str(path)
        self.rank_limit = rank_limit
        self.vocabulary = vocabulary or default_vocabulary()
        self._memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._layouts = {name: _Layout(schema_for(name)) for name in INDEXES}
        self._shared: sqlite3.Connection | None = None
        self._columns = ColumnStore()
        self._match_lock = threading.Lock()
        # Query words' matches (IntArray) and ranked classes (RankedArray), keyed by kind, table, version, expr.
        self._match_cache: LRUCache[tuple[str, str, Version, str], npt.NDArray[Any]] = LRUCache(
            match_cache_bytes, getsizeof=lambda rowids: rowids.nbytes + 100
        )
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._writing() as con:
            self._create(con)

    # -- connections -------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise BackendUnavailableError(f"cannot open search index {self.path!r}: {exc}") from exc
        con.execute("PRAGMA busy_timeout = 30000")
        con.execute("PRAGMA temp_store = MEMORY")
        if not self._memory:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            # Reads go through the OS page cache without a system call per page.
            con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        con.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._connections.append(con)
        return con

    def _connection(self) -> sqlite3.Connection:
        if self._memory:
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._open()
        return con

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            with self._lock:
                yield self._connection()
            return
        con = self._connection()
        # One snapshot for the page, the total and the facets, even while another thread writes (WAL).
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            con = self._connection()
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this backend opened."""
        with self._lock:
            for con in self._connections:
                con.close()
            self._connections.clear()
            self._shared = None
            self._local = threading.local()

    # -- schema ------------------------------------------------------------------------------------------

    def _create(self, con: sqlite3.Connection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = con.execute("SELECT value FROM search_meta WHERE key = 'layout_version'").fetchone()
        if row is not None and row[0] != LAYOUT_VERSION:
            log.warning("search index %s has layout %s, expected %s: rebuilt empty", self.path, row[0], LAYOUT_VERSION)
            for layout in self._layouts.values():
                for stmt in layout.drop_sql():
                    con.execute(stmt)
                self._set_version(con, layout, Version(self._version(con, layout).epoch + 1))
        for layout in self._layouts.values():
            for stmt in layout.create_sql():
                con.execute(stmt)
        con.execute("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('layout_version', ?)", (LAYOUT_VERSION,))

    @staticmethod
    def _set_version(con: sqlite3.Connection, layout: _Layout, version: Version) -> None:
        con.execute(
            "INSERT OR REPLACE INTO search_meta (key, value) VALUES (?, ?)", (layout.version_key, version.encode())
        )

    # -- writes ------------------------------------------------------------------------------------------

    def _index(self, schema: IndexSchema, documents: list[dict[str, Any]]) -> None:
        layout = self._layouts[schema.name]
        # Analysis is the slow part: do it before taking the write lock, with provisional rowids.
        rows = [layout.row(i, doc) for i, doc in enumerate(documents)]
        doc_sql, fts_sql = layout.insert_sql()
        with self._writing() as con:
            seq = self._delete_keys(con, layout, [str(d["id"]) for d in documents])
            version = self._version(con, layout)
            # Rowids are never reused (in-memory columns of other readers rely on it).
            base = version.top + 1
            con.executemany(doc_sql, [(base + r[0][0],) + r[0][1:] for r in rows])
            con.executemany(
                f"INSERT INTO {layout.body} (rowid, body) VALUES (?, ?)",
                [(base + i, json.dumps(doc, ensure_ascii=False)) for i, doc in enumerate(documents)],
            )
            con.executemany(fts_sql, [(base + r[1][0],) + r[1][1:] for r in rows])
            con.executemany(
                f"INSERT INTO {layout.tag} (field, value, doc) VALUES (?, ?, ?)",
                [(f, v, base + rid) for r in rows for (f, v, rid) in r[2]],
            )
            self._set_version(con, layout, Version(version.epoch, base + len(rows) - 1, max(seq, version.seq)))

    @staticmethod
    def _delete_keys(con: sqlite3.Connection, layout: _Layout, keys: list[str]) -> int:
        """Delete documents by id, logging their rowids; the last log number (0 when nothing was logged)."""
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found = con.execute(f"SELECT rowid FROM {layout.doc} WHERE id IN ({marks})", chunk)
            rowids = [r[0] for r in found]
            if not rowids:
                continue
            rmarks = ", ".join("?" * len(rowids))
            con.execute(f"DELETE FROM {layout.fts} WHERE rowid IN ({rmarks})", rowids)
            con.execute(f"DELETE FROM {layout.tag} WHERE doc IN ({rmarks})", rowids)
            con.execute(f"DELETE FROM {layout.doc} WHERE rowid IN ({rmarks})", rowids)
            con.execute(f"DELETE FROM {layout.body} WHERE rowid IN ({rmarks})", rowids)
            con.executemany(f"INSERT INTO {layout.gone} (r) VALUES (?)", [(r,) for r in rowids])
        return int(con.execute(f"SELECT coalesce(max(seq), 0) FROM {layout.gone}").fetchone()[0])

    def _delete(self, schema: IndexSchema, ids: list[str]) -> None:
        layout = self._layouts[schema.name]
        with self._writing() as con:
            seq = self._delete_keys(con, layout, ids)
            version = self._version(con, layout)
            if seq > version.seq:
                self._set_version(con, layout, Version(version.epoch, version.top, seq))

    def _reset(self, schema: IndexSchema) -> None:
        layout = self._layouts[schema.name]
        with self._writing() as con:
            epoch = self._version(con, layout).epoch
            for stmt in layout.drop_sql() + layout.create_sql():
                con.execute(stmt)
            self._set_version(con, layout, Version(epoch + 1))

    # -- reads -------------------------------------------------------------------------------------------

    def _count(self, schema: IndexSchema) -> int:
        with self._reading() as con:
            return int(con.execute(f"SELECT count(*) FROM {self._layouts[schema.name].doc}").fetchone()[0])

    def _ids(self, schema: IndexSchema) -> set[str]:
        with self._reading() as con:
            return {r[0] for r in con.execute(f"SELECT id FROM {self._layouts[schema.name].doc}")}

    def health(self) -> HealthStatus:
        """OK when the file opens and both indexes answer a count."""
        try:
            counts = {name: self.count(name) for name in INDEXES}
        except (sqlite3.Error, SearchError) as exc:
            return HealthStatus(False, self.name, f"{self.path}: {exc}")
        return HealthStatus(True, self.name, ", ".join(f"{k}={v}" for k, v in counts.items()))

    def _version(self, con: sqlite3.Connection, layout: _Layout) -> Version:
        row = con.execute("SELECT value FROM search_meta WHERE key = ?", (layout.version_key,)).fetchone()
        return Version.decode(row[0] if row else None)

    @staticmethod
    def _rowids(con: sqlite3.Connection, layout: _Layout, expr: str) -> IntArray:
        """Rowids matching an FTS expression, ascending (one string from SQLite, parsed by NumPy)."""
        try:
            row = con.execute(f"SELECT group_concat(rowid) FROM {layout.fts} WHERE {layout.fts} MATCH ?", (expr,))
            text = row.fetchone()[0]
        except sqlite3.OperationalError as exc:
            # Every token is quoted, so this means a bug in expression building, not a hostile query.
            raise SearchError(f"search expression rejected by SQLite: {exc} ({expr[:200]!r})") from exc
        if not text:
            return np.zeros(0, dtype=np.int64)
        return np.fromstring(text, dtype=np.int64, sep=",")

    def _word_matches(self, con: sqlite3.Connection, layout: _Layout, version: Version, expr: str) -> IntArray:
        """`_rowids` of one query word's expression, remembered per index version.

        Words repeat across queries far more than whole queries do (a common word typed by many people, a
        query paged through or refined with filters), and a common word is the costly part for FTS5. Any
        write moves the index's version on, so a stale answer is never used; old entries age out."""
        return self._remembered(("words", layout.fts, version, expr), lambda: self._rowids(con, layout, expr))

    def _remembered(
        self, key: tuple[str, str, Version, str], compute: Callable[[], npt.NDArray[Any]]
    ) -> npt.NDArray[Any]:
        """The array cached under `key`, computed (outside the lock) and cached read-only when missing; an array
        larger than the whole cache is returned without being kept."""
        with self._match_lock:
            found = self._match_cache.get(key)
        if found is None:
            found = compute()
            found.flags.writeable = False  # shared between threads
            with self._match_lock, contextlib.suppress(ValueError):  # ValueError: larger than the whole cache
                self._match_cache[key] = found
        return found

    def _matches(
        self, con: sqlite3.Connection, layout: _Layout, version: Version, terms: Sequence[QueryTerm], kinds: str
    ) -> IntArray:
        """Rowids (ascending) matching every term as `kinds` (see `_Layout.match_expr`): the intersection of
        each word's matches, so each word's part is cached on its own."""
        found: IntArray | None = None
        for expr in filter(None, (layout.match_expr([term], kinds) for term in terms)):
            rows = self._word_matches(con, layout, version, expr)
            if found is None:
                found = rows
            elif len(found):
                keep = np.zeros(version.top + 1, dtype=np.bool_)
                keep[rows] = True
                found = found[keep[found]]
        return found if found is not None else np.zeros(0, dtype=np.int64)

    def _search(self, schema: IndexSchema, query: ResolvedQuery) -> SearchResult:
        started = time.perf_counter()
        layout = self._layouts[schema.name]
        terms = parse_query(query.q, self.vocabulary)
        wanted = query.offset + query.per_page
        with self._reading() as con:
            version = self._version(con, layout)
            columns = self._columns.get(con, schema, layout.tables, version)
            mask = columns.alive(version) & _filter_mask(columns, query, version.top + 1)
            found = np.zeros(0, dtype=np.int64)
            dropped: list[QueryTerm] = []
            if terms:
                found = self._matches(con, layout, version, terms, "all")
                if len(terms) > 1 and not np.any(mask[found]):
                    terms, dropped = self._drop_words(con, layout, version, terms, mask)
                    found = self._matches(con, layout, version, terms, "all")
                hit = np.zeros(len(mask), dtype=np.bool_)
                hit[found] = True
                mask &= hit
            total = int(np.count_nonzero(mask))
            if total <= query.offset:
                page: list[tuple[int, float]] = []
            elif terms and query.sort.field is None:
                page = self._ranked(con, layout, version, terms, mask, found, wanted)[query.offset :]
            else:
                page = _sorted_page(columns, query, mask, newest_first_ties=bool(terms))
            bodies = dict(
                con.execute(
                    f"SELECT rowid, body FROM {layout.body} WHERE rowid IN ({', '.join('?' * len(page))})",
                    [r for r, _ in page],
                ).fetchall()
            )
        facets = _facets(columns, mask, query.facets)
        highlight_terms = [alt for t in terms for alt in t.alternatives]
        hits = []
        for rowid, hit_score in page:
            document = json.loads(bodies[rowid])
            marked = self._highlights(schema, document, highlight_terms)
            hits.append(Hit(document["id"], hit_score, document, marked))
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
            dropped=tuple(t.text for t in dropped),
        )

    def _drop_words(
        self, con: sqlite3.Connection, layout: _Layout, version: Version, terms: list[QueryTerm], mask: BoolArray
    ) -> tuple[list[QueryTerm], list[QueryTerm]]:
        """`keep_best_covered` over the documents passing the filters (each word's matches are cached)."""
        held = np.zeros(len(mask), dtype=np.int64)  # per row: which words it holds, one bit per word
        frequency = []
        for i, term in enumerate(terms):
            rows = self._matches(con, layout, version, [term], "all")
            rows = rows[mask[rows]]
            held[rows] |= 1 << i
            frequency.append(len(rows))
        candidates = np.unique(held[held != 0])
        return keep_best_covered(terms, (int(m) for m in candidates), frequency, int(np.count_nonzero(mask)))

    def _ranked(
        self,
        con: sqlite3.Connection,
        layout: _Layout,
        version: Version,
        terms: Sequence[QueryTerm],
        mask: BoolArray,
        found: IntArray,
        wanted: int,
    ) -> list[tuple[int, float]]:
        """The best `wanted` hits in `mask`: by match class (whole words, sub-words, anything), then within a
        class by bm25 when the class has at most `rank_limit` matches, else title matches first, newest first."""
        page: list[tuple[int, float]] = []
        placed = np.zeros(len(mask), dtype=np.bool_)  # matches of the classes already gone through
        for kinds in ("w", "ws", "all"):
            room = wanted - len(page)
            if room <= 0:
                break
            expr = layout.match_expr(terms, kinds)
            matches = found if kinds == "all" else self._matches(con, layout, version, terms, kinds)
            if not np.any(mask[matches] & ~placed[matches]):
                placed[matches] = True
                continue  # nothing new in this class passes the filters: no need to rank it
            if len(matches) <= self.rank_limit:
                ranked = self._by_bm25(con, layout, version, expr)
                rowids = ranked[:, 0].astype(np.int64)
                best = ranked[mask[rowids] & ~placed[rowids]][:room]
                page += [(int(rowid), -float(score)) for rowid, score in best]
                placed[matches] = True
            else:
                page += self._by_title_then_newest(con, layout, terms, kinds, mask, placed, room)
                if len(page) < wanted and kinds != "all":
                    placed[matches] = True
        return page

    def _by_bm25(self, con: sqlite3.Connection, layout: _Layout, version: Version, expr: str) -> RankedArray:
        """Every match of `expr` as rows (rowid, bm25), best first (bm25 is lower for better matches; ties:
        newest-indexed first). Remembered per index version like a word's matches: paging through a query or
        narrowing it with a facet asks the same again with another filter."""

        def rank() -> RankedArray:
            rows = con.execute(f"SELECT rowid, {layout.bm25} FROM {layout.fts} WHERE {layout.fts} MATCH ?", (expr,))
            ranked = np.array(rows.fetchall(), dtype=np.float64).reshape(-1, 2)
            return ranked[np.lexsort((-ranked[:, 0], ranked[:, 1]))]

        return self._remembered(("bm25", layout.fts, version, expr), rank)

    def _by_title_then_newest(
        self,
        con: sqlite3.Connection,
        layout: _Layout,
        terms: Sequence[QueryTerm],
        kinds: str,
        mask: BoolArray,
        placed: BoolArray,
        room: int,
    ) -> list[tuple[int, float]]:
        # bm25 costs microseconds per match and its IDF tells little for a word in many documents: keep the
        # strongest signal (the words are in the title) and walk newest first, stopping once the page is full.
        taken: list[int] = []
        chosen: set[int] = set()
        newest_first = f"SELECT rowid FROM {layout.fts} WHERE {layout.fts} MATCH ? ORDER BY rowid DESC"
        for expr in (layout.match_expr(terms, kinds, layout.title_fields), layout.match_expr(terms, kinds)):
            cursor = con.execute(newest_first, (expr,))
            for (rowid,) in cursor:
                if mask[rowid] and not placed[rowid] and rowid not in chosen:
                    chosen.add(rowid)
                    taken.append(rowid)
                    if len(taken) >= room:
                        break
            cursor.close()
            if len(taken) >= room:
                break
        return [(rowid, 0.0) for rowid in taken]

    @staticmethod
    def _highlights(schema: IndexSchema, document: dict[str, Any], terms: list[str]) -> dict[str, str]:
        if not terms:
            return {}
        out: dict[str, str] = {}
        for f in schema.text_fields:
            marked = highlight(document.get(f.name) or "", terms, snippet=f.snippet, pinyin=f.pinyin)
            if marked is not None:
                out[f.name] = marked
        return out


def _filter_mask(columns: Columns, query: ResolvedQuery, size: int) -> BoolArray:
    """Rows (of the first `size`) passing the query's keyword, list and date filters."""
    mask = np.ones(size, dtype=np.bool_)
    for name, values in query.keyword_filters.items():
        keywords = columns.keywords[name]
        mask &= keywords.table(values)[keywords.codes[:size]]
    for name, values in query.list_filters.items():
        tags = columns.tags[name]
        docs = tags.docs[tags.keywords.table(values)[tags.keywords.codes]]
        tagged = np.zeros(size, dtype=np.bool_)
        tagged[docs[docs < size]] = True
        mask &= tagged
    if query.date_field is not None:
        days = columns.days[query.date_field][:size]
        if query.day_from is not None:
            mask &= days >= query.day_from
        if query.day_to is not None:
            mask &= (days <= query.day_to) & (days != NO_DAY)
    for wanted in query.date_ranges:
        days = columns.days[wanted.field][:size]
        inside = days != NO_DAY
        if wanted.day_from is not None:
            inside &= days >= wanted.day_from
        if wanted.day_to is not None:
            inside &= days <= wanted.day_to
        mask &= inside | (days == NO_DAY) if wanted.or_missing else inside
    return mask


def _facets(columns: Columns, mask: BoolArray, names: Sequence[str]) -> dict[str, dict[str, int]]:
    """Documents per value of each facet among the rows in `mask`, most frequent first."""
    out: dict[str, dict[str, int]] = {}
    rows = np.flatnonzero(mask)  # index the hit rows once rather than masking every column again
    for name in names:
        if name in columns.keywords:
            keywords = columns.keywords[name]
            counts = np.bincount(keywords.codes[rows], minlength=len(keywords.values))
        else:
            tags = columns.tags[name]
            keywords = tags.keywords
            inside = tags.docs < len(mask)
            selected = np.zeros(len(tags.docs), dtype=np.bool_)
            selected[inside] = mask[tags.docs[inside]]
            counts = np.bincount(keywords.codes[selected], minlength=len(keywords.values))
        pairs = [(keywords.values[code], int(counts[code])) for code in np.flatnonzero(counts) if code != 0]
        out[name] = dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))
    return out


#: Above this many candidates a sorted page is read off the index's whole order (kept per version) instead of
#: sorting the candidates: browsing 100,000 needs newest first then costs a walk over the first rows only.
SORT_IN_PLACE_MAX = 5_000
_WALK_CHUNK = 4_096


def _sorted_page(
    columns: Columns, query: ResolvedQuery, mask: BoolArray, *, newest_first_ties: bool
) -> list[tuple[int, float]]:
    """One page of the rows in `mask` in the query's field order (no field: newest-indexed first)."""
    sort, start, stop = query.sort, query.offset, query.offset + query.per_page
    if sort.field is None:
        return [(int(r), 0.0) for r in np.flatnonzero(mask)[::-1][start:stop]]
    if np.count_nonzero(mask) <= SORT_IN_PLACE_MAX:
        page = _in_order(columns, sort, np.flatnonzero(mask), newest_first_ties)[start:stop]
        return [(int(r), 0.0) for r in page]
    key = (sort.field, sort.descending, newest_first_ties, len(mask))
    order = columns.orders.get(key)
    if order is None:
        order = columns.orders[key] = _in_order(columns, sort, np.arange(len(mask)), newest_first_ties)
    taken: list[int] = []
    for at in range(0, len(order), _WALK_CHUNK):
        chunk = order[at : at + _WALK_CHUNK]
        taken.extend(int(r) for r in chunk[mask[chunk]])
        if len(taken) >= stop:
            break
    return [(r, 0.0) for r in taken[start:stop]]


def _in_order(columns: Columns, sort: SortSpec, rows: IntArray, newest_first_ties: bool) -> IntArray:
    """`rows` (ascending rowids) in the order of `sort`; ties (equal values, or no value, which sorts last
    either way) newest-indexed first or in rowid order. A total order, so the order of a subset of rows is
    the order of all rows restricted to that subset (what lets `_sorted_page` cache one order)."""
    assert sort.field is not None, "relevance is not a field order"
    ordered = rows[::-1] if newest_first_ties else rows
    if sort.is_date:
        moments = columns.times[sort.field][ordered]
        missing = np.isnan(moments)
        keys = np.where(missing, 0.0, -moments if sort.descending else moments)
        # lexsort is stable, so equal keys keep the tie order given by `ordered`.
        return ordered[np.lexsort((keys, missing), axis=0)] if len(ordered) else ordered
    text = columns.sort_text[sort.field]
    valued = [int(r) for r in ordered if text[r] is not None]
    valued.sort(key=lambda r: text[r] or "", reverse=sort.descending)
    nulls = [int(r) for r in ordered if text[r] is None]
    return np.array(valued + nulls, dtype=np.int64)


def _single_cjk(text: str) -> bool:
    """One Chinese character (matched by its grams whatever the match class)."""
    return len(text) == 1 and CJK_RUN.fullmatch(text) is not None
