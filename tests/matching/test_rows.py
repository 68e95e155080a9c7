"""The row store: exact dot products, and a first stage that leaves out only the common columns."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matching.rows import RowStore, dense_products, transposed_columns


def _every_row(store: RowStore, query: sp.csr_matrix) -> np.ndarray:
    return store.range_dots(np.arange(store.n_rows), np.ones(store.n_rows, dtype=np.int64), query)


def _rows() -> sp.csr_matrix:
    rng = np.random.default_rng(3)
    dense = rng.random((40, 12)).astype(np.float32)
    dense[dense < 0.6] = 0.0
    dense[:, 0] = 1.0  # a column every row holds
    return sp.csr_matrix(dense)


def _query() -> sp.csr_matrix:
    return sp.csr_matrix(np.linspace(1.0, 2.0, 12, dtype=np.float32)[None, :])


def test_range_dots_are_exact_products() -> None:
    rows, query = _rows(), _query()
    store = RowStore()
    store.append(rows[:30])
    store.append(rows[30:])  # a delta block
    exact = (rows @ query.T).toarray().ravel()
    assert _every_row(store, query) == pytest.approx(exact, rel=1e-5)
    assert store.range_dots(np.array([3, 31]), np.array([2, 3]), query) == pytest.approx(
        exact[[3, 4, 31, 32, 33]], rel=1e-5
    )


def test_range_dots_skip_empty_ranges() -> None:
    rows, query = _rows(), _query()
    store = RowStore()
    store.append(rows)
    exact = (rows @ query.T).toarray().ravel()
    # as many products as ranges, but not one each: the rows must still come from the ranges
    assert store.range_dots(np.array([5, 7]), np.array([0, 2]), query) == pytest.approx(exact[[7, 8]], rel=1e-5)


def test_a_half_store_keeps_float16_values_and_multiplies_in_float32() -> None:
    rows, query = _rows(), _query()
    store = RowStore(half=True)
    store.append(rows[:30])
    store.append(rows[30:])
    exact = (rows @ query.T).toarray().ravel()
    assert store.rows(np.arange(40)).dtype == np.uint16  # float16 bit patterns
    assert _every_row(store, query) == pytest.approx(exact, rel=1e-3)
    assert store.range_dots(np.array([3, 31]), np.array([2, 3]), query) == pytest.approx(
        exact[[3, 4, 31, 32, 33]], rel=1e-3
    )
    store.compact()
    assert _every_row(store, query) == pytest.approx(exact, rel=1e-3)
    # rows as the store keeps them: what is read back later, to the bit
    kept = store.as_stored(rows)
    assert kept.dtype == np.float32
    assert np.array_equal(kept.toarray(), store.float32_rows(np.arange(40)).toarray())
    assert RowStore().as_stored(rows) is rows


def test_first_stage_is_exact_without_pruning_and_skips_common_columns_with_it() -> None:
    rows, query = _rows(), _query()
    exact = (rows @ query.T).toarray().ravel()
    plain = RowStore()
    plain.append(rows)
    assert plain.common_columns() is None
    assert plain.first_stage(query)[0] == pytest.approx(exact, rel=1e-5)
    pruned = RowStore(prune_fraction=0.9, prune_min_rows=10)
    pruned.append(rows)
    common = pruned.common_columns()
    assert common is not None
    assert common.tolist() == [True] + [False] * 11
    without_first = exact - rows[:, 0].toarray().ravel() * query[0, 0]
    assert pruned.first_stage(query)[0] == pytest.approx(without_first, rel=1e-5, abs=1e-6)
    assert _every_row(pruned, query) == pytest.approx(exact, rel=1e-5)


def test_a_half_stores_first_stage_sums_its_float16_values_in_main_and_delta_rows() -> None:
    rows, query = _rows(), _query()
    decoded = sp.csr_matrix((rows.data.astype(np.float16).astype(np.float32), rows.indices, rows.indptr))
    store = RowStore(prune_fraction=0.9, prune_min_rows=10, half=True)
    store.append(rows[:30])
    store.append(rows[30:])  # delta rows, scored exactly
    assert store.postings().data.dtype == np.uint16
    exact = (decoded @ query.T).toarray().ravel()
    expected = exact.copy()
    expected[:30] -= decoded[:30, 0].toarray().ravel() * query[0, 0]  # held by every main row: left out
    assert store.first_stage(query)[0] == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert _every_row(store, query) == pytest.approx(exact, rel=1e-6)


def test_appended_rows_are_scored_exactly_in_the_first_stage() -> None:
    rows, query = _rows(), _query()
    store = RowStore(prune_fraction=0.9, prune_min_rows=10)
    store.append(rows[:20])
    store.append(rows[20:25])
    exact = (rows[20:25] @ query.T).toarray().ravel()
    assert store.first_stage(query)[0, 20:] == pytest.approx(exact, rel=1e-5)


@pytest.mark.parametrize("threads", [1, 2, 3, 50])
def test_postings_equal_scipys_transpose(threads: int) -> None:
    rows = _rows()
    columns = np.array([1, 3, 4, 9, 11])
    lengths = np.diff(rows.tocsc().indptr)[columns]
    unordered = np.array([9, 1, 11, 4])
    made = transposed_columns(rows, unordered, np.diff(rows.tocsc().indptr)[unordered], threads)
    assert (made != rows[:, unordered].T.tocsr()).nnz == 0
    with pytest.raises(ValueError, match="distinct"):
        transposed_columns(rows, np.array([1, 1]), np.diff(rows.tocsc().indptr)[[1, 1]], threads)
    made = transposed_columns(rows, columns, lengths, threads)
    expected = rows[:, columns].T.tocsr()
    assert (made != expected).nnz == 0
    assert np.array_equal(made.indptr, expected.indptr)
    assert np.array_equal(made.indices, expected.indices)  # rows in order within each column
    assert np.array_equal(made.data, expected.data)
    for wrong in (lengths + 1, lengths - (lengths > 0), np.roll(lengths, 1)):
        with pytest.raises(ValueError, match="lengths"):
            transposed_columns(rows, columns, wrong, threads)
    # a half store's rows: their float16 bit patterns, transposed as they are
    bits = sp.csr_matrix((rows.data.astype(np.float16).view(np.uint16), rows.indices, rows.indptr), shape=rows.shape)
    made = transposed_columns(bits, columns, lengths, threads)
    assert made.data.dtype == np.uint16
    assert np.array_equal(made.indices, expected.indices)
    assert np.array_equal(made.data, expected.data.astype(np.float16).view(np.uint16))


@pytest.mark.parametrize("half", [False, True])
def test_column_sums_weigh_the_chosen_rows(half: bool) -> None:
    rows = _rows()
    store = RowStore(half=half)
    store.append(rows[:30])
    store.append(rows[30:])  # a delta block
    positions = np.array([0, 5, 31, 39, 12])
    weights = np.array([1.0, 0.5, 2.0, 0.25, 1.0])
    expected = weights @ rows.toarray()[positions]
    assert store.column_sums(positions, weights, step=2) == pytest.approx(expected, rel=1e-3 if half else 1e-6)
    sums, squares = store.column_moments(positions, weights, step=2)
    assert np.array_equal(sums, store.column_sums(positions, weights, step=2))
    squared = weights @ (rows.toarray()[positions] ** 2)
    assert squares == pytest.approx(squared, rel=2e-3 if half else 1e-6)


@pytest.mark.parametrize("squared", [False, True])
def test_dense_products_are_the_rows_times_the_vector_over_its_columns(squared: bool) -> None:
    rows = _rows()
    vector = np.random.default_rng(3).random(rows.shape[1] - 5).astype(np.float32)  # the last 5 columns count 0
    dense = rows.toarray()[:, : vector.size].astype(np.float64)
    expected = (dense**2 if squared else dense) @ vector
    assert dense_products(rows, vector, squared) == pytest.approx(expected, rel=1e-5)
    together = dense_products(rows, vector, squared)
    for i in (0, 7):
        # a row to be stored gets what it gets among the others, to the bit
        assert dense_products(rows[i], vector, squared).tolist() == together[i : i + 1].tolist()
        # a live query's row, read without the matrix product: the same to float32 rounding
        live = dense_products(rows[i], vector, squared, stored=False)
        assert live == pytest.approx(expected[i : i + 1], rel=1e-5)
