"""The compiled loops give SciPy's sums to the bit: the rows' products with a query, the best row of each range,
and the postings' sums, on random matrices (hypothesis) with columns in any order, empty rows, 32- and 64-bit
index arrays and query columns no row holds; and the row store that uses them, delta rows included. The scatter
that makes the postings gives SciPy's transpose, and refuses what would write outside its output; the column
counts are NumPy's bincounts, and an index outside them is refused. The term
counting of the analysis gives a slow reference's counts (each owner's words, characters and character pairs,
summed by SciPy) and refuses owners it would misplace."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.features import CJK_FIRST, CJK_LAST, N_COLS, UNI, WORD_BASE, bigram_columns, index_counts
from matching.kernels import (
    HALF_TO_FLOAT,
    count_indices,
    count_terms,
    posting_sums,
    range_best,
    row_dots,
    scatter_columns,
)
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
    # postings of a half store: float16 bit patterns, summed as their float32 values are
    bits = postings.data.astype(np.float16).view(np.uint16)
    half = sp.csr_matrix((bits, postings.indices, postings.indptr), shape=postings.shape)
    decoded = sp.csr_matrix((HALF_TO_FLOAT[bits], postings.indices, postings.indptr), shape=postings.shape)
    out = np.zeros(n_rows, dtype=np.float32)
    posting_sums(half, posting_row, cols, vals, out)
    assert np.array_equal(out, (decoded[posting_row[cols[used]]].T @ vals[used]).astype(np.float32))


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
    with pytest.raises(IndexError, match="negative"):
        posting_sums(m.T.tocsr(), np.arange(10, dtype=np.int32), -cols, vals, np.zeros(5, dtype=np.float32))


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_scatter_gives_scipys_transpose_of_the_chosen_columns(shape: tuple[int, int, int, float, int]) -> None:
    seed, n_rows, n_cols, density, n_chosen = shape
    m = _matrix(seed, n_rows, n_cols, density)
    chosen = np.random.default_rng(seed).permutation(n_cols)[: min(n_chosen, n_cols)]
    target = np.full(n_cols, -1, dtype=np.int32)
    target[chosen] = np.arange(chosen.size, dtype=np.int32)
    expected = m[:, chosen].T.tocsr()
    expected.sort_indices()
    bounds = np.empty(2 * chosen.size, dtype=np.int64)
    bounds[0::2], bounds[1::2] = expected.indptr[:-1], expected.indptr[1:]
    indices = np.full(expected.nnz, -1, dtype=np.int32)
    data = np.zeros(expected.nnz, dtype=np.float32)
    middle = n_rows // 2  # two runs of rows, the second's columns after the first's entries
    first_part = m[:middle, chosen].T.tocsr()
    bounds_second = bounds.copy()
    bounds_second[0::2] += np.diff(first_part.indptr)
    bounds_first = bounds.copy()
    bounds_first[1::2] = bounds_second[0::2]
    scatter_columns(m, target, middle, n_rows, bounds_second, indices, data)
    scatter_columns(m, target, 0, middle, bounds_first, indices, data)
    assert np.array_equal(bounds_first[0::2], bounds_second[0::2] - np.diff(m[middle:, chosen].T.tocsr().indptr))
    assert np.array_equal(bounds_second[0::2], expected.indptr[1:])
    assert np.array_equal(indices, expected.indices)
    assert np.array_equal(data, expected.data)
    # a half store's bit patterns go where their float32 values went, untouched
    bits = m.data.astype(np.float16).view(np.uint16)
    half = sp.csr_matrix((bits, m.indices, m.indptr), shape=m.shape)
    half_data = np.zeros(expected.nnz, dtype=np.uint16)
    bounds_all = bounds.copy()
    scatter_columns(half, target, 0, n_rows, bounds_all, indices, half_data)
    assert np.array_equal(indices, expected.indices)
    assert np.array_equal(HALF_TO_FLOAT[half_data], expected.data.astype(np.float16).astype(np.float32))
    with pytest.raises(TypeError, match="both"):
        scatter_columns(half, target, 0, n_rows, bounds.copy(), indices, data)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 299), max_size=3000),
    st.sampled_from([np.int32, np.int64]),
    st.sampled_from([1, 7, 1 << 20]),
)
def test_index_counts_are_bincounts_in_one_thread_or_several(ids: list[int], dtype: type, parallel_from: int) -> None:
    indices = np.asarray(ids, dtype=dtype)
    expected = np.bincount(indices, minlength=300)
    counts = index_counts(indices, 300, parallel_from)
    assert counts.dtype == np.int64
    assert np.array_equal(counts, expected)
    more = counts.copy()
    count_indices(indices, more)  # adds to what is there
    assert np.array_equal(more, 2 * expected)


def test_counting_refuses_an_index_outside_the_counts() -> None:
    for bad in ([0, 5, 3], [0, -1]):
        counts = np.zeros(5, dtype=np.int64)
        with pytest.raises(IndexError, match="outside"):
            count_indices(np.array(bad, dtype=np.int32), counts)
        assert counts[0] == 1  # what came before it was counted; nothing was written outside
    with pytest.raises(IndexError):
        index_counts(np.array([1, 2, 9] * 10, dtype=np.int32), 5, parallel_from=1)
    with pytest.raises(TypeError):
        count_indices(np.array([1]), np.zeros(3, dtype=np.int32))


@pytest.mark.parametrize("seed", [2, 3])  # 32- and 64-bit index arrays
def test_the_scatter_refuses_to_write_outside_its_output(seed: int) -> None:
    m = _matrix(seed, 5, 10, 0.5)
    target = np.arange(10, dtype=np.int32)
    counts = np.bincount(m.indices, minlength=10)
    bounds = np.empty(20, dtype=np.int64)
    bounds[0::2], bounds[1::2] = np.cumsum(counts) - counts, np.cumsum(counts)
    out = np.empty(m.nnz, dtype=np.int32), np.empty(m.nnz, dtype=np.float32)
    with pytest.raises(IndexError):
        scatter_columns(m, target, 0, 6, bounds.copy(), *out)
    with pytest.raises(IndexError):
        scatter_columns(m, target[:5], 0, 5, bounds.copy(), *out)
    with pytest.raises(IndexError):
        scatter_columns(m, target, 0, 5, bounds[:10].copy(), *out)
    with pytest.raises(TypeError):
        scatter_columns(m.astype(np.float64), target, 0, 5, bounds.copy(), *out)
    short = bounds.copy()
    busiest = int(np.argmax(counts))
    short[2 * busiest + 1] -= 1  # one entry too many for its room
    with pytest.raises(ValueError, match="more entries"):
        scatter_columns(m, target, 0, 5, short, *out)
    past = bounds.copy()
    past[-1] = m.nnz + 1
    with pytest.raises(IndexError):
        scatter_columns(m, target, 0, 5, past, *out)
    scatter_columns(m, target, 0, 5, bounds, *out)
    assert np.array_equal(bounds[0::2], np.cumsum(counts))


def _reference_terms(word_rows: np.ndarray, word_cols: np.ndarray, points: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """`count_terms` made the slow way: each owner's words, CJK characters and adjacent CJK pairs listed in Python,
    the pairs hashed by `features`, the duplicates summed by SciPy."""
    rows, cols = list(word_rows.tolist()), list(word_cols.tolist())
    owner, previous = 0, None
    for cp in points.tolist():
        if cp == SEP:
            owner, previous = owner + 1, None
            continue
        if CJK_FIRST <= cp <= CJK_LAST:
            rows.append(owner)
            cols.append(cp - CJK_FIRST)
            if previous is not None:
                rows.append(owner)
                cols.append(int(bigram_columns([chr(previous) + chr(cp)])[0]))
            previous = cp
        else:
            previous = None
    out = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_rows, N_COLS))
    out.sum_duplicates()
    return out


SEP = 0x1E
# CJK characters (both ends of the range included), the code points just outside it, Latin, the separator
_point = st.sampled_from([0x3400, 0x3401, 0x6C34, 0x7A3B, 0x9FFF, 0x33FF, 0xA000, ord("a"), ord(" "), SEP])


@settings(max_examples=80, deadline=None)
@given(st.lists(_point, max_size=40), st.data())
def test_term_counts_are_each_owners_words_characters_and_pairs(points: list[int], data: st.DataObject) -> None:
    n_rows = points.count(SEP) + 1
    n_words = data.draw(st.integers(0, 20))
    word_rows = np.sort(np.array(data.draw(st.lists(st.integers(0, n_rows - 1), min_size=n_words, max_size=n_words))))
    word_cols = np.array(data.draw(st.lists(st.integers(WORD_BASE, WORD_BASE + 5), min_size=n_words, max_size=n_words)))
    array = np.array(points, dtype=np.uint32)
    indptr, indices, counts = count_terms(word_rows, word_cols, array, n_rows, SEP, (CJK_FIRST, CJK_LAST), UNI, 22)
    want = _reference_terms(word_rows, word_cols, array, n_rows)
    assert indptr.tolist() == want.indptr.tolist()
    assert indices.tolist() == want.indices.tolist()  # each row's columns in increasing order
    assert counts.tolist() == want.data.tolist()


def test_term_counting_refuses_owners_it_would_misplace() -> None:
    points = np.array([0x6C34, SEP, 0x7A3B], dtype=np.uint32)
    words = np.array([0, 1]), np.array([WORD_BASE, WORD_BASE + 1])

    def count(rows: np.ndarray, cols: np.ndarray, pts: np.ndarray, n_rows: int) -> tuple[np.ndarray, ...]:
        return count_terms(rows, cols, pts, n_rows, SEP, (CJK_FIRST, CJK_LAST), UNI, 22)

    with pytest.raises(ValueError, match="owners"):
        count(*words, points, 3)  # fewer separators than owners
    with pytest.raises(ValueError, match="owners"):
        count(*words, np.concatenate([points, [SEP]]).astype(np.uint32), 2)  # more
    with pytest.raises(ValueError, match="owners"):
        count(np.array([1, 0]), words[1], points, 2)  # words out of order
    with pytest.raises(ValueError, match="owners"):
        count(np.array([0, 2]), words[1], points, 2)  # a word past the last owner
    with pytest.raises(ValueError, match="owners"):
        count(np.array([-1, 0]), words[1], points, 2)
    with pytest.raises(IndexError, match="column"):
        count(words[0], np.array([-1, 5]), points, 2)
    with pytest.raises(ValueError, match="same length"):
        count(words[0][:1], words[1], points, 2)
    with pytest.raises(ValueError, match="at least one owner"):
        count(words[0][:0], words[1][:0], points[:0], 0)
    indptr, indices, counts = count(*words, points, 2)
    assert indptr.tolist() == [0, 2, 4]
    assert indices.tolist() == [0x6C34 - CJK_FIRST, WORD_BASE, 0x7A3B - CJK_FIRST, WORD_BASE + 1]
    assert counts.tolist() == [1.0, 1.0, 1.0, 1.0]
