"""Sparse TF-IDF features: dictionary words plus character 1- and 2-grams, in one column space.

Column layout (`N_COLS` columns, float32 CSR rows):
  [0, UNI)                    CJK character unigrams, one column per code point (U+3400..U+9FFF)
  [UNI, UNI + BI)             CJK character bigrams, hashed (multiplicative hash) into BI buckets
  [UNI + BI, N_COLS)          words (jieba words, English words), ids from a growable vocabulary

Character n-grams are computed with NumPy over the whole batch at once (no Python loop per character), which is
what makes indexing 100,000 profiles fast; words go through jieba-rs. Weights are sublinear tf (1 + ln tf) times
a smoothed idf frozen at `fit`, times a per-group weight, and each row is L2-normalised.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching import text as textmod

CJK_FIRST = 0x3400
CJK_LAST = 0x9FFF
UNI = 1 << 15
BI = 1 << 22
WORDS = 1 << 22
WORD_BASE = UNI + BI
N_COLS = UNI + BI + WORDS
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class FeatureWeights:
    """Multipliers per feature group, applied after tf-idf and before L2 normalisation."""

    words: float = 1.0
    unigrams: float = 1.0
    bigrams: float = 1.0


def _bigram_bucket(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    key = (first.astype(np.uint64) << np.uint64(20)) ^ second.astype(np.uint64)
    return (key * _GOLDEN) >> np.uint64(64 - 22)


class Vocabulary:
    """Growable word -> column map (ids are stable; past `WORDS` words, new words share hashed columns)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []

    def id_of(self, word: str) -> int:
        """The column of `word`, allocating one if new."""
        found = self.ids.get(word)
        if found is not None:
            return found
        if len(self.words) < WORDS:
            col = WORD_BASE + len(self.words)
            self.words.append(word)
        else:
            col = WORD_BASE + (hash(word) % WORDS)
        self.ids[word] = col
        return col

    def word_at(self, col: int) -> str | None:
        """The word stored at a word column, or None."""
        i = col - WORD_BASE
        return self.words[i] if 0 <= i < len(self.words) else None


def term_counts(normalized: Sequence[str], word_lists: Sequence[list[str]], vocab: Vocabulary) -> sp.csr_matrix:
    """Raw term counts, one row per text (texts already normalised, words already cut)."""
    n = len(normalized)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    # words
    id_of = vocab.id_of
    word_cols = [id_of(w) for ws in word_lists for w in ws]
    if word_cols:
        rows.append(np.repeat(np.arange(n, dtype=np.int64), [len(ws) for ws in word_lists]))
        cols.append(np.asarray(word_cols, dtype=np.int64))
    # character n-grams over the whole batch: one code-point array, "\n" between texts stops bigrams
    joined = "\n".join(normalized) + "\n"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in normalized), dtype=np.int64, count=n)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    is_cjk = (cps >= CJK_FIRST) & (cps <= CJK_LAST)
    uni_pos = np.flatnonzero(is_cjk)
    if uni_pos.size:
        rows.append(owner[uni_pos])
        cols.append((cps[uni_pos] - CJK_FIRST).astype(np.int64))
        bi_pos = np.flatnonzero(is_cjk[:-1] & is_cjk[1:])
        if bi_pos.size:
            rows.append(owner[bi_pos])
            cols.append(UNI + _bigram_bucket(cps[bi_pos], cps[bi_pos + 1]).astype(np.int64))
    if not rows:
        return sp.csr_matrix((n, N_COLS), dtype=np.float32)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    counts = sp.csr_matrix((np.ones(r.size, dtype=np.float32), (r, c)), shape=(n, N_COLS))
    counts.sum_duplicates()
    return counts


class TfidfWeighter:
    """Turns term counts into L2-normalised sublinear tf-idf rows with an idf frozen at `fit`."""

    def __init__(self, weights: FeatureWeights | None = None) -> None:
        self.weights = weights or FeatureWeights()
        self.idf_: np.ndarray | None = None
        self.n_docs_ = 0

    def fit(self, counts: sp.csr_matrix) -> TfidfWeighter:
        """Learn document frequencies from count rows (each row one document)."""
        df = np.bincount(counts.indices, minlength=N_COLS).astype(np.float64)
        n = counts.shape[0]
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        idf[:UNI] *= self.weights.unigrams
        idf[UNI:WORD_BASE] *= self.weights.bigrams
        idf[WORD_BASE:] *= self.weights.words
        self.idf_ = idf.astype(np.float32)
        self.n_docs_ = n
        return self

    def unseen_idf(self) -> float:
        """The idf of a term no fitted document had."""
        return math.log(1.0 + self.n_docs_) + 1.0

    def transform(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear tf times idf, rows L2-normalised (an empty row stays empty)."""
        if self.idf_ is None:
            raise RuntimeError("TfidfWeighter.fit must run before transform")
        out = counts.astype(np.float32, copy=True)
        out.data = (1.0 + np.log(out.data)) * self.idf_[out.indices]
        sq = np.asarray(out.multiply(out).sum(axis=1)).ravel()
        norms = np.sqrt(sq, dtype=np.float64)
        norms[norms == 0] = 1.0
        scale = np.repeat((1.0 / norms).astype(np.float32), np.diff(out.indptr))
        out.data *= scale
        return out


def analyze(texts: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Normalise texts and cut their match words (the slow, cacheable part of featurisation)."""
    normalized = [textmod.normalize(t) for t in texts]
    return normalized, [textmod.words(t) for t in normalized]
