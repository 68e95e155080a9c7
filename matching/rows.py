"""An append-only store of sparse rows that scores query rows against all of its rows.

Rows live in a main CSR matrix (with its transpose, the postings, prepared for fast products) and a small delta of
rows appended since the last compaction, so that additions are visible at once without rebuilding the main
matrix. Columns are the engine's compact column space, which grows as rows with new terms arrive: blocks of
different widths are widened (a shape change, no copy), and query columns past a matrix's width are dropped
(no stored row in that matrix can hold them).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from matching.features import THREADS, column_counts, index_counts
from matching.kernels import posting_sums, range_best, row_dots, scatter_columns


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


def dense_products(rows: sp.csr_matrix, vector: np.ndarray, squared: bool = False, stored: bool = True) -> np.ndarray:
    """Each row times the dense `vector` (float32), over the vector's columns: a row's columns past its end count
    as 0; with `squared`, each entry is squared first. Rows to be stored take SciPy's sparse product, whatever
    their number, so that a row added later gets to the bit what a fit gives it; a live query's one row
    (`stored=False`) is read directly, without SciPy's overhead (BLAS may round it differently in the last bit)."""
    if not stored and rows.shape[0] == 1:
        inside = rows.indices < vector.size
        data = rows.data[inside]
        if squared:
            data = data * data
        return np.array([data @ vector[rows.indices[inside]]], dtype=np.float32)
    matrix = with_width(rows, vector.size)
    if squared:
        matrix = matrix.power(2)
    return np.asarray(matrix @ vector, dtype=np.float32)


def transposed_columns(
    matrix: sp.csr_matrix, columns: np.ndarray, lengths: np.ndarray, threads: int = THREADS
) -> sp.csr_matrix:
    """`matrix[:, columns].T` as CSR (row indices sorted), given how many entries each of those columns (distinct,
    in any order) holds.

    A counting sort in one pass (`kernels.scatter_columns`): the result's arrays are reserved once, and each
    entry of a chosen column is written straight to its place, `threads` runs of rows side by side, each run's
    columns starting after the entries the runs before it hold (their column counts, one `index_counts` pass).
    Nothing else as large as a block of the matrix is made: SciPy's column selection then transpose holds two
    copies of the result at once, and the earlier block-wise SciPy transposition (a CSR-to-CSC of 2,500 rows at
    a time, then a scatter of each block) lifted a 100,000-expert build's peak to 1,902 MB, 421 MB above the
    resident size before it, in 0.69 s (scratch)."""
    n_rows, n_cols = matrix.shape
    indptr = np.zeros(columns.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=matrix.data.dtype)  # float32, or a half store's float16 bit patterns
    target = np.full(n_cols, -1, dtype=np.int32)
    target[columns] = np.arange(columns.size, dtype=np.int32)
    if int(np.count_nonzero(target >= 0)) != columns.size:
        raise ValueError("columns must be distinct")
    # runs of rows holding about equal numbers of entries; run i's columns start where run i - 1's end
    cuts = np.linspace(0, matrix.nnz, threads + 1)[1:-1]
    row_bounds = [0, *np.searchsorted(matrix.indptr, cuts, side="right").tolist(), n_rows]
    row_bounds = [min(b, n_rows) for b in row_bounds]
    starts = [indptr[:-1]]
    for a, b in zip(row_bounds[:-2], row_bounds[1:-1], strict=True):
        held = index_counts(matrix.indices[matrix.indptr[a] : matrix.indptr[b]], n_cols)[columns]
        starts.append(starts[-1] + held)
    ends = [*starts[1:], indptr[1:]]
    if any(bool((end < start).any()) for start, end in zip(starts, ends, strict=True)):
        raise ValueError("lengths do not match the columns' entries")

    def scatter_run(run: int) -> np.ndarray:
        bounds = np.empty(2 * columns.size, dtype=np.int64)
        bounds[0::2] = starts[run]
        bounds[1::2] = ends[run]
        scatter_columns(matrix, target, row_bounds[run], row_bounds[run + 1], bounds, indices, data)
        return bounds[0::2]

    try:
        with ThreadPoolExecutor(threads) as pool:
            reached = list(pool.map(scatter_run, range(threads)))
    except ValueError as error:
        raise ValueError("lengths do not match the columns' entries") from error
    if any(not np.array_equal(done, end) for done, end in zip(reached, ends, strict=True)):
        raise ValueError("lengths do not match the columns' entries")
    out = sp.csr_matrix((data, indices, indptr), shape=(columns.size, n_rows))
    out.has_sorted_indices = True
    return out


def _vstack(blocks: list[sp.csr_matrix]) -> sp.csr_matrix:
    width = max(b.shape[1] for b in blocks)
    return sp.vstack([with_width(b, width) for b in blocks], format="csr")


def _empty() -> sp.csr_matrix:
    return sp.csr_matrix((0, 0), dtype=np.float32)


def row_ranges(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Rows first[i] .. first[i] + counts[i] - 1 for each i, concatenated (int64)."""
    first = np.asarray(first, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    return np.repeat(first, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))


class RowStore:
    """Sparse rows addressed by position: exact dot products with chosen rows (runs of them, or the best row of
    each run), and a cheap first stage over all rows; the products run in `matching.kernels`' compiled loops.

    The first stage multiplies queries by the postings (the transpose of the main matrix) without the columns
    held by more than `prune_fraction` of the main rows (once there are `prune_min_rows` of them): those few
    columns carry many of the entries (60% at 5%, 34% at 20% on 300-character profiles) and little of the
    ranking, so leaving them out makes the first stage and the postings smaller. Rows appended since the
    last compaction are always scored exactly.
    """

    def __init__(
        self,
        delta_limit: int = 2000,
        prune_fraction: float = 1.0,
        prune_min_rows: int = 0,
        half: bool = False,
    ) -> None:
        self.delta_limit = delta_limit
        #: values kept as float16 (6 bytes an entry instead of 8, relative error below 0.05%): SciPy has no float16
        #: sparse matrices, so the rows (and the postings) hold the bit patterns as uint16, and products turn what
        #: they read back into float32 (`rows` gives the bit patterns, `float32_rows` the values).
        self.half = half
        self.prune_fraction = prune_fraction
        self.prune_min_rows = prune_min_rows
        self._main = _empty()
        self._column_counts: np.ndarray | None = None
        self._postings: sp.csr_matrix | None = None
        self._posting_row = np.zeros(0, dtype=np.int32)
        self._common: np.ndarray | None = None
        self._delta: list[sp.csr_matrix] = []
        self._delta_rows = 0
        self._delta_matrix: sp.csr_matrix | None = None
        self._delta_postings: sp.csr_matrix | None = None
        self._stacked: sp.csr_matrix | None = None

    @property
    def n_rows(self) -> int:
        """Rows stored (main plus delta)."""
        return int(self._main.shape[0]) + self._delta_rows

    @property
    def n_main(self) -> int:
        """Rows in the compacted main matrix."""
        return int(self._main.shape[0])

    def _main_changed(self) -> None:
        self._column_counts = None
        self._postings = None
        self._common = None
        self._stacked = None

    def append(self, block: sp.csr_matrix, column_counts: np.ndarray | None = None) -> np.ndarray:
        """Append rows; returns their positions. `column_counts` (rows holding each column, when the caller has
        them) saves a pass when these rows become the main matrix. A half store takes float values, which it
        rounds to float16, or float16 bit patterns (uint16), which it keeps as they are."""
        start = self.n_rows
        if block.shape[0] == 0:
            return np.arange(start, start, dtype=np.int64)
        block = block.tocsr()
        if self.half:
            if block.data.dtype != np.uint16:  # uint16 data are float16 bit patterns already
                bits = block.data.astype(np.float16).view(np.uint16)
                block = sp.csr_matrix((bits, block.indices, block.indptr), shape=block.shape)
        elif block.dtype != np.float32:
            block = block.astype(np.float32)
        if self.n_main == 0 and not self._delta:
            self._main = block
            self._main_changed()
            self._column_counts = column_counts
        else:
            self._delta.append(block)
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
            self._main_changed()

    def _main_column_counts(self) -> np.ndarray:
        """Main rows holding each column: as the caller gave them to `append`, or counted once and kept."""
        if self._column_counts is None or self._column_counts.size != self._main.shape[1]:
            self._column_counts = column_counts(self._main, self._main.shape[1])
        return self._column_counts

    def common_columns(self) -> np.ndarray | None:
        """Bool mask of the columns the first stage leaves out (None when it leaves out none)."""
        if self._common is None:
            if self.n_main < max(self.prune_min_rows, 1) or self.prune_fraction >= 1.0:
                return None
            self._common = self._main_column_counts() > self.prune_fraction * self.n_main
        return self._common

    def postings(self) -> sp.csr_matrix:
        """Which main rows hold each column the first stage uses: the transpose of the main matrix without its
        common columns, as CSR, one row per kept column (`_posting_row` maps a column to its row, -1 if left out),
        made by `transposed_columns`."""
        if self._postings is None:
            main = self._main
            common = self.common_columns()
            kept = np.arange(main.shape[1]) if common is None else np.flatnonzero(~common)
            self._posting_row = np.full(main.shape[1], -1, dtype=np.int32)
            self._posting_row[kept] = np.arange(kept.size, dtype=np.int32)
            self._postings = transposed_columns(main, kept, self._main_column_counts()[kept])
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
        """The rows at `positions`, in that order, as stored (a half store's values are float16 bit patterns)."""
        return self._all()[np.asarray(positions, dtype=np.int64)]

    def float32_rows(self, positions: np.ndarray) -> sp.csr_matrix:
        """The rows at `positions` with float32 values (a half store's decoded)."""
        return self._float32(self.rows(positions))

    def _weighted_blocks(
        self, positions: np.ndarray, weights: np.ndarray, step: int
    ) -> Iterator[tuple[np.ndarray, sp.csr_matrix]]:
        """(weights, float32 rows) of the rows at `positions`, `step` rows at a time, so the copies stay small."""
        for a in range(0, positions.size, step):
            yield weights[a : a + step].astype(np.float32), self.float32_rows(positions[a : a + step])

    def column_sums(self, positions: np.ndarray, weights: np.ndarray, step: int = 5_000) -> np.ndarray:
        """Each column's sum over the rows at `positions`, each row times its weight (float64)."""
        total = np.zeros(self._all().shape[1], dtype=np.float64)
        for weight, block in self._weighted_blocks(positions, weights, step):
            total += weight @ block
        return total

    def column_moments(
        self, positions: np.ndarray, weights: np.ndarray, step: int = 5_000
    ) -> tuple[np.ndarray, np.ndarray]:
        """`column_sums` of the entries and of their squares, from one gather of the rows (float64 each)."""
        sums = np.zeros(self._all().shape[1], dtype=np.float64)
        squares = np.zeros_like(sums)
        for weight, block in self._weighted_blocks(positions, weights, step):
            sums += weight @ block
            squares += weight @ block.power(2)
        return sums, squares

    def as_stored(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """`rows` (float values) with the values this store would keep of them, as float32: rounded to float16 in a
        half store, so that what is derived from rows about to be appended agrees with what is read back later."""
        if not self.half:
            return rows
        values = rows.data.astype(np.float16).astype(np.float32)
        return sp.csr_matrix((values, rows.indices, rows.indptr), shape=rows.shape)

    def _float32(self, rows: sp.csr_matrix) -> sp.csr_matrix:
        """`rows` as read from this store, with float32 values (a half store's are decoded)."""
        if not self.half:
            return rows
        values = rows.data.view(np.float16).astype(np.float32)
        return sp.csr_matrix((values, rows.indices, rows.indptr), shape=rows.shape)

    def range_dots(self, first: np.ndarray, counts: np.ndarray, query: sp.csr_matrix) -> np.ndarray:
        """Dot products of `query` with rows first[i] .. first[i] + counts[i] - 1 for each i, concatenated."""
        first = np.asarray(first, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.int64)
        q = query.tocsr()
        rows = first if bool((counts == 1).all()) else row_ranges(first, counts)
        # the rows read where they lie, not gathered (`matching.kernels`)
        return row_dots(self._all(), rows, q.indices, q.data)

    def range_best(self, first: np.ndarray, counts: np.ndarray, query: sp.csr_matrix) -> np.ndarray:
        """For each i, the largest dot product of `query` with one of rows first[i] .. first[i] + counts[i] - 1
        (0 where counts[i] is 0): float32, one per i."""
        q = query.tocsr()
        return range_best(self._all(), first, counts, q.indices, q.data)

    def first_stage(self, queries: sp.csr_matrix) -> np.ndarray:
        """Dense (n_queries x n_rows) first-stage scores: exact but for the common columns of the main rows."""
        queries = queries.tocsr()
        if queries.dtype != np.float32:
            queries = queries.astype(np.float32)
        out = np.zeros((queries.shape[0], self.n_rows), dtype=np.float32)
        if self.n_main:
            postings = self.postings()
            # per query: add up its columns' postings where they lie (`matching.kernels`; no gathered copy of the
            # postings, no sparse result to build)
            for i in range(queries.shape[0]):
                lo, hi = queries.indptr[i], queries.indptr[i + 1]
                posting_sums(
                    postings, self._posting_row, queries.indices[lo:hi], queries.data[lo:hi], out[i, : self.n_main]
                )
        if self._delta_rows:
            if self._delta_postings is None:
                self._delta_postings = self._float32(self._delta_csr()).T.tocsr()
            delta_queries = with_width(queries, self._delta_postings.shape[0])
            out[:, self.n_main :] = (delta_queries @ self._delta_postings).toarray()
        return out
