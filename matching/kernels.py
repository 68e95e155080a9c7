"""Compiled loops (Numba) for the query-time products over sparse rows, where SciPy would first copy what it reads.

A query holds a few dozen to a few hundred columns; the rows it is scored against hold hundreds each. SciPy's way
(gather the rows or postings into a new matrix, then one matrix-vector product with a dense table as wide as the
column space) copies every entry it reads and looks each one up in a table of megabytes. These loops read the
entries where they lie and look their columns up in the query's own tables: a 65,536-bit filter, where most
entries stop, and an open-addressing table of its columns (kilobytes, in the processor's first-level cache).

Each loop adds the same products in the same order as the SciPy product it replaces (entries in stored order, a
row's sum starting from zero; no fused multiply-add, no fast-math reordering), so the scores are the same to the
bit; `tests/matching/test_kernels.py` checks them against SciPy.

The loops are compiled on first use and cached on disk next to this file (`cache=True`; Numba falls back to its
user cache folder where that is read-only), so a later process loads them instead of compiling them again.
`nogil=True`: the service's threads can score side by side.

Memory: importing Numba maps LLVM's shared library, and a process's resident size grows by ~190 MB by the end
of its first compiled query (measured beside the 100,000-expert benchmark pool). So `matching.rows` uses these
loops only for stores of `compiled_min_rows` rows or more (a small pool's process never loads Numba), and imports
this module at the first such query, not at its own import: an index build, whose temporaries make a large
process's peak (1,887 MB at 100,000 experts), does not carry it; the built index holds 1,667 MB, 1,830 MB with
the loops loaded, so the peak stays the build's.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

#: float32 value of each float16 bit pattern (a half store keeps its weights as uint16 bit patterns)
HALF_TO_FLOAT = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16).astype(np.float32)

_FILTER_BITS = 16  # a 65,536-bit filter (8 KB): a row's entries outside the query mostly stop at one bit
_GOLDEN = np.uint64(11400714819323198485)  # 2**64 / golden ratio: Fibonacci hashing takes the product's high bits


@numba.njit(cache=True, nogil=True, inline="always")
def _hash(c: Any, bits: int) -> Any:
    return np.int64((np.uint64(c) * _GOLDEN) >> np.uint64(64 - bits))


@numba.njit(cache=True, nogil=True)
def _query_table(cols: Any, vals: Any) -> tuple[Any, Any, Any, int]:
    """The query's columns as a bit filter (one bit per hash of a column) and an open-addressing table (linear
    probing; keys, -1 = empty, and values) of a power-of-two size at least twice the columns. A column given twice
    keeps its last value, as a dense table filled by `table[cols] = vals` would."""
    bits = 4
    while (1 << bits) < 2 * cols.size:
        bits += 1
    keys = np.full(1 << bits, -1, dtype=np.int64)
    values = np.zeros(1 << bits, dtype=np.float32)
    filter_ = np.zeros(1 << (_FILTER_BITS - 3), dtype=np.uint8)
    mask = (1 << bits) - 1
    for j in range(cols.size):
        c = np.int64(cols[j])
        f = _hash(c, _FILTER_BITS)
        filter_[f >> 3] |= np.uint8(1 << (f & 7))
        h = _hash(c, bits)
        while keys[h] != -1 and keys[h] != c:
            h = (h + 1) & mask
        keys[h] = c
        values[h] = vals[j]
    return filter_, keys, values, bits


@numba.njit(cache=True, nogil=True, inline="always")
def _weight(filter_: Any, keys: Any, values: Any, bits: int, c: Any) -> tuple[bool, Any]:
    f = _hash(c, _FILTER_BITS)
    if not (filter_[f >> 3] >> (f & 7)) & 1:
        return False, np.float32(0.0)
    mask = (1 << bits) - 1
    h = _hash(c, bits)
    while True:
        k = keys[h]
        if k == c:
            return True, values[h]
        if k == -1:
            return False, np.float32(0.0)
        h = (h + 1) & mask


@numba.njit(cache=True, nogil=True)
def _row_dots(indptr: Any, indices: Any, data: Any, rows: Any, q_cols: Any, q_vals: Any, out: Any) -> None:
    filter_, keys, values, bits = _query_table(q_cols, q_vals)
    for i in range(rows.size):
        r = rows[i]
        total = np.float32(0.0)
        for jj in range(indptr[r], indptr[r + 1]):
            found, w = _weight(filter_, keys, values, bits, indices[jj])
            if found:
                total += data[jj] * w
        out[i] = total


@numba.njit(cache=True, nogil=True)
def _half_row_dots(
    indptr: Any, indices: Any, patterns: Any, rows: Any, q_cols: Any, q_vals: Any, decode: Any, out: Any
) -> None:
    filter_, keys, values, bits = _query_table(q_cols, q_vals)
    for i in range(rows.size):
        r = rows[i]
        total = np.float32(0.0)
        for jj in range(indptr[r], indptr[r + 1]):
            found, w = _weight(filter_, keys, values, bits, indices[jj])
            if found:
                total += decode[patterns[jj]] * w
        out[i] = total


@numba.njit(cache=True, nogil=True)
def _range_best(
    indptr: Any, indices: Any, patterns: Any, first: Any, counts: Any, q_cols: Any, q_vals: Any, decode: Any, out: Any
) -> None:
    filter_, keys, values, bits = _query_table(q_cols, q_vals)
    for i in range(first.size):
        best = np.float32(0.0)
        for r in range(first[i], first[i] + counts[i]):
            total = np.float32(0.0)
            for jj in range(indptr[r], indptr[r + 1]):
                found, w = _weight(filter_, keys, values, bits, indices[jj])
                if found:
                    total += decode[patterns[jj]] * w
            if r == first[i] or total > best:
                best = total
        out[i] = best


@numba.njit(cache=True, nogil=True)
def _posting_sums(indptr: Any, indices: Any, data: Any, posting_row: Any, q_cols: Any, q_vals: Any, out: Any) -> None:
    for j in range(q_cols.size):
        c = q_cols[j]
        if c >= posting_row.size:
            continue
        p = posting_row[c]
        if p < 0:
            continue
        w = q_vals[j]
        for ii in range(indptr[p], indptr[p + 1]):
            out[indices[ii]] += data[ii] * w


def row_dots(matrix: Any, rows: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray, half: bool = False) -> np.ndarray:
    """Dot products (float32) of one query (its columns and float32 values) with `matrix`'s rows at
    `rows`: the same sums as `matrix[rows] @ dense_query`. With `half`, the matrix's data are float16 bit patterns
    (uint16)."""
    out = np.zeros(rows.size, dtype=np.float32)
    if rows.size == 0 or q_cols.size == 0:
        return out
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    q_vals = np.ascontiguousarray(q_vals, dtype=np.float32)
    if half:
        _half_row_dots(matrix.indptr, matrix.indices, matrix.data, rows, q_cols, q_vals, HALF_TO_FLOAT, out)
    else:
        _row_dots(matrix.indptr, matrix.indices, matrix.data, rows, q_cols, q_vals, out)
    return out


def half_range_best(
    matrix: Any, first: np.ndarray, counts: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray
) -> np.ndarray:
    """For each i, the largest dot product (float32) of one query with `matrix`'s rows first[i] .. first[i] +
    counts[i] - 1 (0 where counts[i] is 0), the matrix's data being float16 bit patterns (uint16)."""
    out = np.zeros(first.size, dtype=np.float32)
    if first.size == 0 or q_cols.size == 0:
        return out
    first = np.ascontiguousarray(first, dtype=np.int64)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    q_vals = np.ascontiguousarray(q_vals, dtype=np.float32)
    _range_best(matrix.indptr, matrix.indices, matrix.data, first, counts, q_cols, q_vals, HALF_TO_FLOAT, out)
    return out


def posting_sums(
    postings: Any, posting_row: np.ndarray, q_cols: np.ndarray, q_vals: np.ndarray, out: np.ndarray
) -> None:
    """Add to `out` (float32, one per row of the postings' columns) each query column's posting list times the
    column's value: `postings[posting_row[q_cols]].T @ q_vals` without the gathered copy, in the same order
    (columns outside `posting_row` or mapped to -1 are skipped)."""
    if q_cols.size == 0:
        return
    q_vals = np.ascontiguousarray(q_vals, dtype=np.float32)
    _posting_sums(postings.indptr, postings.indices, postings.data, posting_row, q_cols, q_vals, out)
