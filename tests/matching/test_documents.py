"""Per-document scores: each text's own BM25 row (lengths against the mean text), the best one per owner."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matching.documents import DocumentScores
from matching.features import Bm25Params, Bm25Weighter, Vocabulary, block_totals, count_batch

TEXTS = ["水稻栽培技术", "稻田病虫害绿色防控", "生猪养殖，疫病防控", "果树栽培技术培训"]
ONES = np.ones(len(TEXTS), dtype=np.int64)


def _store() -> tuple[DocumentScores, Bm25Weighter, Vocabulary]:
    vocab = Vocabulary()
    counts = count_batch(TEXTS, ONES, vocab)
    weighter = Bm25Weighter(params=Bm25Params(b=0.5, b_words=0.5)).fit(counts)
    weighter.avg_lengths_ = weighter.avg_lengths_ * 3  # experts hold several texts: longer than one text
    documents = DocumentScores()
    documents.fit_lengths(block_totals(counts), len(TEXTS))
    documents.append(weighter.space.compact_inplace(counts), weighter)
    return documents, weighter, vocab


def _query(weighter: Bm25Weighter, vocab: Vocabulary, text: str) -> sp.csr_matrix:
    return weighter.transform(count_batch([text], np.ones(1, dtype=np.int64), vocab), stored=False)


def test_each_owner_gets_the_best_of_its_texts_weighed_against_the_mean_text() -> None:
    documents, weighter, vocab = _store()
    query = _query(weighter, vocab, "水稻栽培")
    rows = weighter.space.compact_inplace(count_batch(TEXTS, ONES, vocab))
    # the texts weighed as stored rows, normalised against the texts' own mean lengths (not the experts')
    by_text = weighter.transform_inplace(rows, avg_lengths=documents.avg_lengths_) @ query.T
    expected = by_text.toarray().ravel()
    best = documents.best(np.array([0, 2, 3]), np.array([2, 1, 0]), query)
    assert best.tolist() == pytest.approx([expected[:2].max(), expected[2], 0.0], rel=1e-3)  # float16 weights
    assert best[0] > 0
    assert best[1] == 0  # the pig text shares nothing with the query
    experts_mean = weighter.transform_inplace(weighter.space.compact_inplace(count_batch(TEXTS, ONES, vocab))) @ query.T
    assert best[0] != pytest.approx(experts_mean.toarray().ravel()[:2].max(), rel=1e-2)


def test_a_query_sharing_nothing_scores_zero() -> None:
    documents, weighter, vocab = _store()
    assert documents.best(np.array([0]), np.array([4]), _query(weighter, vocab, "桥梁")).tolist() == [0]
    assert documents.n_rows == 4
