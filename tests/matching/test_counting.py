"""Counting many texts: worker processes give the same counts as one process; owners' rows are their sums."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.counting import count_grouped, count_texts, sum_rows_by_owner
from matching.features import N_COLS, ColumnSpace, Vocabulary

TEXTS = ["水稻栽培技术", "稻田病虫害绿色防控", "rice farming networks", "", "生猪养殖，疫病防控", "果树 栽培 技术 培训"]
LENGTHS = [2, 1, 0, 3]


def test_owner_rows_are_the_sums_of_their_texts() -> None:
    counts = count_texts(TEXTS, Vocabulary(), workers=1)
    owners = sum_rows_by_owner(counts, np.array(LENGTHS))
    assert owners.shape[0] == len(LENGTHS)
    assert (owners[0] != counts[0] + counts[1]).nnz == 0
    assert owners[2].nnz == 0
    assert (owners[3] != counts[3] + counts[4] + counts[5]).nnz == 0


def _global(counts: sp.csr_matrix, space: ColumnSpace) -> sp.csr_matrix:
    """Compact-space counts back in global ids (compact ids depend on the order ids were met)."""
    ids = space.global_ids()[counts.indices]
    return sp.csr_matrix((counts.data, ids, counts.indptr), shape=(counts.shape[0], N_COLS))


def test_workers_count_like_one_process() -> None:
    one_vocab, many_vocab, one_space, many_space = Vocabulary(), Vocabulary(), ColumnSpace(), ColumnSpace()
    one = count_grouped(TEXTS, LENGTHS, one_vocab, one_space, workers=1)
    many = count_grouped(TEXTS, LENGTHS, many_vocab, many_space, workers=2, parallel_min_texts=1)
    assert one_vocab.words == many_vocab.words
    assert one.texts is not None
    assert many.texts is not None
    assert one.texts.shape == many.texts.shape == (len(TEXTS), one_space.n_cols)
    assert one.owners.shape == many.owners.shape == (len(LENGTHS), one_space.n_cols)
    for a, b in ((one.texts, many.texts), (one.owners, many.owners)):
        assert (_global(a, one_space) != _global(b, many_space)).nnz == 0


def test_owner_rows_alone_are_the_same_owner_rows() -> None:
    both_space, alone_space = ColumnSpace(), ColumnSpace()
    both = count_grouped(TEXTS, LENGTHS, Vocabulary(), both_space, workers=2, parallel_min_texts=1)
    alone = count_grouped(TEXTS, LENGTHS, Vocabulary(), alone_space, workers=2, parallel_min_texts=1, keep_texts=False)
    assert alone.texts is None
    assert (_global(both.owners, both_space) != _global(alone.owners, alone_space)).nnz == 0


def test_parallel_text_counts_match_in_process_counts() -> None:
    one = count_texts(TEXTS, Vocabulary(), workers=1)
    many = count_texts(TEXTS, Vocabulary(), workers=2, parallel_min_texts=1)
    assert one.shape == many.shape
    assert (one != many).nnz == 0
