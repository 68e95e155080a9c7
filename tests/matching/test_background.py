"""The background and the spread scale: what a need scores with the pool's average expert, taken off the pair's
raw sum, and how widely its raw sums spread over the pool, which scales what is left."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import ExpertProfile, MatchEngine, MatchSettings, NeedText
from matching import engine as engine_module
from matching.engine import FLOOR, SPREAD_SCALE_BOUNDS, bounded, floor, text_score
from matching.topics import TopicVectors, WordVectors
from tests.matching.conftest import EXPERTS, NEEDS

TEXTS = ["水稻病虫害绿色防控", "非洲猪瘟防控培训", "桥梁抗震加固", "高血压社区管理", "ranking models", "乡村振兴"]


def _plain(expert: ExpertProfile) -> ExpertProfile:
    """The expert without fields, district or rating: its score is its text score alone."""
    return dataclasses.replace(expert, fields=(), district=None, rating=None)


def test_the_background_of_the_whole_profile_part_is_the_pools_mean_raw_sum() -> None:
    engine = MatchEngine(MatchSettings(document_weight=0, topic_weight=0.0)).fit(EXPERTS, NEEDS)
    profiles = engine._profiles.float32_rows(np.arange(len(EXPERTS)))
    for text in TEXTS:
        query = engine.vectorize([text])
        raw = (profiles @ query.T).toarray().ravel()
        assert engine._backgrounds(query)[0] == pytest.approx(raw.mean(), rel=1e-5)


def test_over_a_large_pool_the_background_is_the_mean_of_every_kth_expert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BACKGROUND_SAMPLE", 2)  # six experts: every third, the first and the fourth
    engine = MatchEngine(MatchSettings(document_weight=0, topic_weight=0.0)).fit(EXPERTS, NEEDS)
    profiles = engine._profiles.float32_rows(np.array([0, 3]))
    for text in TEXTS:
        query = engine.vectorize([text])
        assert engine._backgrounds(query)[0] == pytest.approx((profiles @ query.T).toarray().mean(), rel=1e-5)


@pytest.mark.parametrize("settings", [MatchSettings(), MatchSettings(document_weight=0, topic_weight=0.0)])
def test_taking_the_background_off_changes_no_order_within_a_need(settings: MatchSettings) -> None:
    pool = [_plain(e) for e in EXPERTS]
    with_it = MatchEngine(settings).fit(pool, NEEDS)
    without = MatchEngine(dataclasses.replace(settings, background_weight=0.0)).fit(pool, NEEDS)
    for text in TEXTS:
        need = NeedText("n", text)
        a = with_it.experts_for(need, k=0)
        b = without.experts_for(need, k=0)
        assert [m.expert_id for m in a] == [m.expert_id for m in b]
        assert [m.score > 0 for m in a] == [m.score > 0 for m in b]  # a pair without evidence still scores 0
        # a clear match scores less by its need's background (below FLOOR, `floor` lifts what is left)
        assert all(x.score <= y.score for x, y in zip(a, b, strict=True) if y.score >= FLOOR)


def test_a_need_every_expert_matches_alike_scores_the_floor_with_each() -> None:
    # no length normalisation, best-text part or topic part: the four experts hold the need's words alike
    settings = MatchSettings(b=0.0, b_words=0.0, document_weight=0, topic_weight=0.0)
    pool = [ExpertProfile(x, f"农业技术推广 {x}") for x in ("水稻", "茶叶", "生猪", "果树")]
    need = NeedText("n", "农业技术推广")
    alike = MatchEngine(settings).fit(pool).experts_for(need, k=0)
    assert [m.reasons.text_score for m in alike] == pytest.approx([FLOOR / 2 / (1 + FLOOR / 2)] * 4, rel=1e-4)
    raw = MatchEngine(dataclasses.replace(settings, background_weight=0.0)).fit(pool).experts_for(need, k=0)
    assert all(m.reasons.text_score > 0.1 for m in raw)


def test_an_expert_ranks_the_need_it_stands_out_for_above_one_everyone_matches() -> None:
    # half of the pool does agricultural extension work; only rice knows rice blast
    generic = "农业技术推广与农民培训服务"
    specialties = [
        ("rice", "水稻栽培", "稻瘟病的发生规律"),
        ("tea", "茶叶种植", "茶树修剪"),
        ("pig", "生猪养殖", "猪瘟"),
    ]
    pool = [ExpertProfile(x, y, (generic, z)) for x, y, z in [*specialties, ("fruit", "果树栽培", "柑橘嫁接")]]
    pool += [ExpertProfile(x, y) for x, y in [("heart", "心血管内科"), ("bridge", "桥梁设计"), ("law", "土地纠纷调解")]]
    pool.append(ExpertProfile("teach", "职业教育"))
    needs = [
        NeedText("everyone", "开展农业技术推广和农民培训服务"),
        NeedText("blast", "水稻稻瘟病发生较重，请指导防治"),
    ]
    with_it = MatchEngine().fit(pool, needs).needs_for("rice", k=2)
    without = MatchEngine(MatchSettings(background_weight=0.0)).fit(pool, needs).needs_for("rice", k=2)
    assert [m.need_id for m in without] == ["everyone", "blast"]
    assert [m.need_id for m in with_it] == ["blast", "everyone"]


@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=1, max_size=50))
def test_floor_is_positive_increasing_and_the_identity_from_floor_up(values: list[float]) -> None:
    x = np.sort(np.array(values, dtype=np.float32))
    y = floor(x)
    assert (y > 0).all()
    assert (np.diff(y) >= 0).all()
    assert (y[x >= FLOOR] == x[x >= FLOOR]).all()
    assert bounded(floor(np.array([FLOOR], dtype=np.float32)))[0] == pytest.approx(FLOOR / (1 + FLOOR))


def test_the_expected_topic_similarity_follows_the_mean_over_experts() -> None:
    rng = np.random.default_rng(7)
    d = 100
    topics = TopicVectors(WordVectors({}, np.zeros((0, d), dtype=np.float32)), lambda _: None)
    # experts clustered around a direction, as a pool's topics are; a fifth of them have no topic (zero rows)
    direction = rng.normal(size=d)
    experts = rng.normal(size=(20_000, d)) + 3 * direction / np.linalg.norm(direction)
    experts /= np.linalg.norm(experts, axis=1, keepdims=True)
    experts[::5] = 0.0
    topics.experts.append(experts.astype(np.float32), np.ones(len(experts), dtype=np.int64))
    topics._fit_spread()
    queries = rng.normal(size=(20, d)) + rng.uniform(0, 6, size=(20, 1)) * direction / np.linalg.norm(direction)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = np.maximum(experts @ queries.T, 0).mean(axis=0)
    assert topics.expected_similarity(queries) == pytest.approx(exact, abs=0.01)
    assert topics.expected_similarity(np.zeros((1, d)))[0] == 0.0


WORDS_ONLY = MatchSettings(document_weight=0, topic_weight=0.0)


def test_a_needs_spread_is_that_of_its_raw_sums_over_the_pool_were_the_columns_independent() -> None:
    engine = MatchEngine(WORDS_ONLY).fit(EXPERTS, NEEDS)
    profiles = engine._profiles.float32_rows(np.arange(len(EXPERTS))).toarray().astype(np.float64)
    variance = profiles.var(axis=0)
    for text in TEXTS:
        query = engine.vectorize([text])
        q = query.toarray().ravel()[: variance.size].astype(np.float64)
        assert engine._spreads(query)[0] == pytest.approx(np.sqrt(q * q @ variance), rel=1e-4)
    # a need of one term: exactly the spread of its raw sums over the pool
    one = engine.vectorize(["ranking"])
    assert one.nnz == 1
    raw = (engine._profiles.float32_rows(np.arange(len(EXPERTS))) @ one.T).toarray().ravel()
    assert engine._spreads(one)[0] == pytest.approx(raw.std(), rel=1e-4)


def test_the_reference_is_the_median_spread_of_the_pools_own_first_texts_read_as_needs() -> None:
    engine = MatchEngine(WORDS_ONLY).fit(EXPERTS, NEEDS)
    firsts = [e.profile or e.documents[0] for e in EXPERTS]
    assert engine._spread_reference == pytest.approx(float(np.median(engine._spreads(engine.vectorize(firsts)))))
    for text in TEXTS:
        query = engine.vectorize([text])
        expected = (engine._spread_reference / engine._spreads(query)[0]) ** 0.5
        assert engine._scales(query)[0] == pytest.approx(np.clip(expected, *SPREAD_SCALE_BOUNDS), rel=1e-5)


def test_a_text_score_is_what_is_left_above_the_background_times_the_spread_scale() -> None:
    pool = [_plain(e) for e in EXPERTS]
    engine = MatchEngine(WORDS_ONLY).fit(pool, NEEDS)
    profiles = engine._profiles.float32_rows(np.arange(len(pool)))
    ids = [e.id for e in pool]
    for text in TEXTS:
        query = engine.vectorize([text])
        raw = (profiles @ query.T).toarray().ravel().astype(np.float32)
        expected = text_score(raw, engine._backgrounds(query)[0], engine._scales(query)[0])
        shown = {m.expert_id: m.reasons.text_score for m in engine.experts_for(NeedText("n", text), k=0)}
        assert [shown[i] for i in ids] == pytest.approx(expected.tolist(), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("settings", [MatchSettings(), WORDS_ONLY])
def test_the_spread_scale_changes_no_order_within_a_need(settings: MatchSettings) -> None:
    pool = [_plain(e) for e in EXPERTS]
    with_it = MatchEngine(settings).fit(pool, NEEDS)
    without = MatchEngine(dataclasses.replace(settings, spread_weight=0.0)).fit(pool, NEEDS)
    assert without._spread_reference == 0.0
    for text in TEXTS:
        need = NeedText("n", text)
        a = with_it.experts_for(need, k=0)
        b = without.experts_for(need, k=0)
        assert [m.expert_id for m in a] == [m.expert_id for m in b]
        assert [m.score > 0 for m in a] == [m.score > 0 for m in b]


def test_the_spread_scale_is_frozen_at_fit_and_bounded() -> None:
    engine = MatchEngine().fit(EXPERTS, NEEDS)
    queries = engine.vectorize(TEXTS)
    scales = engine._scales(queries)
    reference = engine._spread_reference
    engine.upsert_expert(ExpertProfile("new", "水稻病虫害绿色防控与桥梁抗震加固", ("高血压社区管理",)))
    engine.remove_expert(EXPERTS[0].id)
    assert engine._spread_reference == reference
    assert engine._scales(queries).tolist() == scales.tolist()
    # a need added later is scaled as the same text fitted with the pool is
    engine.upsert_need(NeedText("again", NEEDS[0].text))
    assert engine._need_scale[-1] == pytest.approx(engine._need_scale[0], rel=1e-6)
    # however far a need's spread is from the pool's typical one
    engine._spread_reference = 1e6
    assert set(engine._scales(queries).tolist()) == {SPREAD_SCALE_BOUNDS[1]}
    engine._spread_reference = 1e-6
    assert set(engine._scales(queries).tolist()) == {SPREAD_SCALE_BOUNDS[0]}


def test_a_need_added_later_scores_to_the_bit_as_the_same_text_fitted_with_the_pool() -> None:
    # long needs: a product over many columns is where a BLAS dot and SciPy's sparse product round apart
    pool_text = "；".join(e.profile + "；".join(e.documents) for e in EXPERTS)
    needs = [NeedText(f"n{i}", "。".join(TEXTS[i:] + TEXTS[:i]) + "。" + pool_text) for i in range(len(TEXTS))]
    engine = MatchEngine().fit(EXPERTS, needs)
    for need in needs:
        engine.upsert_need(NeedText(need.id + "-again", need.text))
    n = len(needs)
    assert engine._need_background[n:].tolist() == engine._need_background[:n].tolist()
    assert engine._need_scale[n:].tolist() == engine._need_scale[:n].tolist()
    for expert in EXPERTS:
        scores = {m.need_id: m.score for m in engine.needs_for(expert.id, k=2 * n)}
        assert [scores[x.id + "-again"] for x in needs] == [scores[x.id] for x in needs]
