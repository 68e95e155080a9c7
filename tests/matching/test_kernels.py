"""The compiled loops give SciPy's sums to the bit: the rows' products with a query, the best row of each range,
and the postings' sums, on random matrices (hypothesis) with columns in any order, empty rows, 32- and 64-bit
index arrays and query columns no row holds; and the row store that uses them, delta rows included."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.kernels import HALF_TO_FLOAT, posting_sums, range_best, row_dots
from matching.rows import RowStore


def _matrix(seed: int, n_rows: int, n_cols: int, density: float) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    m = sp.random(n_rows, n_cols, density=density, format="csr", dtype=np.float32, rng=rng)
    # stored columns in a shuffled order within each row, as the engine's compact columns may be
    for i in range(n_rows):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        order = rng.permutation(hi - lo)
        m.indices[lo:hi] = m.indices[lo:hi][order]
        m.data[lo:hi] = m.data[lo:hi][order]
    m.has_sorted_indices = False
    if seed % 2:  # SciPy's 64-bit index arrays (a matrix past 2**31 entries)
        m.indptr = m.indptr.astype(np.int64)
        m.indices = m.indices.astype(np.int64)
    return m


def _query(seed: int, n_cols: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    # columns past the matrix's width too (a query term no stored row holds)
    cols = rng.choice(n_cols + 20, size=min(size, n_cols + 20), replace=False).astype(np.int32)
    return cols, rng.random(cols.size, dtype=np.float32) * 3


def _dense(cols: np.ndarray, vals: np.ndarray, width: int) -> np.ndarray:
    table = np.zeros(width + 20, dtype=np.float32)
    table[cols] = vals
    return table[:width]


shapes = st.tuples(
    st.integers(0, 10_000), st.integers(1, 60), st.integers(1, 400), st.floats(0.0, 0.5), st.integers(1, 300)
)


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_row_dots_are_scipys_products_to_the_bit(shape: tuple[int, int, int, float, int]) -> None:
    seed, n_rows, n_cols, density, q_size = shape
    m = _matrix(seed, n_rows, n_cols, density)
    cols, vals = _query(seed, n_cols, q_size)
    rows = np.random.default_rng(seed).integers(0, n_rows, size=2 * n_rows)  # repeats and any order
    expected = m[rows] @ _dense(cols, vals, n_cols)
    got = row_dots(m, rows, cols, vals)
    assert got.dtype == np.float32
    assert np.array_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_half_rows_decode_their_bit_patterns_and_ranges_give_their_best_row(
    shape: tuple[int, int, int, float, int],
) -> None:
    seed, n_rows, n_cols, density, q_size = shape
    m = _matrix(seed, n_rows, n_cols, density)
    bits = m.data.astype(np.float16).view(np.uint16)
    half = sp.csr_matrix((bits, m.indices, m.indptr), shape=m.shape)
    decoded = sp.csr_matrix((bits.view(np.float16).astype(np.float32), m.indices, m.indptr), shape=m.shape)
    cols, vals = _query(seed, n_cols, q_size)
    rows = np.arange(n_rows)
    per_row = decoded @ _dense(cols, vals, n_cols)
    assert np.array_equal(row_dots(half, rows, cols, vals), per_row)
    # the best row of each range: ranges of 0 to 3 rows, back to back
    counts = np.random.default_rng(seed).integers(0, 4, size=n_rows)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) % n_rows
    counts = np.minimum(counts, n_rows - first)
    expected = np.array([per_row[a : a + c].max() if c else 0.0 for a, c in zip(first, counts, strict=True)])
    assert np.array_equal(range_best(half, first, counts, cols, vals), expected.astype(np.float32))
    # and of float32 rows
    per_row = m[np.arange(n_rows)] @ _dense(cols, vals, n_cols)
    expected = np.array([per_row[a : a + c].max() if c else 0.0 for a, c in zip(first, counts, strict=True)])
    assert np.array_equal(range_best(m, first, counts, cols, vals), expected.astype(np.float32))


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_posting_sums_are_the_gathered_product(shape: tuple[int, int, int, float, int]) -> None:
    seed, n_rows, n_cols, density, q_size = shape
    m = _matrix(seed, n_rows, n_cols, density)
    postings = m.T.tocsr()  # a row per column
    rng = np.random.default_rng(seed)
    posting_row = np.arange(n_cols, dtype=np.int32)
    posting_row[rng.random(n_cols) < 0.3] = -1  # columns the first stage leaves out
    cols, vals = _query(seed, n_cols, q_size)
    cols.sort()  # a query row's columns, as a canonical CSR row holds them
    inside = cols < n_cols
    used = np.zeros(cols.size, dtype=bool)
    used[inside] = posting_row[cols[inside]] >= 0
    expected = postings[posting_row[cols[used]]].T @ vals[used]
    out = np.zeros(n_rows, dtype=np.float32)
    posting_sums(postings, posting_row, cols, vals, out)
    assert np.array_equal(out, expected.astype(np.float32))


def test_a_column_given_twice_keeps_its_last_value() -> None:
    m = sp.csr_matrix(np.array([[1.0, 2.0, 0.0]], dtype=np.float32))
    got = row_dots(m, np.array([0]), np.array([1, 0, 1]), np.array([5.0, 1.0, 3.0], dtype=np.float32))
    assert got.tolist() == [1.0 * 1.0 + 2.0 * 3.0]


def test_every_float16_pattern_decodes_as_numpy_does() -> None:
    patterns = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    expected = patterns.view(np.float16).astype(np.float32)
    finite = np.isfinite(expected)
    assert np.array_equal(HALF_TO_FLOAT[finite], expected[finite])
    assert np.array_equal(np.isnan(HALF_TO_FLOAT), np.isnan(expected))


def test_a_store_scores_main_and_delta_rows_alike_in_float32_and_half() -> None:
    m = _matrix(4, 12, 30, 0.3)
    cols, vals = _query(4, 30, 10)
    query = sp.csr_matrix((vals, cols, [0, cols.size]), shape=(1, 50))
    dense = _dense(cols, vals, 30)
    for half in (False, True):
        store = RowStore(half=half)
        store.append(m[:8])
        store.append(m[8:])  # a delta block
        stored = store.float32_rows(np.arange(12))
        per_row = store.range_dots(np.arange(12), np.ones(12, dtype=np.int64), query)
        assert np.array_equal(per_row, stored @ dense)
        best = store.range_best(np.array([0, 3, 7, 11]), np.array([3, 0, 4, 1]), query)
        assert best.tolist() == [per_row[0:3].max(), 0.0, per_row[7:11].max(), per_row[11]]


def test_rows_outside_the_matrix_are_refused_not_read() -> None:
    m = _matrix(2, 5, 10, 0.5)
    cols, vals = np.array([1, 2], dtype=np.int32), np.ones(2, dtype=np.float32)
    with pytest.raises(IndexError):
        row_dots(m, np.array([0, 5]), cols, vals)
    with pytest.raises(IndexError):
        row_dots(m, np.array([-1]), cols, vals)
    with pytest.raises(IndexError):
        range_best(m, np.array([3]), np.array([3]), cols, vals)
    assert range_best(m, np.array([-1, 5, 4]), np.array([0, 0, 1]), cols, vals)[:2].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="negative"):
        range_best(m, np.array([3]), np.array([-1]), cols, vals)
    with pytest.raises(ValueError, match="one value per row"):
        posting_sums(m.T.tocsr(), np.arange(10, dtype=np.int32), cols, vals, np.zeros(4, dtype=np.float32))
