"""An append-only store of sparse rows that scores query rows against all of its rows.

Rows live in a main CSR matrix (with its transpose, the postings, prepared for fast products) and a small delta of
rows appended since the last compaction, so that additions are visible at once without rebuilding the main
matrix. Columns are the engine's compact column space, which grows as rows with new terms arrive: blocks of
different widths are widened (a shape change, no copy), and query columns past a matrix's width are dropped
(no stored row in that matrix can hold them).
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

_local = threading.local()


def _scratch(n_cols: int) -> np.ndarray:
    """A zeroed float32 lookup table of at least `n_cols` entries, one per thread (callers re-zero it)."""
    table: np.ndarray | None = getattr(_local, "table", None)
    if table is None or table.size < n_cols:
        table = _local.table = np.zeros(max(n_cols, 1024), dtype=np.float32)
    return table


def with_width(matrix: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    """`matrix` as CSR with exactly `n_cols` columns: wider by a shape change, narrower by dropping columns."""
    m = matrix.tocsr()
    if m.shape[1] == n_cols:
        return m
    if m.shape[1] < n_cols or m.nnz == 0 or int(m.indices.max()) < n_cols:
        return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))
    keep = m.indices < n_cols
    row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[keep], minlength=m.shape[0]), out=indptr[1:])
    return sp.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=(m.shape[0], n_cols))


def _vstack(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
    width = max(b.shape[1] for b in blocks)
    return sp.vstack([with_width(b, width) for b in blocks], format="csr")


def _empty() -> sp.csr_matrix:
    return sp.csr_matrix((0, 0), dtype=np.float32)


class RowStore:
    """Sparse rows addressed by position; `scores` gives query x row dot products."""

    def __init__(self, delta_limit: int = 2000) -> None:
        self.delta_limit = delta_limit
        self._main = _empty()
        self._postings: sp.csr_matrix | None = None
        self._delta: list[sp.csr_matrix] = []
        self._delta_rows = 0
        self._delta_matrix: sp.csr_matrix | None = None
        self._delta_postings: sp.csr_matrix | None = None
        self._stacked: sp.csr_matrix | None = None
        self._common: tuple[tuple[float, int], np.ndarray] | None = None

    @property
    def n_rows(self) -> int:
        """Rows stored (main plus delta)."""
        return int(self._main.shape[0]) + self._delta_rows

    @property
    def n_main(self) -> int:
        """Rows in the compacted main matrix."""
        return int(self._main.shape[0])

    def append(self, block: sp.csr_matrix) -> np.ndarray:
        """Append rows; returns their positions."""
        start = self.n_rows
        if block.shape[0] == 0:
            return np.arange(start, start, dtype=np.int64)
        if self.n_main == 0 and not self._delta:
            self._main = block.tocsr().astype(np.float32)
            self._postings = None
            self._stacked = None
        else:
            self._delta.append(block.tocsr().astype(np.float32))
            self._delta_rows += block.shape[0]
            self._delta_matrix = None
            self._delta_postings = None
            self._stacked = None
            if self._delta_rows > self.delta_limit:
                self.compact()
        return np.arange(start, start + block.shape[0], dtype=np.int64)

    def compact(self) -> None:
        """Fold the delta into the main matrix."""
        if self._delta:
            self._main = _vstack([self._main, *self._delta])
            self._delta = []
            self._delta_rows = 0
            self._delta_matrix = None
            self._delta_postings = None
            self._stacked = None
            self._postings = None

    def postings(self) -> sp.csr_matrix:
        """The transpose of the main matrix as CSR (one row per column: which rows hold it)."""
        if self._postings is None:
            self._postings = self._main.T.tocsr()
        return self._postings

    def _delta_csr(self) -> sp.csr_matrix:
        if self._delta_matrix is None:
            self._delta_matrix = _vstack(self._delta) if self._delta else _empty()
        return self._delta_matrix

    def _all(self) -> sp.csr_matrix:
        if self._delta_rows == 0:
            return self._main
        if self._stacked is None:
            self._stacked = _vstack([self._main, self._delta_csr()])
        return self._stacked

    def rows(self, positions: np.ndarray) -> sp.csr_matrix:
        """The rows at `positions`, in that order."""
        return self._all()[np.asarray(positions, dtype=np.int64)]

    def range_dots(self, first: np.ndarray, counts: np.ndarray, query: sp.csr_matrix) -> np.ndarray:
        """Dot products of `query` with rows first[i] .. first[i] + counts[i] - 1 for each i, concatenated."""
        first = np.asarray(first, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.int64)
        n_out = int(counts.sum())
        out = np.zeros(n_out, dtype=np.float32)
        q = query.tocsr()
        if n_out == 0 or q.nnz == 0:
            return out
        matrix = self._all()
        rows = np.repeat(first, counts) + (np.arange(n_out) - np.repeat(np.cumsum(counts) - counts, counts))
        # Gather the rows (scipy's C row index) and multiply by a dense query-weight table, one per thread and
        # cleared after use: two C passes instead of a dozen NumPy passes over every gathered entry.
        width = matrix.shape[1]
        table = _scratch(max(width, q.shape[1]))
        table[q.indices] = q.data
        try:
            return np.asarray(matrix[rows] @ table[:width], dtype=np.float32)
        finally:
            table[q.indices] = 0.0

    def common_columns(self, fraction: float, min_rows: int) -> np.ndarray | None:
        """Bool mask of columns held by more than `fraction` of the main rows (None when the store is small)."""
        if self.n_main < min_rows:
            return None
        key = (fraction, self.n_main)
        if self._common is None or self._common[0] != key:
            lengths = np.diff(self.postings().indptr)
            self._common = (key, lengths > fraction * self.n_main)
        return self._common[1]

    def scores(self, queries: sp.csr_matrix, skip_columns: np.ndarray | None = None) -> np.ndarray:
        """Dense (n_queries x n_rows) dot products; columns in `skip_columns` are left out of the main part."""
        queries = queries.tocsr().astype(np.float32)
        out = np.zeros((queries.shape[0], self.n_rows), dtype=np.float32)
        if self.n_main:
            postings = self.postings()
            q = with_width(queries, postings.shape[0])
            if skip_columns is not None and q.nnz:
                q = q.copy()
                q.data[skip_columns[q.indices]] = 0.0
                q.eliminate_zeros()
            out[:, : self.n_main] = (q @ postings).toarray()
        if self._delta_rows:
            if self._delta_postings is None:
                self._delta_postings = self._delta_csr().T.tocsr()
            delta_queries = with_width(queries, self._delta_postings.shape[0])
            out[:, self.n_main :] = (delta_queries @ self._delta_postings).toarray()
        return out
