"""Topic vectors: what a need and an expert are about, beyond the words they share.

BM25 credits an expert only for the need's own words. A discipline whose few papers say 针灸 and 推拿 shares no
word with a need about 偏头痛 and 中药, yet both are Chinese medicine; the pool alone cannot say so. Word vectors
trained on Chinese Wikipedia can: word2vec, 125,796 words x 100 dimensions, from the MIT-licensed `synonyms`
package 3.10.2 (PyPI), read from its data file (the package is never imported: importing it loads its own
models). Only Chinese words take part.

A text's topic vector is the sum of its words' unit vectors, each weighed as in its BM25 row (an expert's
word: idf times its saturated count; a need's: idf times 1 + ln count), minus the pool's mean unit vector
(frozen at fit, as idf is: words every text of the pool uses pull all vectors one way), at unit length. The
engine adds `topic_weight * n / (n + topic_half_words) * max(0, cosine)` to the raw text score of a pair, n
being how many of the need's words have a vector: a mean of a few word vectors says little, so a short need
is matched on its words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy import special

from matching.features import WORD_BASE
from matching.kernels import HALF_TO_FLOAT
from matching.text import package_file

log = logging.getLogger(__name__)

#: the package that ships the word vectors, and the file inside it
VECTORS_PACKAGE = "synonyms"
VECTORS_FILE = ("data", "words.vector")
#: the pool mean is shrunk as if this many texts without a common direction had been seen too (`TopicVectors.fit`)
PRIOR_TEXTS = 50


@dataclass(frozen=True)
class WordVectors:
    """Unit word vectors: `matrix[index[word]]`."""

    index: dict[str, int]
    matrix: np.ndarray  # (words, dimensions) float32, rows of unit length

    @property
    def dimensions(self) -> int:
        return int(self.matrix.shape[1])


def word_vectors_path() -> Path | None:
    """Where the installed vectors package keeps its vectors (None when it is not installed)."""
    return package_file(VECTORS_PACKAGE, *VECTORS_FILE)


def _unit_in_place(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, in place (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vectors /= norms
    return vectors


def read_word2vec(path: Path) -> WordVectors:
    """A word2vec binary file ("<words> <dimensions>" line, then per word: the word, a space, the float32
    values, an optional line break); the first entry of a word that occurs twice wins."""
    data = path.read_bytes()
    header_end = data.index(b"\n")
    n_words, dims = (int(x) for x in data[:header_end].split())
    matrix = np.empty((n_words, dims), dtype=np.float32)
    index: dict[str, int] = {}
    width = 4 * dims
    pos = header_end + 1
    for row in range(n_words):
        space = data.index(b" ", pos)
        word = data[pos:space].decode("utf-8", "replace").strip()
        matrix[row] = np.frombuffer(data, dtype="<f4", count=dims, offset=space + 1)
        pos = space + 1 + width
        if data[pos : pos + 1] == b"\n":
            pos += 1
        index.setdefault(word, row)
    return WordVectors(index, _unit_in_place(matrix))


@lru_cache(maxsize=1)
def shipped_word_vectors() -> WordVectors | None:
    """The vectors of the installed package, read once per process (None, with a warning, when missing)."""
    path = word_vectors_path()
    if path is None:
        log.warning("word vectors not found (package %r): topic similarity is off", VECTORS_PACKAGE)
        return None
    return read_word2vec(path)


def _chinese(word: str) -> bool:
    """Whether a word is Chinese (the engine's words are all-CJK or all-Latin): only Chinese words take part.
    The vectors were trained on Chinese Wikipedia, whose few English tokens relate poorly: with them, an English
    person-level set (deb-maint) lost 0.010 MRR."""
    return "\u3400" <= word[0] <= "\u9fff"


class _VectorRows:
    """Growable float32 rows (capacity doubles, so adding one expert at a time stays cheap) with a count each."""

    def __init__(self, dimensions: int) -> None:
        self._rows = np.zeros((0, dimensions), dtype=np.float32)
        self._words = np.zeros(0, dtype=np.int64)
        self._n = 0

    def append(self, rows: np.ndarray, words: np.ndarray) -> None:
        if self._n == 0 and rows.dtype == np.float32 and rows.flags.c_contiguous:
            self._rows, self._words, self._n = rows, words.astype(np.int64), rows.shape[0]  # taken, not copied
            return
        end = self._n + rows.shape[0]
        if end > self._rows.shape[0]:
            size = max(end, 2 * self._rows.shape[0])
            grown = np.zeros((size, self._rows.shape[1]), dtype=np.float32)
            grown[: self._n] = self._rows[: self._n]
            self._rows = grown
            self._words = np.concatenate([self._words[: self._n], np.zeros(size - self._n, dtype=np.int64)])
        self._rows[self._n : end] = rows
        self._words[self._n : end] = words
        self._n = end

    @property
    def n(self) -> int:
        return self._n

    def rows(self, slots: np.ndarray) -> np.ndarray:
        return self._rows[: self._n][slots]

    def span(self, a: int, b: int) -> np.ndarray:
        """Rows a .. b - 1 (a view)."""
        return self._rows[a : min(b, self._n)]

    def words(self, slots: np.ndarray) -> np.ndarray:
        return self._words[: self._n][slots]

    def centre(self, mean: np.ndarray, chunk: int) -> None:
        """Take `mean` off every stored unit row but the empty ones and bring them back to unit length, in place,
        `chunk` rows at a time (no full-size temporary)."""
        for a in range(0, self._n, chunk):
            _centre_in_place(self._rows[a : min(a + chunk, self._n)], mean)


def _centre_in_place(units: np.ndarray, mean: np.ndarray) -> np.ndarray:
    empty = ~units.any(axis=1)
    units -= mean
    units[empty] = 0.0
    return _unit_in_place(units)


class TopicVectors:
    """Centred unit topic vectors of the engine's stored rows: one per expert slot and one per need slot.

    Rows are the engine's weighted sparse rows in its compact column space; `word_at` names the word of a
    global word id (None for a hashed one)."""

    #: rows projected at a time (a chunk of expert rows: ~10M entries, a 10 MB mask)
    CHUNK = 20_000

    def __init__(self, vectors: WordVectors, word_at: Callable[[int], str | None]) -> None:
        self.vectors = vectors
        self.word_at = word_at
        self._column_rows = np.zeros(0, dtype=np.int32)  # compact column -> vector row, -1 for none
        self._has_vector = np.zeros(0, dtype=bool)  # compact column -> whether it has a vector
        self.mean = np.zeros(vectors.dimensions, dtype=np.float32)
        self.experts = _VectorRows(vectors.dimensions)
        self.needs = _VectorRows(vectors.dimensions)
        # mean and covariance of the fitted experts' centred vectors (`expected_similarity`)
        self._expert_mean = np.zeros(vectors.dimensions, dtype=np.float64)
        self._expert_cov = np.zeros((vectors.dimensions, vectors.dimensions), dtype=np.float64)

    def _columns(self, global_ids: np.ndarray) -> np.ndarray:
        """The vector row of each compact column (extended for columns added since the last call)."""
        have = self._column_rows.size
        if global_ids.size > have:
            index, word_at = self.vectors.index, self.word_at
            added = global_ids[have:]
            extra = np.full(added.size, -1, dtype=np.int32)
            word_columns = np.flatnonzero(added >= WORD_BASE)  # character columns have no vector
            extra[word_columns] = np.fromiter(
                (
                    index.get(w, -1) if (w := word_at(g)) is not None and _chinese(w) else -1
                    for g in added[word_columns].tolist()
                ),
                dtype=np.int32,
                count=word_columns.size,
            )
            self._column_rows = np.concatenate([self._column_rows, extra])
            self._has_vector = self._column_rows >= 0
        return self._column_rows

    def sums(
        self,
        rows: sp.csr_matrix,
        global_ids: np.ndarray,
        idf: Callable[[np.ndarray], np.ndarray] | None = None,
        stored: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(raw topic sums, number of words with a vector) of weighted rows (float32, or float16 bit patterns as a
        half `RowStore` keeps them; `global_ids`: each compact column's global id), each entry also times the
        `idf` of its column when given (query rows). Rows are read `CHUNK` at a time through their index ranges:
        an expert row holds ~10 character entries for each word entry, so only the entries of words with a vector
        are gathered. Rows to be `stored` all take the one sparse product, so that a row added later gets the
        vector a fit makes of it to the bit; a live query (`stored=False`, one row) is a BLAS product of its few
        words' vectors, which rounds differently on some processors."""
        table = self._columns(global_ids)
        has_vector = self._has_vector
        n = rows.shape[0]
        out = np.zeros((n, self.vectors.dimensions), dtype=np.float32)
        words = np.zeros(n, dtype=np.int64)
        for a in range(0, n, self.CHUNK):
            b = min(a + self.CHUNK, n)
            lo, hi = int(rows.indptr[a]), int(rows.indptr[b])
            cols = rows.indices[lo:hi]
            hit = np.flatnonzero(has_vector[cols])
            if hit.size == 0:
                continue
            vector_row = table[cols[hit]]
            entries = rows.data[lo:hi][hit]
            # a half store's rows hold float16 bit patterns (`RowStore.half`)
            weight = HALF_TO_FLOAT[entries] if entries.dtype == np.uint16 else entries.astype(np.float32)
            if idf is not None:
                weight *= idf(cols[hit])
            if not stored and b - a == 1:  # one live query: a gather of its few words' vectors
                out[a] = weight @ self.vectors.matrix[vector_row]
                words[a] = hit.size
                continue
            row_of = np.searchsorted(rows.indptr[a : b + 1], lo + hit, side="right") - 1
            projection = sp.csr_matrix((weight, (row_of, vector_row)), shape=(b - a, self.vectors.matrix.shape[0]))
            out[a:b] = projection @ self.vectors.matrix
            words[a:b] = np.bincount(row_of, minlength=b - a)
        return out, words

    def fit(
        self,
        experts: sp.csr_matrix,
        needs: sp.csr_matrix,
        global_ids: np.ndarray,
        idf: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        """Store the topic vectors of the fitted experts' rows and needs' query rows, centred on the pool's mean.

        The mean is that of the rows' unit vectors (those with a word that has a vector), shrunk towards zero as
        if `PRIOR_TEXTS` more texts had no common direction: the mean of a small pool (a new deployment, a
        handful of experts on one subject) would otherwise take off the very topic they share. csl-dev (552
        texts): MRR 0.6043 with the plain mean, 0.6032 shrunk by 50 texts, 0.581 with no centring. It is frozen
        from then on, as idf is."""
        total = np.zeros(self.vectors.dimensions, dtype=np.float64)
        live = 0
        for store, rows, weigh in ((self.experts, experts, None), (self.needs, needs, idf)):
            sums, words = self.sums(rows, global_ids, weigh)
            units = _unit_in_place(sums)
            total += units.sum(axis=0, dtype=np.float64)
            live += int(np.count_nonzero(words))
            store.append(units, words)
        self.mean = (total / (live + PRIOR_TEXTS)).astype(np.float32)
        self.experts.centre(self.mean, self.CHUNK)
        self.needs.centre(self.mean, self.CHUNK)
        self._fit_spread()

    def _fit_spread(self) -> None:
        """Mean and covariance of the fitted experts' centred vectors (an expert without one counts as zero)."""
        n = self.experts.n
        if n == 0:
            return
        total = np.zeros(self.vectors.dimensions, dtype=np.float64)
        gram = np.zeros((self.vectors.dimensions, self.vectors.dimensions), dtype=np.float64)
        for a in range(0, n, self.CHUNK):
            part = self.experts.span(a, a + self.CHUNK)
            total += part.sum(axis=0, dtype=np.float64)
            gram += (part.T @ part).astype(np.float64)
        self._expert_mean = total / n
        self._expert_cov = gram / n - np.outer(self._expert_mean, self._expert_mean)

    def expected_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """For each centred unit vector, the mean over the fitted experts of max(0, cosine) with theirs, taking
        the cosine as normal with the experts' mean and covariance: E max(0, X) = mu Phi(mu / s) + s phi(mu / s).
        On csl-dev it follows the exact mean with correlation 0.99 (scratch). Zero for a zero vector."""
        v = np.asarray(vectors, dtype=np.float64)
        mu = v @ self._expert_mean
        sd = np.sqrt(np.maximum(((v @ self._expert_cov) * v).sum(axis=1), 1e-12))  # v C v per row (einsum: 18x slower)
        z = mu / sd
        out = mu * special.ndtr(z) + sd * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
        out[~v.any(axis=1)] = 0.0
        return out.astype(np.float32)

    def centred(self, sums: np.ndarray) -> np.ndarray:
        """Unit vectors of raw sums minus the fitted mean (a row with no word stays zero)."""
        return _centre_in_place(_unit_in_place(sums), self.mean)
