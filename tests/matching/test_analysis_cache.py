"""The analysis cache: rows read back equal rows counted, edits are new keys, old keys and segments go."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import MatchEngine, NeedText
from matching import analysis_cache as cachemod
from matching import text as textmod
from matching.analysis_cache import AnalysisCache, count_with_cache, owner_key
from matching.counting import count_grouped
from matching.features import N_COLS, ColumnSpace, Vocabulary, count_batch
from tests.matching.conftest import EXPERTS, NEEDS

TEXTS = ["水稻栽培技术", "稻田病虫害绿色防控", "rice farming networks", "", "生猪养殖，疫病防控", "果树 栽培 技术 培训"]
LENGTHS = np.array([2, 1, 0, 3])


Counted = tuple[list[float], list[int], list[int], list[str]]


def _counted(texts: list[str], lengths: np.ndarray, cache: AnalysisCache | None) -> Counted:
    """The rows exactly (values, columns, row bounds) and the words in the order the vocabulary numbered them."""
    vocab = Vocabulary()
    counts = count_batch(texts, lengths, vocab) if cache is None else count_with_cache(texts, lengths, vocab, cache)
    assert counts.shape == (lengths.size, N_COLS)
    return counts.data.tolist(), counts.indices.tolist(), counts.indptr.tolist(), vocab.words


def test_rows_read_back_equal_rows_counted(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    expected = _counted(TEXTS, LENGTHS, None)
    assert _counted(TEXTS, LENGTHS, cache) == expected  # filled on the way
    assert len(cache) == 4
    assert _counted(TEXTS, LENGTHS, cache) == expected  # read back
    assert len(list(tmp_path.glob("seg-*.npz"))) == 1


def test_a_vocabulary_that_knows_words_numbers_them_alike_from_the_cache(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    known = ["技术", "防控", "rice"]  # some of TEXTS' words, already numbered, and in another order

    def counted(with_cache: bool) -> tuple[list[int], list[str]]:
        vocab = Vocabulary()
        vocab.word_ids(known)
        counts = count_with_cache(TEXTS, LENGTHS, vocab, cache) if with_cache else count_batch(TEXTS, LENGTHS, vocab)
        return counts.indices.tolist(), vocab.words

    expected = counted(False)
    assert counted(True) == expected  # nothing cached yet
    assert counted(True) == expected  # all cached
    assert len(cache) == 4


def test_partly_cached_batches_keep_their_order(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    _counted(TEXTS[:3], LENGTHS[:2], cache)  # owners 0 and 1 cached
    shuffled = [*TEXTS[3:], *TEXTS[:3]]
    lengths = np.array([3, 2, 1])
    assert _counted(shuffled, lengths, cache) == _counted(shuffled, lengths, None)
    assert len(cache) == 3


def test_an_edited_owner_is_a_new_key(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    _counted(["水稻栽培"], np.array([1]), cache)
    assert owner_key(["水稻栽培"]) != owner_key(["水稻栽培技术"])
    assert owner_key(["水稻", "栽培"]) != owner_key(["水稻栽培"])
    edited = _counted(["水稻栽培技术"], np.array([1]), cache)
    assert edited == _counted(["水稻栽培技术"], np.array([1]), None)
    assert len(cache) == 2


def test_old_keys_and_unreferenced_segments_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachemod, "ORPHAN_SECONDS", -1.0)
    cache = AnalysisCache(tmp_path, max_entries=2)
    _counted(TEXTS[:2], np.array([1, 1]), cache)
    first = {p.name for p in tmp_path.glob("seg-*.npz")}
    _counted(TEXTS[2:5], np.array([1, 1, 1]), cache)
    assert len(cache) == 2
    # every key of the first segment was forgotten, so the segment went with them
    assert not first & {p.name for p in tmp_path.glob("seg-*.npz")}
    assert _counted(TEXTS[:2], np.array([1, 1]), cache) == _counted(TEXTS[:2], np.array([1, 1]), None)


def test_a_lost_segment_is_counted_again(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    expected = _counted(TEXTS, LENGTHS, cache)
    for path in tmp_path.glob("seg-*.npz"):
        path.write_bytes(b"damaged")
    assert _counted(TEXTS, LENGTHS, cache) == expected


@pytest.mark.parametrize("each_text", [False, True])
def test_workers_with_the_cache_count_like_one_process(tmp_path: Path, each_text: bool) -> None:
    def owner_rows(cache: AnalysisCache | None, workers: int) -> tuple[list[float], list[int], list[str], list[int]]:
        vocab, space = Vocabulary(), ColumnSpace()
        grouped = count_grouped(
            TEXTS, LENGTHS, vocab, space, workers=workers, parallel_min_texts=1, cache=cache, each_text=each_text
        )
        ids = space.global_ids()
        texts = [] if grouped.texts is None else ids[grouped.texts.indices].tolist() + grouped.texts.indptr.tolist()
        return grouped.owners.data.tolist(), ids[grouped.owners.indices].tolist(), vocab.words, texts

    expected = owner_rows(None, 1)
    cache = AnalysisCache(tmp_path)
    assert owner_rows(cache, 2) == expected
    assert owner_rows(cache, 2) == expected
    assert owner_rows(cache, 1) == expected


def test_an_engine_fitted_from_the_cache_scores_exactly_alike(tmp_path: Path) -> None:
    plain = MatchEngine().fit(EXPERTS, NEEDS)
    for _ in range(2):  # filling, then reading
        cached = MatchEngine(analysis_cache=AnalysisCache(tmp_path)).fit(EXPERTS, NEEDS)
        for need in [*NEEDS, NeedText("x", "水稻 生猪 桥梁")]:
            assert [(m.expert_id, m.score) for m in cached.experts_for(need, k=0)] == [
                (m.expert_id, m.score) for m in plain.experts_for(need, k=0)
            ]


def test_rows_gathered_from_several_segments_keep_their_order(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    x, y, z = ["水稻栽培技术"], ["生猪养殖，疫病防控"], ["rice farming networks"]
    _counted([*x, *z], np.array([1, 1]), cache)
    _counted(y, np.array([1]), cache)
    assert len(list(tmp_path.glob("seg-*.npz"))) == 2
    for order in ([x, y, z], [y, z, x], [z, x, y]):
        texts = [t for owner in order for t in owner]
        assert _counted(texts, np.array([1, 1, 1]), cache) == _counted(texts, np.array([1, 1, 1]), None)


_piece = st.text(alphabet=st.sampled_from(list("水稻栽培臺灣病蟲害技术 ，。\n\x1eabc AI-5g１２s")), max_size=10)


@given(
    owners=st.lists(st.lists(_piece, max_size=3), min_size=1, max_size=6),
    cached_first=st.lists(st.integers(0, 5), max_size=4),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_cache_state_gives_the_same_rows_and_numbering(
    owners: list[list[str]], cached_first: list[int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever the cache holds beforehand (some of these owners, duplicates included), the rows and the
    vocabulary's numbering are those of counting without it."""
    cache = AnalysisCache(tmp_path_factory.mktemp("cache"))
    earlier = [owners[i % len(owners)] for i in cached_first]
    if earlier:
        _counted([t for o in earlier for t in o], np.array([len(o) for o in earlier]), cache)
    texts = [t for o in owners for t in o]
    lengths = np.array([len(o) for o in owners])
    assert _counted(texts, lengths, cache) == _counted(texts, lengths, None)


def test_the_key_depends_on_the_stop_words(monkeypatch: pytest.MonkeyPatch) -> None:
    before = owner_key(["水稻栽培"])
    cachemod._salt.cache_clear()
    monkeypatch.setattr(textmod, "stop_words", lambda: frozenset({"栽培"}))
    try:
        assert owner_key(["水稻栽培"]) != before
    finally:
        cachemod._salt.cache_clear()
