"""Feature extraction and BM25 weighting."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import features
from matching import text as textmod
from matching.features import (
    CJK_FIRST,
    UNI,
    WORD_BASE,
    Bm25Params,
    Bm25Weighter,
    QueryVocabulary,
    Vocabulary,
    bigram_columns,
    count_batch,
)


def _counts(texts: list[str]):  # type: ignore[no-untyped-def]
    vocab = Vocabulary()
    return count_batch(texts, np.ones(len(texts), dtype=np.int64), vocab), vocab


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


def test_expert_rows_follow_the_bm25_formula_and_rare_terms_weigh_more() -> None:
    counts, vocab = _counts(["水稻 技术 水稻", "生猪 技术", "果树 技术"])
    weighter = Bm25Weighter(params=Bm25Params(k1=2.0, b=0.3, b_words=0.4)).fit(counts)
    rows = weighter.transform(counts, stored=True)
    first = rows[0].toarray().ravel()
    rice, skill, water = weighter.space.lookup(np.array([vocab.ids["水稻"], vocab.ids["技术"], ord("水") - 0x3400]))
    assert first[rice] > first[skill]
    # tf 2, df 1 of 3 rows for both the word 水稻 and the character 水
    idf = np.log1p((3 - 1 + 0.5) / (1 + 0.5))
    # the word block (b_words) of row 0 holds 3 tokens, 7/3 on average
    assert first[rice] == pytest.approx(idf * 2 * 3.0 / (2 + 2.0 * (1 - 0.4 + 0.4 * 3 / (7 / 3))), rel=1e-5)
    # the character block (b) of row 0 holds 6 tokens, 14/3 on average
    assert first[water] == pytest.approx(idf * 2 * 3.0 / (2 + 2.0 * (1 - 0.3 + 0.3 * 6 / (14 / 3))), rel=1e-5)


def test_a_longer_profile_with_the_same_term_count_weighs_it_less_when_b_is_positive() -> None:
    counts, vocab = _counts(["水稻", "水稻 果树 生猪 茶叶"])
    rice = vocab.ids["水稻"]
    for b, longer_is_lower in ((0.4, True), (0.0, False)):
        weighter = Bm25Weighter(params=Bm25Params(b=b, b_words=b)).fit(counts)
        rows = weighter.transform(counts, stored=True).toarray()
        col = int(weighter.space.lookup(np.array([rice]))[0])
        assert bool(rows[1, col] < rows[0, col] - 1e-6) is longer_is_lower
        if not longer_is_lower:
            assert rows[1, col] == pytest.approx(rows[0, col])


def test_query_rows_are_log_tf_over_the_query_cap() -> None:
    counts, _ = _counts(["水稻 水稻 技术", "生猪 技术"])
    params = Bm25Params(k1=2.0, alpha=0.5)
    weighter = Bm25Weighter(params=params).fit(counts)
    query = weighter.transform(counts[:1])
    assert weighter.idf_ is not None
    cols = query.indices
    raw = counts[:1]
    log_tf = 1 + np.log(raw.data)
    cap = float((log_tf * weighter.idf_[weighter.space.lookup(raw.indices)]).sum()) * (params.k1 + 1)
    assert sorted(query.data) == pytest.approx(sorted(log_tf / cap**0.5), rel=1e-5)
    assert cols.size == raw.nnz


def test_column_space_is_as_wide_as_the_terms_seen() -> None:
    counts, _ = _counts(["水稻 技术", "生猪 技术"])
    weighter = Bm25Weighter().fit(counts)
    assert weighter.space.n_cols == len(set(counts.indices.tolist()))
    assert weighter.transform(counts).shape == (2, weighter.space.n_cols)


@pytest.mark.parametrize("size", [10, 100_000])  # below and past where new ids are found by a presence mask
def test_column_space_numbers_new_ids_in_increasing_order_once(size: int) -> None:
    rng = np.random.default_rng(5)
    ids = rng.integers(0, features.N_COLS, size=size).astype(np.int32)
    space = features.ColumnSpace()
    fresh = space.add(ids)
    assert fresh.tolist() == sorted(set(ids.tolist()))
    assert space.lookup(ids).tolist() == np.searchsorted(fresh, ids).tolist()
    assert space.add(ids).size == 0  # nothing new the second time
    assert space.n_cols == fresh.size


def test_unseen_query_terms_count_in_the_cap_then_drop_out() -> None:
    counts, _ = _counts(["水稻", "水稻 果树", "水稻"])
    weighter = Bm25Weighter().fit(counts[:1])
    query = weighter.transform(counts[1:2])
    alone = weighter.transform(counts[2:3])
    assert query.shape[1] == weighter.space.n_cols
    # only the rice terms survive, each weighing less than in a query of rice alone: the unseen terms raised the cap
    assert query.nnz == alone.nnz == counts[:1].nnz
    assert (query.toarray() < alone.toarray() - 1e-6).sum() == alone.nnz


def test_stored_rows_grow_the_space_with_unseen_idf() -> None:
    counts, _ = _counts(["水稻", "果树"])
    weighter = Bm25Weighter().fit(counts[:1])
    width = weighter.space.n_cols
    stored = weighter.transform(counts[1:], grow=True)
    assert weighter.space.n_cols > width
    assert stored.nnz == counts[1:].nnz
    assert weighter.idf_ is not None
    assert weighter.idf_[width:] == pytest.approx(np.full(weighter.space.n_cols - width, weighter.unseen_idf()))


def test_transform_before_fit_fails() -> None:
    counts, _ = _counts(["水稻"])
    with pytest.raises(RuntimeError):
        Bm25Weighter().transform(counts)


TEXTS = [
    "水稻栽培技术",
    "rice farming networks",
    "生猪养殖，疫病防控",
    "",
    "果树 栽培 技术 培训",
    "臺灣\x1e水稻\n病蟲害",
]


def _one_by_one(texts: list[str], lengths: list[int]) -> sp.csr_matrix:
    """Each owner counted in a call of its own: no separators between owners, no shared block."""
    vocab = Vocabulary()
    rows, at = [], 0
    for n in lengths:
        rows.append(count_batch(texts[at : at + n], np.array([n]), vocab))
        at += n
    return sp.vstack(rows, format="csr") if rows else count_batch([], np.zeros(0, dtype=np.int64), vocab)


@pytest.mark.parametrize("block_chars", [1, 8, 2_000_000])
def test_counting_in_blocks_counts_as_owner_by_owner(block_chars: int) -> None:
    lengths = [1, 2, 0, 1, 2]
    whole = count_batch(TEXTS, np.array(lengths), Vocabulary(), block_chars=block_chars)
    assert whole.shape[0] == len(lengths)
    assert (whole != _one_by_one(TEXTS, lengths)).nnz == 0


def test_owner_rows_are_their_texts_summed() -> None:
    vocab = Vocabulary()  # one vocabulary, so that both count the same word in the same column
    owners = count_batch(TEXTS, np.array([2, 0, 4]), vocab)
    texts = count_batch(TEXTS, np.ones(len(TEXTS), dtype=np.int64), vocab)
    assert (owners[0] != texts[0] + texts[1]).nnz == 0
    assert owners[1].nnz == 0
    assert (owners[2] != texts[2] + texts[3] + texts[4] + texts[5]).nnz == 0


def test_lengths_must_cover_the_texts() -> None:
    with pytest.raises(ValueError, match="lengths"):
        count_batch(TEXTS, np.array([1, 1]), Vocabulary())


def test_a_batch_still_counts_right_if_the_separator_were_merged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner-by-owner fallback: should jieba-rs ever swallow the separator, counts stay right."""
    real = textmod.cut_normalized
    monkeypatch.setattr(textmod, "cut_normalized", lambda text: [t for t in real(text) if t != "\x1e"])
    lengths = [1, 2, 0, 1, 2]
    assert (count_batch(TEXTS, np.array(lengths), Vocabulary()) != _one_by_one(TEXTS, lengths)).nnz == 0


_piece = st.text(alphabet=st.sampled_from(list("水稻栽培臺灣病蟲害技术 ，。\n\x1eabc AI-5g１２")), max_size=12)


@given(st.lists(st.lists(_piece, max_size=3), max_size=6))
@settings(max_examples=60, deadline=None)
def test_batched_counts_equal_owner_by_owner_counts(owners: list[list[str]]) -> None:
    texts = [t for owner in owners for t in owner]
    lengths = [len(owner) for owner in owners]
    batched = count_batch(texts, np.array(lengths, dtype=np.int64), Vocabulary())
    assert (batched != _one_by_one(texts, lengths)).nnz == 0


@given(st.lists(_piece, max_size=8))
@settings(max_examples=60, deadline=None)
def test_counts_are_each_texts_words_and_characters(texts: list[str]) -> None:
    """Against a reference made text by text with Counter: each match word, each CJK character and each pair of
    adjacent CJK characters counted, each row's columns in increasing order."""
    counts, vocab = _counts(texts)
    for i, sample in enumerate(texts):
        row = counts[i]
        assert row.indices.tolist() == sorted(set(row.indices.tolist()))
        normalized = textmod.normalize(sample)
        found_words = {
            vocab.word_at(int(c)): int(v) for c, v in zip(row.indices, row.data, strict=True) if c >= WORD_BASE
        }
        assert found_words == Counter(textmod.words(normalized))
        found_chars = {chr(CJK_FIRST + int(c)): int(v) for c, v in zip(row.indices, row.data, strict=True) if c < UNI}
        assert found_chars == Counter(ch for run in textmod.char_runs(normalized) for ch in run)
        pairs = [run[k : k + 2] for run in textmod.char_runs(normalized) for k in range(len(run) - 1)]
        found_pairs = {int(c): int(v) for c, v in zip(row.indices, row.data, strict=True) if UNI <= c < WORD_BASE}
        assert found_pairs == Counter(bigram_columns(pairs).tolist())


@pytest.mark.parametrize("stored", [True, False])
def test_weighting_in_place_equals_transform(stored: bool) -> None:
    counts, _ = _counts(["水稻 技术 水稻", "生猪 技术", "", "果树 技术 培训"])
    expected = Bm25Weighter().fit(counts).transform(counts, stored=stored)
    weighter = Bm25Weighter().fit(counts)
    compact = weighter.space.compact_inplace(counts.copy())
    weighed = weighter.transform_inplace(compact, stored=stored, block_rows=2)
    assert weighed.shape == expected.shape
    assert abs(weighed - expected).max() < 1e-6


def test_half_weights_are_the_float32_weights_rounded_and_replace_uint16_counts_in_place() -> None:
    counts, _ = _counts(["水稻 技术 水稻", "生猪 技术", "", "果树 技术 培训"])
    weighter = Bm25Weighter().fit(counts)
    compact = weighter.space.compact_inplace(counts.copy())
    full = weighter.transform_inplace(compact.copy(), block_rows=2)
    as_counts = sp.csr_matrix((compact.data.astype(np.uint16), compact.indices, compact.indptr), shape=compact.shape)
    for source in (compact.copy(), as_counts):
        half = weighter.transform_inplace(source, block_rows=2, half=True)
        assert half.data.dtype == np.uint16
        assert half.data.view(np.float16).tolist() == full.data.astype(np.float16).tolist()
        assert np.shares_memory(half.indices, source.indices)
    assert np.shares_memory(half.data, as_counts.data)  # uint16 counts are overwritten: no second array


def test_a_query_vocabulary_numbers_new_words_apart_without_growing_its_base(monkeypatch: pytest.MonkeyPatch) -> None:
    base = Vocabulary()
    known = base.id_of("水稻")
    view = QueryVocabulary(base)
    assert view.id_of("水稻") == known
    fresh = [view.id_of(w) for w in ("蘑菇", "菌种", "蘑菇")]
    assert fresh[0] == fresh[2] != fresh[1]
    assert min(fresh) >= WORD_BASE + len(base.words)
    assert base.words == ["水稻"]
    assert "蘑菇" not in base.ids
    # past the word columns, new words are hashed into them as the base would hash them
    monkeypatch.setattr(features, "WORDS", 2)
    full = QueryVocabulary(base)
    assert full.id_of("菌种") == WORD_BASE + 1
    assert WORD_BASE <= full.id_of("选育") < WORD_BASE + 2
