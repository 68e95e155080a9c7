"""Types of the compiled loops in `_kernels.pyx` (wrapped by `matching.kernels`)."""

import numpy as np

def range_best(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    first: np.ndarray,
    counts: np.ndarray,
    q_cols: np.ndarray,
    q_vals: np.ndarray,
    decode: np.ndarray,
    out: np.ndarray,
) -> None: ...
def posting_sums(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    posting_row: np.ndarray,
    q_cols: np.ndarray,
    q_vals: np.ndarray,
    decode: np.ndarray,
    out: np.ndarray,
) -> None: ...
def scatter_columns(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    target: np.ndarray,
    first_row: int,
    end_row: int,
    bounds: np.ndarray,
    out_indices: np.ndarray,
    out_data: np.ndarray,
) -> int: ...
def count_indices(indices: np.ndarray, out: np.ndarray) -> int: ...
def count_terms(
    word_rows: np.ndarray,
    word_cols: np.ndarray,
    points: np.ndarray,
    separator: int,
    cjk_first: int,
    cjk_last: int,
    bigram_base: int,
    bigram_bits: int,
    indptr: np.ndarray,
    out_indices: np.ndarray,
    out_counts: np.ndarray,
) -> int: ...
def keep_freed_arenas(limit: int) -> None: ...
def kept_arenas() -> int: ...
