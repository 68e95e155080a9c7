"""Topic vectors: the word2vec reader, and what the topic part adds to a pair's score."""

from __future__ import annotations

import dataclasses
import logging
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from matching import ExpertProfile, MatchEngine, MatchSettings, NeedText, topics
from matching.text import normalize, words
from matching.topics import read_word2vec, shipped_word_vectors

# 水稻种植 shares no character with 小麦栽培 or 桥梁抗震加固, but rice growing is wheat growing's neighbour
WHEAT = ExpertProfile("wheat", "小麦栽培")
BRIDGE = ExpertProfile("bridge", "桥梁抗震加固")
RICE = NeedText("rice", "水稻种植")


def _write_word2vec(path: Path, entries: list[tuple[str, list[float]]], dims: int, breaks: bool) -> None:
    with path.open("wb") as fh:
        fh.write(f"{len(entries)} {dims}\n".encode())
        for word, values in entries:
            fh.write(word.encode() + b" " + struct.pack(f"<{dims}f", *values) + (b"\n" if breaks else b""))


@pytest.mark.parametrize("breaks", [True, False])
def test_the_reader_takes_the_word2vec_binary_format(tmp_path: Path, breaks: bool) -> None:
    path = tmp_path / "words.vector"
    entries = [("水稻", [3.0, 4.0]), ("rice", [0.0, 2.0]), ("水稻", [1.0, 0.0]), ("空", [0.0, 0.0])]
    _write_word2vec(path, entries, 2, breaks)
    vectors = read_word2vec(path)
    assert vectors.dimensions == 2
    assert sorted(vectors.index) == ["rice", "水稻", "空"]
    assert vectors.matrix[vectors.index["水稻"]] == pytest.approx([0.6, 0.8])  # the first entry wins, unit length
    assert vectors.matrix[vectors.index["rice"]] == pytest.approx([0.0, 1.0])
    assert vectors.matrix[vectors.index["空"]] == pytest.approx([0.0, 0.0])  # a zero vector stays zero


def test_the_shipped_vectors_relate_words_of_one_field() -> None:
    vectors = shipped_word_vectors()
    assert vectors is not None
    assert vectors.dimensions == 100
    assert len(vectors.index) > 100_000

    def cosine(a: str, b: str) -> float:
        return float(vectors.matrix[vectors.index[a]] @ vectors.matrix[vectors.index[b]])

    assert cosine("水稻", "小麦") > cosine("水稻", "桥梁") + 0.3
    assert cosine("针灸", "中医") > cosine("针灸", "桥梁") + 0.3


def test_a_related_expert_without_a_shared_word_is_found_through_the_topic() -> None:
    matches = MatchEngine().fit([BRIDGE, WHEAT], [RICE]).experts_for(RICE, k=0)
    assert [m.expert_id for m in matches] == ["wheat", "bridge"]
    assert matches[0].reasons.text_score > matches[1].reasons.text_score
    assert matches[0].reasons.shared_terms == ()  # no term is shared: the topic alone
    words_only = MatchEngine(MatchSettings(topic_weight=0.0)).fit([BRIDGE, WHEAT], [RICE])
    assert {m.reasons.text_score for m in words_only.experts_for(RICE, k=0)} == {0.0}


def test_the_topic_part_grows_with_the_needs_words_that_have_a_vector() -> None:
    def topic_raw(half_words: float) -> float:
        settings = MatchSettings(topic_half_words=half_words, background_weight=0.0)
        (match,) = MatchEngine(settings).fit([BRIDGE, WHEAT], [RICE]).experts_for(RICE, k=1)
        text = match.reasons.text_score
        return text / (1 - text)  # the raw sum behind the bounded text score

    # 水稻种植 is two words with a vector: with half_words 20 the topic counts 2 / (2 + 20) of what it counts with 0
    assert topic_raw(20.0) / topic_raw(0.0) == pytest.approx(2 / 22, rel=1e-4)
    assert topic_raw(0.0) < MatchSettings().topic_weight  # a cosine below one


def test_an_edited_experts_topic_is_seen_by_the_next_query() -> None:
    engine = MatchEngine().fit([BRIDGE, ExpertProfile("x", "城市规划")], [RICE])
    before = {m.expert_id: m.reasons.text_score for m in engine.experts_for(RICE, k=0)}
    engine.upsert_expert(ExpertProfile("x", "小麦栽培"))
    after = {m.expert_id: m.reasons.text_score for m in engine.experts_for(RICE, k=0)}
    assert after["x"] > before["x"]
    assert after["bridge"] == before["bridge"]
    assert engine.needs_for("x", k=1)[0].reasons.text_score == pytest.approx(after["x"], rel=1e-5)


def test_a_need_added_later_gets_its_topic_too() -> None:
    engine = MatchEngine().fit([BRIDGE, WHEAT])
    engine.upsert_need(RICE)
    (match,) = engine.needs_for("wheat", k=1)
    assert match.need_id == "rice"
    assert match.reasons.text_score > 0
    assert engine.experts_for(RICE, k=1)[0].reasons.text_score == pytest.approx(match.reasons.text_score, rel=1e-5)


def test_an_added_row_gets_the_topic_vector_a_fit_makes_of_it_to_the_bit() -> None:
    experts = [ExpertProfile(x, "柑橘黄龙病防控", ("柑橘苗木繁育", "果树栽培与病虫害防治")) for x in ("a", "b", "c")]
    engine = MatchEngine().fit(experts, [RICE])
    stored = engine._topics
    assert stored is not None
    engine.upsert_expert(dataclasses.replace(experts[0], id="d"))
    engine.upsert_need(NeedText("rice-again", RICE.text))
    fitted, added = stored.experts.rows(np.array([0, 3]))
    assert np.array_equal(fitted, added)  # one row or three: the same sums in the same order
    assert np.array_equal(*stored.needs.rows(np.array([0, 1])))
    # a live query's vector is a BLAS product of its few words' vectors: the same to float32 rounding
    ids = engine.weighter_.space.global_ids()
    row = engine._needs_rows.rows(np.arange(1))
    live, _ = stored.sums(row, ids, engine.weighter_.idf_at, stored=False)
    kept, _ = stored.sums(row, ids, engine.weighter_.idf_at)
    assert live == pytest.approx(kept, rel=1e-5, abs=1e-6)


@pytest.fixture
def no_vectors(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(topics, "word_vectors_path", lambda: None)
    shipped_word_vectors.cache_clear()
    yield
    shipped_word_vectors.cache_clear()


def test_without_the_vectors_package_the_engine_matches_on_words(
    no_vectors: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="matching.topics"):
        engine = MatchEngine().fit([BRIDGE, WHEAT], [RICE])
    assert "topic similarity is off" in caplog.text
    assert {m.reasons.text_score for m in engine.experts_for(RICE, k=0)} == {0.0}
    plain = MatchEngine(MatchSettings(topic_weight=0.0)).fit([BRIDGE, WHEAT], [RICE])
    need = NeedText("n", "小麦栽培技术")
    assert [m.score for m in engine.experts_for(need, k=0)] == [m.score for m in plain.experts_for(need, k=0)]


def test_topic_vectors_are_centred_unit_vectors() -> None:
    engine = MatchEngine().fit([BRIDGE, WHEAT], [RICE])
    stored = engine._topics
    assert stored is not None
    rows = stored.experts.rows(np.arange(2))
    assert np.linalg.norm(rows, axis=1) == pytest.approx([1.0, 1.0], rel=1e-5)
    index = stored.vectors.index
    with_vector = [len({w for w in words(normalize(e.profile)) if w in index}) for e in (BRIDGE, WHEAT)]
    assert stored.experts.words(np.arange(2)).tolist() == with_vector
    # the mean of the two experts' and the need's unit vectors was taken off, shrunk as if PRIOR_TEXTS more texts
    # had no common direction (a pool of three would otherwise lose the subject they share)
    ids = engine.weighter_.space.global_ids()
    raw, _ = stored.sums(engine._profiles.rows(np.arange(2)), ids)
    need, _ = stored.sums(engine._needs_rows.rows(np.arange(1)), ids, engine.weighter_.idf_at)
    units = np.vstack([raw, need]) / np.linalg.norm(np.vstack([raw, need]), axis=1, keepdims=True)
    assert stored.mean == pytest.approx(units.sum(axis=0) / (3 + topics.PRIOR_TEXTS), abs=1e-6)
    centred = units[:2] - stored.mean
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    assert rows == pytest.approx(centred, abs=1e-5)
    assert float(rows[0] @ rows[1]) < float(units[0] @ units[1])
