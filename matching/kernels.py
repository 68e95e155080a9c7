"""Compiled loops for the query-time products over sparse rows, where SciPy would first copy what it reads.

A query holds a few dozen to a few hundred columns; the rows it is scored against hold hundreds each. SciPy's way
(gather the rows or postings into a new matrix, then one matrix-vector product with a dense table as wide as the
column space) copies every entry it reads and looks each one up in a table of megabytes. These loops read the
entries where they lie and look their columns up in the query's own tables: a 65,536-bit filter, where most
entries stop, and an open-addressing table of its columns (kilobytes, in the processor's first-level cache).

Each loop adds the same products in the same order as the SciPy product it replaces (entries in stored order, a
row's sum starting from zero, in float32), so the scores are the same to the bit; `tests/matching/test_kernels.py`
checks them against SciPy. The loops are Cython (`matching/_kernels.pyx`), compiled into a C++ extension when the
package is installed (`setup.py`); they release the GIL, so the service's threads can score side by side. A
compiled extension costs the process nothing to load, where a JIT compiler (Numba, tried first) added ~190 MB of
resident memory and moved the 100,000-expert benchmark's peak from 1,894 to 1,978 MB.

Two things keep the loops from waiting on memory: the candidates' rows (and the query's posting lists) lie far
apart in matrices of hundreds of megabytes, so each loop asks the processor for the rows two candidates ahead
(`__builtin_prefetch`) while it scores one; and a row's entries go through the filter 64 at a time without a
branch, only those that pass being looked up (about one entry in ten). Against the loops without them: the exact
stage 0.55 -> 0.40 ms and the first stage 0.25 -> 0.22 ms a query at 100,000 experts (scratch, alternated runs).

Three loops serve the index build instead: `scatter_columns`, the counting sort that writes the postings (the
profile rows by column, for the first stage) straight into their arrays, where SciPy's transposition made a
copy of each block of rows first (`matching.rows.transposed_columns`); `count_indices`, the column counts that
`np.bincount` made through a 64-bit copy of its input (`matching.features.index_counts`); and `count_terms`,
which makes the analysis workers' count rows from a block's words and code points (`matching.features`), owner
by owner, sorting each row's few hundred columns on its own with C++'s `std::sort` (hence C++).

The extension also holds `keep_freed_arenas`, which an analysis worker calls as it starts (`matching.memory`):
Python's emptied small-object arenas are kept for the next chunk's words instead of being unmapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matching import _kernels

#: float32 value of each float16 bit pattern (a half store keeps its weights as uint16 bit patterns)
HALF_TO_FLOAT = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)


def _query(q_cols: np.ndarray, q_vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(q_cols, dtype=np.int32), np.ascontiguousarray(q_vals, dtype=np.float32)


def _check_rows(first: np.ndarray, end: np.ndarray, n_rows: int) -> None:
    """The loops read without bounds checks: a row outside the matrix is refused here instead."""
    if first.size and (int(first.min()) < 0 or int(end.max()) > n_rows):
        raise IndexError(f"rows outside the matrix's {n_rows} rows")


def row_dots(matrix: Any, rows: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray) -> np.ndarray:
    """Dot products (float32) of one query (its columns and values) with `matrix`'s rows at `rows`: the same sums
    as `matrix[rows] @ dense_query`. The best row of a range of one row is that row: `range_best`'s loop serves
    both."""
    return range_best(matrix, rows, np.ones(len(rows), dtype=np.int64), q_cols, q_vals)


def range_best(
    matrix: Any, first: np.ndarray, counts: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray
) -> np.ndarray:
    """For each i, the largest dot product (float32) of one query with `matrix`'s rows first[i] .. first[i] +
    counts[i] - 1 (0 where counts[i] is 0). The matrix's data are float32, or float16 bit patterns (uint16)."""
    out = np.zeros(len(first), dtype=np.float32)
    if out.size == 0 or len(q_cols) == 0:
        return out
    first = np.ascontiguousarray(first, dtype=np.int64)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if counts.size and int(counts.min()) < 0:
        raise ValueError("negative row counts")
    held = counts > 0  # an empty range reads no row (an expert without texts may have none stored: -1)
    _check_rows(first[held], (first + counts)[held], matrix.shape[0])
    cols, vals = _query(q_cols, q_vals)
    _kernels.range_best(matrix.indptr, matrix.indices, matrix.data, first, counts, cols, vals, HALF_TO_FLOAT, out)
    return out


def posting_sums(
    postings: Any, posting_row: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray, out: np.ndarray
) -> None:
    """Add to `out` (float32, one per row of the postings' columns) each query column's posting list times the
    column's value: `postings[posting_row[q_cols]].T @ q_vals` without the gathered copy, in the same order
    (columns outside `posting_row` or mapped to -1 are skipped). The postings' data are float32, or float16 bit
    patterns (uint16)."""
    if len(q_cols) == 0:
        return
    if len(out) != postings.shape[1]:  # `posting_row` is made with the postings (`RowStore.postings`)
        raise ValueError("out must hold one value per row the postings index")
    cols, vals = _query(q_cols, q_vals)
    if int(cols.min()) < 0:  # the loop reads posting_row at each column
        raise IndexError("a negative query column")
    _kernels.posting_sums(postings.indptr, postings.indices, postings.data, posting_row, cols, vals, HALF_TO_FLOAT, out)


def scatter_columns(
    matrix: Any,
    target: np.ndarray,
    first_row: int,
    end_row: int,
    bounds: np.ndarray,
    out_indices: np.ndarray,
    out_data: np.ndarray,
) -> None:
    """Write rows first_row .. end_row - 1 of `matrix` (CSR; float32 data, or float16 bit patterns as uint16, which
    `out_data` must match) out by column, a counting sort's scatter: each entry of column c with target[c] = k >= 0
    goes to position bounds[2k] of `out_indices` (its row) and `out_data` (its value), and bounds[2k] moves on;
    target -1 leaves the column out. Rows go in order, so each column's rows come out sorted. bounds[2k + 1] is
    where column k's room ends: an entry past it raises ValueError (entries written before it stay written)."""
    n_rows = matrix.shape[0]
    if not 0 <= first_row <= end_row <= n_rows:
        raise IndexError(f"rows {first_row}..{end_row} outside the matrix's {n_rows} rows")
    if target.dtype != np.int32 or bounds.dtype != np.int64 or out_indices.dtype != np.int32:
        raise TypeError("target and out_indices must be int32, bounds int64")
    if matrix.data.dtype not in (np.float32, np.uint16) or out_data.dtype != matrix.data.dtype:
        raise TypeError("the matrix's data and out_data must both be float32, or both uint16")
    if out_data.size != out_indices.size:
        raise TypeError("out_data must be as long as out_indices")
    lo, hi = int(matrix.indptr[first_row]), int(matrix.indptr[end_row])
    if hi > lo and int(matrix.indices[lo:hi].max()) >= target.size:
        raise IndexError("a column past the end of target")
    if target.size and int(target.max()) >= bounds.size // 2:
        raise IndexError("a target past the end of bounds")
    if bounds.size and (int(bounds.min()) < 0 or int(bounds[1::2].max()) > out_indices.size):
        raise IndexError("bounds outside the output")
    status = _kernels.scatter_columns(
        matrix.indptr, matrix.indices, matrix.data, target, first_row, end_row, bounds, out_indices, out_data
    )
    if status:
        raise ValueError("a column holds more entries than its room in the output")


def count_indices(indices: np.ndarray, out: np.ndarray) -> None:
    """out[c] += 1 for each c in `indices` (int32 or int64), in place: `np.bincount` without its 64-bit copy of the
    input. An index outside out's range raises IndexError (the indices before it are counted)."""
    if out.dtype != np.int64 or not out.flags.c_contiguous:
        raise TypeError("out must be a contiguous int64 array")
    if _kernels.count_indices(np.ascontiguousarray(indices), out):
        raise IndexError(f"an index outside the {out.size} counts")


def count_terms(
    word_rows: np.ndarray,
    word_cols: np.ndarray,
    points: np.ndarray,
    n_rows: int,
    separator: int,
    cjk: tuple[int, int],
    bigram_base: int,
    bigram_bits: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The term counts of a block of `n_rows` owners as CSR arrays (indptr, int64; indices, int32, each row's
    distinct columns in increasing order; counts, float32). Owner r's terms are its words (`word_cols[i]` where
    `word_rows[i]` is r, the rows in order) and, in its stretch of `points` (the block's code points, owners
    separated by `separator`), each character in the `cjk` range (first, last) as column point - first and each
    pair of adjacent ones as `bigram_base` + their hashed pair (the high `bigram_bits` bits of ((a << 20) ^ b)
    times 2**64 / golden ratio, as `matching.features` hashes pairs). A row's terms are sorted on their own, a few
    hundred in the processor's first cache, and counted run by run."""
    word_rows = np.ascontiguousarray(word_rows, dtype=np.int64)
    word_cols = np.ascontiguousarray(word_cols, dtype=np.int64)
    points = np.ascontiguousarray(points, dtype=np.uint32)
    if word_rows.shape != word_cols.shape or word_rows.ndim != 1 or points.ndim != 1:
        raise ValueError("word_rows and word_cols must be one-dimensional and of the same length")
    if word_cols.size and (int(word_cols.min()) < 0 or int(word_cols.max()) > np.iinfo(np.int32).max):
        raise IndexError("a word column outside the int32 range")
    if bigram_base < 0 or not 0 < bigram_bits <= 31 or bigram_base + (1 << bigram_bits) > np.iinfo(np.int32).max:
        raise ValueError("the character pairs' columns must lie in the int32 range")
    if n_rows < 1:
        raise ValueError("a block holds at least one owner")
    room = word_cols.size + 2 * points.size
    indptr = np.empty(n_rows + 1, dtype=np.int64)
    indices = np.empty(room, dtype=np.int32)
    counts = np.empty(room, dtype=np.float32)
    first, last = cjk
    nnz = _kernels.count_terms(
        word_rows, word_cols, points, separator, first, last, bigram_base, bigram_bits, indptr, indices, counts
    )
    if nnz < 0:
        raise ValueError(f"the points and the words do not make {n_rows} owners in order")
    indices.resize(nnz, refcheck=False)
    counts.resize(nnz, refcheck=False)
    return indptr, indices, counts
