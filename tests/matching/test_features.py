"""Feature extraction and tf-idf weighting."""

from __future__ import annotations

import numpy as np
import pytest

from matching.features import UNI, WORD_BASE, TfidfWeighter, Vocabulary, analyze, term_counts


def _counts(texts: list[str]):  # type: ignore[no-untyped-def]
    vocab = Vocabulary()
    normalized, words = analyze(texts)
    return term_counts(normalized, words, vocab), vocab


def test_counts_hold_unigrams_bigrams_and_words() -> None:
    counts, vocab = _counts(["水稻栽培", "rice farming"])
    row0 = counts[0]
    assert ((row0.indices < UNI).sum(), ((row0.indices >= UNI) & (row0.indices < WORD_BASE)).sum()) == (4, 3)
    assert vocab.word_at(int(counts[1].indices.max())) in {"rice", "farming"}
    assert counts[1].nnz == 2  # English text has words only


def test_bigrams_do_not_cross_texts_or_punctuation() -> None:
    counts, _ = _counts(["水稻，栽培"])
    bigrams = ((counts.indices >= UNI) & (counts.indices < WORD_BASE)).sum()
    assert bigrams == 2  # 水稻 and 栽培, not 稻栽


def test_tfidf_rows_are_unit_length_and_rare_terms_weigh_more() -> None:
    counts, vocab = _counts(["水稻 技术", "生猪 技术", "果树 技术"])
    weighter = TfidfWeighter().fit(counts)
    rows = weighter.transform(counts)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert norms == pytest.approx(np.ones(3), abs=1e-5)
    first = rows[0].toarray().ravel()
    rice, skill = weighter.space.lookup(np.array([vocab.ids["水稻"], vocab.ids["技术"]]))
    assert first[rice] > first[skill]


def test_column_space_is_as_wide_as_the_terms_seen() -> None:
    counts, _ = _counts(["水稻 技术", "生猪 技术"])
    weighter = TfidfWeighter().fit(counts)
    assert weighter.space.n_cols == len(set(counts.indices.tolist()))
    assert weighter.transform(counts).shape == (2, weighter.space.n_cols)


def test_unseen_query_terms_count_in_the_norm_then_drop_out() -> None:
    vocab = Vocabulary()
    normalized, words = analyze(["水稻", "水稻 果树"])
    counts = term_counts(normalized, words, vocab)
    weighter = TfidfWeighter().fit(counts[:1])
    query = weighter.transform(counts[1:])
    assert query.shape[1] == weighter.space.n_cols
    # only the rice terms survive, and the row is shorter than unit length because the unseen terms took a share
    assert query.nnz == counts[:1].nnz
    assert 0.0 < float(np.sqrt((query.data**2).sum())) < 0.9


def test_stored_rows_grow_the_space_with_unseen_idf() -> None:
    vocab = Vocabulary()
    normalized, words = analyze(["水稻", "果树"])
    counts = term_counts(normalized, words, vocab)
    weighter = TfidfWeighter().fit(counts[:1])
    width = weighter.space.n_cols
    stored = weighter.transform(counts[1:], grow=True)
    assert weighter.space.n_cols > width
    assert stored.nnz == counts[1:].nnz
    assert weighter.idf_ is not None
    assert weighter.idf_[width:] == pytest.approx(np.full(weighter.space.n_cols - width, weighter.unseen_idf()))


def test_transform_before_fit_fails() -> None:
    counts, _ = _counts(["水稻"])
    with pytest.raises(RuntimeError):
        TfidfWeighter().transform(counts)


def test_counting_in_blocks_gives_the_same_counts() -> None:
    texts = ["水稻栽培技术", "rice farming networks", "生猪养殖，疫病防控", "", "果树 栽培 技术 培训"]
    normalized, words = analyze(texts)
    whole = term_counts(normalized, words, Vocabulary())
    blocked = term_counts(normalized, words, Vocabulary(), block=2)
    assert (whole != blocked).nnz == 0
    assert whole.shape == blocked.shape


def test_weighting_in_place_equals_transform() -> None:
    counts, _ = _counts(["水稻 技术 水稻", "生猪 技术", "", "果树 技术 培训"])
    expected = TfidfWeighter().fit(counts).transform(counts)
    weighter = TfidfWeighter()
    compact = weighter.space.compact_inplace(counts.copy())
    weighed = weighter.fit_compact(compact).transform_inplace(compact, block_rows=2)
    assert weighed.shape == expected.shape
    assert abs(weighed - expected).max() < 1e-6
