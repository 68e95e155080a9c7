"""A directory cache of analysed expert text: what `count_batch` makes of an owner's texts, by their content.

Segmenting and counting the same profiles again is most of an index build (every web worker fits its own engine,
every restart and every `zhiqiao match rank` over the same experts file fits again). The cache keeps each owner's
count row under a key made from the texts themselves and from what the analysis depends on (the user
dictionary, the stop words, this module's format version), so an edited expert is simply a new key and a stale
row is never read. An owner is what the caller counts as one row: the engine counts each expert text (profile or
document) on its own, so that it can also score them one by one; with `document_weight` 0, an expert's texts
together.

Layout: rows are written a batch at a time as one segment file (`seg-*.npz`: a CSR matrix whose word columns
index the segment's own word list), and `index.sqlite` maps each key to its segment and row. Writing a batch is
one file and one insert per key; reading gathers rows from a few segments with NumPy. Past `max_entries` keys
the oldest are forgotten and segments no key points to are deleted (once `ORPHAN_SECONDS` old, since a
young one may be another process's, not yet indexed). Deleting the directory at any time loses
nothing but time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from matching import text as textmod
from matching.features import N_COLS, WORD_BASE, Vocabulary, count_batch, number_words, owner_texts

FORMAT = b"zhiqiao-analysis-2"
_BATCH = 900  # keys per SELECT (below SQLite's bound on query parameters)
_WORD_SEP = "\x1f"
ORPHAN_SECONDS = 600.0  # segments no key points to are deleted once this old


@lru_cache(maxsize=1)
def _salt() -> bytes:
    """What the analysis depends on besides the text: a change to the dictionary or stop words is a new cache."""
    h = hashlib.blake2b(FORMAT, digest_size=16)
    h.update(textmod.USER_DICT.read_bytes() if textmod.USER_DICT.exists() else b"")
    h.update("\n".join(sorted(textmod.stop_words())).encode("utf-8"))
    return h.digest()


def owner_key(texts: Sequence[str]) -> bytes:
    """The cache key of one owner's texts."""
    h = hashlib.blake2b(_salt(), digest_size=16)
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.digest()


def _offset_words(counts: sp.csr_matrix, offset: int) -> sp.csr_matrix:
    """`counts` with its word columns moved `offset` places along a longer word list, in place."""
    counts.indices[counts.indices >= WORD_BASE] += offset
    return counts


class AnalysisCache:
    """Owner count rows by `owner_key`, in a directory (made on first use)."""

    def __init__(self, directory: Path | str, max_entries: int = 1_000_000) -> None:
        self.directory = Path(directory)
        self.max_entries = max_entries

    @contextmanager
    def _index(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The key index, closed afterwards; `write` holds the write lock from the start (so that two processes
        never both read, then both wait to write) and commits at the end."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.directory / "index.sqlite", timeout=60, isolation_level=None)) as db:
            db.execute("CREATE TABLE IF NOT EXISTS rows (key BLOB PRIMARY KEY, segment TEXT, row INTEGER)")
            if not write:
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _segment(self, name: str) -> tuple[sp.csr_matrix, list[str]]:
        with np.load(self.directory / f"{name}.npz") as z:
            counts = sp.csr_matrix((z["data"].astype(np.float32), z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            words = bytes(z["words"]).decode("utf-8")
        return counts, words.split(_WORD_SEP) if words else []

    def get(self, keys: Sequence[bytes]) -> tuple[np.ndarray, sp.csr_matrix, list[str]]:
        """(positions in `keys` that the cache holds, their rows in that order, words): the rows' word columns are
        `WORD_BASE + i` into `words` (a word may be listed more than once, never twice for one row)."""
        where: dict[bytes, tuple[str, int]] = {}
        with self._index() as db:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), _BATCH):
                part = unique[start : start + _BATCH]
                marks = ",".join("?" * len(part))
                for key, segment, row in db.execute(f"SELECT key, segment, row FROM rows WHERE key IN ({marks})", part):
                    where[key] = (segment, row)
        positions = np.array([i for i, k in enumerate(keys) if k in where], dtype=np.int64)
        segments = np.array([where[keys[i]][0] for i in positions.tolist()], dtype=object)
        rows = np.array([where[keys[i]][1] for i in positions.tolist()], dtype=np.int64)
        parts: list[sp.csr_matrix] = []
        order: list[np.ndarray] = []
        words: list[str] = []
        for name in sorted(set(segments.tolist())):
            mine = np.flatnonzero(segments == name)
            try:
                counts, segment_words = self._segment(name)
            except (OSError, ValueError, KeyError):  # a segment deleted or damaged meanwhile: those rows miss
                continue
            parts.append(_offset_words(counts[rows[mine]], len(words)))
            words += segment_words
            order.append(mine)
        if not parts:
            return np.zeros(0, dtype=np.int64), sp.csr_matrix((0, N_COLS), dtype=np.float32), []
        found = np.concatenate(order)
        back = np.argsort(found, kind="stable")
        return positions[found[back]], sp.vstack(parts, format="csr")[back], words

    def put(self, keys: Sequence[bytes], counts: sp.csr_matrix, words: Sequence[str]) -> None:
        """Store owner rows (`counts`, word columns `WORD_BASE + i` into `words`) as one segment, then forget the
        oldest keys past `max_entries` and delete the segments no key points to."""
        name = f"seg-{uuid.uuid4().hex}"
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"{name}.tmp.npz"
        small = counts.data.size == 0 or (counts.data.max() <= 255 and np.all(counts.data == np.floor(counts.data)))
        np.savez(
            tmp,
            data=counts.data.astype(np.uint8 if small else np.float32),
            indices=counts.indices.astype(np.int32),
            indptr=counts.indptr.astype(np.int64),
            shape=np.array(counts.shape, dtype=np.int64),
            words=np.frombuffer(_WORD_SEP.join(words).encode("utf-8"), dtype=np.uint8),
        )
        os.replace(tmp, self.directory / f"{name}.npz")
        with self._index(write=True) as db:
            db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", ((k, name, i) for i, k in enumerate(keys)))
            (count,) = db.execute("SELECT count(*) FROM rows").fetchone()
            if count > self.max_entries:
                db.execute(
                    "DELETE FROM rows WHERE rowid IN (SELECT rowid FROM rows ORDER BY rowid LIMIT ?)",
                    (count - self.max_entries,),
                )
            live = {s for (s,) in db.execute("SELECT DISTINCT segment FROM rows")}
        for path in self.directory.glob("seg-*.npz"):
            if path.stem in live:
                continue
            try:
                # a young segment may be another process's, written but not yet in the index
                if time.time() - path.stat().st_mtime > ORPHAN_SECONDS:
                    path.unlink()
            except FileNotFoundError:
                pass  # another process deleted it first

    def __len__(self) -> int:
        with self._index() as db:
            (count,) = db.execute("SELECT count(*) FROM rows").fetchone()
        return int(count)


def count_with_cache(
    texts: Sequence[str], lengths: np.ndarray, vocab: Vocabulary, cache: AnalysisCache
) -> sp.csr_matrix:
    """`count_batch(texts, lengths, vocab)`, each owner's row read from `cache` when it holds it; the other
    owners are counted and stored. The result is the same matrix either way, entry for entry, and `vocab`
    numbers the new words alike (`number_words`)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    parts = owner_texts(texts, lengths)
    keys = [owner_key(part) for part in parts]
    hit_at, rows, words = cache.get(keys)
    if hit_at.size == 0 and not vocab.words:
        # Nothing cached and a fresh vocabulary (an analysis worker's chunk, a first fit): counted straight into
        # `vocab`, whose words are then just the batch's (what the segment lists), so the rows need no
        # renumbering, copying or sorting.
        counted = count_batch(texts, lengths, vocab)
        cache.put(keys, counted, vocab.words)
        return counted
    missing = np.setdiff1d(np.arange(len(keys)), hit_at)
    if missing.size:
        local = Vocabulary()
        counted = count_batch([t for i in missing.tolist() for t in parts[i]], lengths[missing], local)
        cache.put([keys[i] for i in missing.tolist()], counted, local.words)
        rows = sp.vstack([rows, _offset_words(counted, len(words))], format="csr")
        words = words + local.words
    order = np.argsort(np.concatenate([hit_at, missing]), kind="stable")
    out = rows[order] if order.size else rows
    # the words in `vocab`'s numbering, then each row in column order, as `count_batch` leaves them
    is_word = out.indices >= WORD_BASE
    distinct: dict[str, int] = {}
    word_ids = np.fromiter((distinct.setdefault(w, len(distinct)) for w in words), dtype=np.int64, count=len(words))
    of_entry = word_ids[out.indices[is_word] - WORD_BASE]
    row_of_entry = np.repeat(np.arange(out.shape[0], dtype=np.int64), np.diff(out.indptr))[is_word]
    out.indices[is_word] = number_words(list(distinct), of_entry, row_of_entry, vocab)[of_entry]
    out.has_sorted_indices = False
    out.sort_indices()
    return out
