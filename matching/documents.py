"""Per-document scores: a need against each of an expert's texts (profile and documents) on its own.

The engine's main score runs an expert's texts together (one BM25 row per expert). An expert whose one paper or
package treats the need's topic, among many on other topics, scores low there: the run-together text dilutes it.
So every text also keeps a BM25 row of its own, and a need's score against the expert's best-matching text is
added to the whole-profile score (`MatchSettings.document_weight`).

Lengths are normalised against the mean text length, not the mean expert length: with the expert mean, short
texts would all look alike, and the field-level English set lost 0.04 MRR (docs/matching.md).

Memory: the weights are kept as float16 (`RowStore(half=True)`: relative error below 0.05%, and a score is a sum of
a few of them) with int32 columns, 6 bytes an entry instead of float32's 8.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.features import N_BLOCKS, Bm25Weighter, mean_block_lengths
from matching.rows import RowStore


class DocumentScores:
    """BM25 rows of every expert text, in insertion order; an expert owns a run of consecutive rows."""

    def __init__(self, delta_limit: int = 2000) -> None:
        self._rows = RowStore(delta_limit, half=True)
        #: mean tokens per text in each term block, frozen at `fit_lengths` (BM25's avgL for documents)
        self.avg_lengths_ = np.ones(N_BLOCKS)

    @property
    def n_rows(self) -> int:
        """Texts stored."""
        return self._rows.n_rows

    def fit_lengths(self, totals: np.ndarray, n_texts: int) -> None:
        """Set the mean text length per block from the token totals over `n_texts` texts."""
        self.avg_lengths_ = mean_block_lengths(totals, n_texts)

    def append(self, counts: sp.csr_matrix, weighter: Bm25Weighter) -> int:
        """Weigh and store the texts' counts (compact columns of `weighter`'s space, which must hold them all);
        returns the first new row. `counts` (float32, or uint16 as `counting.text_counts` keeps them) gives up its
        arrays: uint16 counts are overwritten with the weights' float16 bit patterns, its columns are shared."""
        first = self.n_rows
        if counts.shape[0] == 0:
            return first
        self._rows.append(weighter.transform_inplace(counts, stored=True, avg_lengths=self.avg_lengths_, half=True))
        return first

    def column_sums(self, positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each column's sum over the texts' rows at `positions`, each row times its weight (float64)."""
        return self._rows.column_sums(positions, weights)

    def text_scores(self, first: np.ndarray, counts: np.ndarray, query: sp.csr_matrix) -> np.ndarray:
        """The dot products of the query row with rows first[i] .. first[i] + counts[i] - 1 for each i, back to
        back (float32, one per text)."""
        return self._rows.range_dots(first, counts, query)

    def rows(self, first: int, count: int) -> sp.csr_matrix:
        """Rows first .. first + count - 1 (one owner's texts) with float32 values."""
        return self._rows.float32_rows(np.arange(first, first + count, dtype=np.int64))

    def best(self, first: np.ndarray, counts: np.ndarray, query: sp.csr_matrix) -> np.ndarray:
        """For each owner i (rows first[i] .. first[i] + counts[i] - 1), the largest dot product of the query row
        with one of its texts' rows (0 for an owner without texts): float32, one per owner."""
        return self._rows.range_best(first, counts, query)
