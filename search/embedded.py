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

import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from matching.text import cut
from search.analysis import (
    CJK_RUN,
    QueryTerm,
    Vocabulary,
    analyse_field,
    default_vocabulary,
    name_pinyin,
    parse_query,
)
from search.base import INDEXES, SearchBackend
from search.documents import IndexSchema, date_keys, schema_for
from search.errors import BackendUnavailableError, SearchError
from search.highlight import highlight
from search.query import HealthStatus, Hit, ResolvedQuery, SearchResult

log = logging.getLogger(__name__)

# Bump when the analysis or the table layout changes: an index built by another version is rebuilt empty
# (it is derived data; `zhiqiao search reindex` fills it again).
LAYOUT_VERSION = "2"
WORD_WEIGHT, SUBWORD_WEIGHT, GRAM_WEIGHT, PINYIN_WEIGHT = 1.0, 0.5, 0.25, 1.0
_CHUNK = 500
MMAP_BYTES = 1 << 30
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
        self.fts = f"{schema.name}_fts"
        self.word_cols: list[str] = []
        self.subword_cols: list[str] = []
        self.gram_cols: list[str] = []
        self.fts_cols: list[str] = []
        weights: list[float] = []
        for f in schema.text_fields:
            for suffix, kind_weight, bucket in (
                ("w", WORD_WEIGHT, self.word_cols),
                ("s", SUBWORD_WEIGHT, self.subword_cols),
                ("g", GRAM_WEIGHT, self.gram_cols),
            ):
                self.fts_cols.append(f"{f.name}_{suffix}")
                bucket.append(f"{f.name}_{suffix}")
                weights.append(f.weight * kind_weight)
            if f.pinyin:
                self.fts_cols.append(f"{f.name}_py")
                self.word_cols.append(f"{f.name}_py")
                weights.append(f.weight * PINYIN_WEIGHT)
        self.bm25 = f"bm25({self.fts}, {', '.join(f'{w:g}' for w in weights)})"

    def create_sql(self) -> list[str]:
        s = self.schema
        # The JSON body lives in its own table so scans for filters and facets read narrow rows.
        cols = ["rowid INTEGER PRIMARY KEY", "id TEXT NOT NULL UNIQUE"]
        cols += [f'"kw_{f}" TEXT' for f in s.keyword_fields]
        cols += [f'"sort_{f}" TEXT' for f in s.sortable_fields]
        for f in s.date_fields:
            cols += [f'"day_{f}" INTEGER', f'"ts_{f}" REAL']
        stmts = [
            f"CREATE TABLE IF NOT EXISTS {self.doc} ({', '.join(cols)})",
            f"CREATE TABLE IF NOT EXISTS {self.body} (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        ]
        for f in s.keyword_fields:
            stmts.append(f'CREATE INDEX IF NOT EXISTS {self.doc}_kw_{f} ON {self.doc} ("kw_{f}")')
        for f in s.date_fields:
            stmts.append(f'CREATE INDEX IF NOT EXISTS {self.doc}_ts_{f} ON {self.doc} ("ts_{f}")')
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {self.tag} (field TEXT NOT NULL, value TEXT NOT NULL, "
            "doc INTEGER NOT NULL, PRIMARY KEY (field, value, doc)) WITHOUT ROWID"
        )
        stmts.append(f"CREATE INDEX IF NOT EXISTS {self.tag}_doc ON {self.tag} (doc)")
        stmts.append(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.fts} USING fts5("
            f"{', '.join(self.fts_cols)}, tokenize = 'unicode61 remove_diacritics 0')"
        )
        return stmts

    def drop_sql(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {t}" for t in (self.doc, self.body, self.tag, self.fts)]

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

    @staticmethod
    def _phrase(cols: Sequence[str], tokens: str, prefix: bool) -> str:
        return "{" + " ".join(cols) + "} : " + _quote(tokens) + ("*" if prefix else "")

    def match_expr(self, terms: Sequence[QueryTerm], kinds: str) -> str:
        """FTS5 expression requiring every term. kinds: `w` whole words, `ws` words or sub-words, `all`."""
        groups = []
        for term in terms:
            options = []
            for alt in term.alternatives:
                words = " ".join(cut(alt))
                if not words:
                    continue
                prefix = term.prefix and alt == term.text and kinds == "all"
                cols = self.word_cols if kinds == "w" else self.word_cols + self.subword_cols
                options.append(self._phrase(cols, words, prefix))
                if kinds == "all":
                    grams = _gram_phrase(alt)
                    if grams:
                        options.append(self._phrase(self.gram_cols, grams[0], grams[1]))
            if options:
                groups.append("(" + " OR ".join(options) + ")")
        return " AND ".join(groups)


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
        self, path: str | Path = ":memory:", *, vocabulary: Vocabulary | None = None, rank_limit: int = 10_000
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
        con.execute("CREATE TEMP TABLE IF NOT EXISTS hits (r INTEGER PRIMARY KEY, score REAL, klass INTEGER)")
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
        for layout in self._layouts.values():
            for stmt in layout.create_sql():
                con.execute(stmt)
        con.execute("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('layout_version', ?)", (LAYOUT_VERSION,))

    # -- writes ------------------------------------------------------------------------------------------

    def _index(self, schema: IndexSchema, documents: list[dict[str, Any]]) -> None:
        layout = self._layouts[schema.name]
        # Analysis is the slow part: do it before taking the write lock, with provisional rowids.
        rows = [layout.row(i, doc) for i, doc in enumerate(documents)]
        doc_sql, fts_sql = layout.insert_sql()
        with self._writing() as con:
            self._delete_keys(con, layout, [str(d["id"]) for d in documents])
            base = con.execute(f"SELECT coalesce(max(rowid), 0) + 1 FROM {layout.doc}").fetchone()[0]
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

    @staticmethod
    def _delete_keys(con: sqlite3.Connection, layout: _Layout, keys: list[str]) -> None:
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

    def _delete(self, schema: IndexSchema, ids: list[str]) -> None:
        with self._writing() as con:
            self._delete_keys(con, self._layouts[schema.name], ids)

    def _reset(self, schema: IndexSchema) -> None:
        layout = self._layouts[schema.name]
        with self._writing() as con:
            for stmt in layout.drop_sql() + layout.create_sql():
                con.execute(stmt)

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

    @staticmethod
    def _filters(layout: _Layout, query: ResolvedQuery) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for name, values in query.keyword_filters.items():
            where.append(f'd."kw_{name}" IN ({", ".join("?" * len(values))})')
            params += values
        for name, values in query.list_filters.items():
            where.append(
                f"EXISTS (SELECT 1 FROM {layout.tag} t WHERE t.field = ? AND t.doc = d.rowid "
                f"AND t.value IN ({', '.join('?' * len(values))}))"
            )
            params += [name, *values]
        if query.date_field is not None:
            if query.day_from is not None:
                where.append(f'd."day_{query.date_field}" >= ?')
                params.append(query.day_from)
            if query.day_to is not None:
                where.append(f'd."day_{query.date_field}" <= ?')
                params.append(query.day_to)
        return where, params

    @staticmethod
    def _order(query: ResolvedQuery, ranked: bool) -> str:
        sort = query.sort
        keys: list[str] = []
        if sort.field is not None:
            column = f'd."ts_{sort.field}"' if sort.is_date else f'd."sort_{sort.field}"'
            keys += [f"{column} IS NULL", f"{column} {'DESC' if sort.descending else 'ASC'}"]
        if ranked:
            keys += ["h.klass", "h.score", "h.r DESC"]
        elif sort.field is None:
            keys.append("d.rowid DESC")  # browsing by relevance: most recently indexed first
        else:
            keys.append("d.rowid")
        return ", ".join(keys)

    def _search(self, schema: IndexSchema, query: ResolvedQuery) -> SearchResult:
        started = time.perf_counter()
        layout = self._layouts[schema.name]
        terms = parse_query(query.q, self.vocabulary)
        where, params = self._filters(layout, query)
        expr = layout.match_expr(terms, "all") if terms else ""
        with self._reading() as con:
            if expr:
                found = self._collect_hits(con, layout, terms, expr, rank=query.sort.field is None)
                size = con.execute(f"SELECT coalesce(max(rowid), 0) FROM {layout.doc}").fetchone()[0]
                # SQLite knows nothing of temp.hits' size: make a few hits drive the join, let many be probed.
                join = "CROSS JOIN" if found * 8 < size else "JOIN"
                source = f"temp.hits h {join} {layout.doc} d ON d.rowid = h.r"
                score = "-h.score"
            else:
                found = 0
                source = f"{layout.doc} d"
                score = "0.0"
            clause = (" WHERE " + " AND ".join(where)) if where else ""
            if expr and not where and query.sort.field is None:
                # Ranking and counting unfiltered hits needs no document columns.
                page = con.execute(
                    "SELECT r, -score FROM temp.hits ORDER BY klass, score, r DESC LIMIT ? OFFSET ?",
                    [query.per_page, query.offset],
                ).fetchall()
                total = found
            else:
                page = con.execute(
                    f"SELECT d.rowid, {score} FROM {source}{clause} ORDER BY {self._order(query, bool(expr))} "
                    "LIMIT ? OFFSET ?",
                    [*params, query.per_page, query.offset],
                ).fetchall()
                total = int(con.execute(f"SELECT count(*) FROM {source}{clause}", params).fetchone()[0])
            bodies = dict(
                con.execute(
                    f"SELECT rowid, body FROM {layout.body} WHERE rowid IN ({', '.join('?' * len(page))})",
                    [r for r, _ in page],
                ).fetchall()
            )
            rows = [(bodies[r], hit_score) for r, hit_score in page]
            facets = self._facets(con, layout, source, where, params, query.facets)
        highlight_terms = [alt for t in terms for alt in t.alternatives]
        hits = []
        for body, hit_score in rows:
            document = json.loads(body)
            marked = self._highlights(schema, document, highlight_terms)
            hits.append(Hit(document["id"], float(hit_score), document, marked))
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
        )

    def _collect_hits(
        self, con: sqlite3.Connection, layout: _Layout, terms: Sequence[QueryTerm], expr: str, *, rank: bool
    ) -> int:
        """Fill temp.hits with every match and, when ranking, its match class and bm25 score; count them."""
        con.execute("DELETE FROM temp.hits")
        match = f"FROM {layout.fts} WHERE {layout.fts} MATCH ?"
        insert = "INSERT OR IGNORE INTO temp.hits (r, score, klass)"
        try:
            if not rank:
                con.execute(f"{insert} SELECT rowid, 0, 2 {match}", (expr,))
                return int(con.execute("SELECT count(*) FROM temp.hits").fetchone()[0])
            found = int(con.execute(f"SELECT count(*) {match}", (expr,)).fetchone()[0])
            whole, word_or_sub = layout.match_expr(terms, "w"), layout.match_expr(terms, "ws")
            if found <= self.rank_limit:
                con.execute(f"{insert} SELECT rowid, {layout.bm25}, 2 {match}", (expr,))
                for klass, sub_expr in ((1, word_or_sub), (0, whole)):
                    con.execute(f"UPDATE temp.hits SET klass = ? WHERE r IN (SELECT rowid {match})", (klass, sub_expr))
            else:
                # bm25 is most of the cost of a word found in many documents and tells least there (its IDF
                # is near zero): insert by class, best first, and let newest-indexed come first in a class.
                for klass, sub_expr in ((0, whole), (1, word_or_sub), (2, expr)):
                    con.execute(f"{insert} SELECT rowid, 0, ? {match}", (klass, sub_expr))
            return found
        except sqlite3.OperationalError as exc:
            # Every token is quoted, so this means a bug in expression building, not a hostile query.
            raise SearchError(f"search expression rejected by SQLite: {exc} ({expr[:200]!r})") from exc

    @staticmethod
    def _facets(
        con: sqlite3.Connection,
        layout: _Layout,
        source: str,
        where: list[str],
        params: list[Any],
        names: Sequence[str],
    ) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {name: Counter() for name in names}
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        scalar = [n for n in names if n in layout.schema.keyword_fields]
        if scalar:
            # One pass over the matches for every single-valued facet, counted here.
            columns = ", ".join(f'd."kw_{n}"' for n in scalar)
            rows = con.execute(f"SELECT {columns} FROM {source}{clause}", params).fetchall()
            for name, values in zip(scalar, zip(*rows, strict=True), strict=False):
                counts[name] = Counter(values)
                counts[name].pop(None, None)  # type: ignore[call-overload]
        for name in names:
            if name in layout.schema.keyword_list_fields:
                sql = (
                    f"SELECT t.value, count(*) FROM {source} JOIN {layout.tag} t ON t.doc = d.rowid "
                    f"WHERE {' AND '.join(['t.field = ?', *where])} GROUP BY t.value"
                )
                counts[name].update(dict(con.execute(sql, [name, *params]).fetchall()))
        return {
            name: dict(sorted(((str(v), int(n)) for v, n in c.items()), key=lambda kv: (-kv[1], kv[0])))
            for name, c in counts.items()
        }

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
