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
    assert first[vocab.ids["水稻"]] > first[vocab.ids["技术"]]


def test_transform_before_fit_fails() -> None:
    counts, _ = _counts(["水稻"])
    with pytest.raises(RuntimeError):
        TfidfWeighter().transform(counts)
