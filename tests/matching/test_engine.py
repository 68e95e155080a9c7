"""The match engine: ranking, structured signals, reasons, edits, both directions."""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from matching import ExpertProfile, MatchEngine, MatchSettings, NeedText
from matching import engine as engine_module
from matching.engine import title_of
from tests.matching.conftest import EXPERTS, NEEDS, NEIGHBOURS


def test_experts_for_finds_the_topical_expert(engine: MatchEngine) -> None:
    for need, expected in zip(NEEDS, ("rice", "pig", "bridge", "nlp"), strict=True):
        assert engine.experts_for(need, k=3)[0].expert_id == expected


def test_reasons_are_the_same_from_threads_at_once_and_leave_the_column_mask_clear(engine: MatchEngine) -> None:
    def reasons() -> list[list[tuple[str, ...]]]:
        return [[m.reasons.shared_terms for m in engine.experts_for(need, k=0)] for need in NEEDS * 20]

    serial = reasons()
    with ThreadPoolExecutor(4) as pool:
        together = [f.result() for f in [pool.submit(reasons) for _ in range(4)]]
    assert all(t == serial for t in together)
    assert any(terms for terms in serial[0])
    assert not engine_module._column_mask(1).any()  # this thread's mask: every bit set was cleared again


def test_reasons_name_shared_terms_field_and_district(engine: MatchEngine) -> None:
    best = engine.experts_for(NEEDS[0], k=1)[0]
    assert best.reasons.field_match is True
    assert best.reasons.district == "same"
    assert best.reasons.capacity_left == 3
    assert any("防控" in t or "水稻" in t for t in best.reasons.shared_terms)
    assert 0 < best.reasons.text_score <= best.score


def test_neighbouring_district_scores_between_same_and_none() -> None:
    pool = [ExpertProfile(str(d), "水稻栽培", district=d) for d in ("510104", "510105", "510106")]
    engine = MatchEngine(neighbours=NEIGHBOURS).fit(pool)
    matches = engine.experts_for(NeedText("n", "水稻栽培", district="510104"), k=3)
    assert [m.reasons.district for m in matches] == ["same", "neighbour", None]
    assert matches[0].score > matches[1].score > matches[2].score


def test_field_match_is_rewarded_and_labels_are_folded() -> None:
    pool = [ExpertProfile("a", "社会调查", fields=("党史·党建",)), ExpertProfile("b", "社会调查", fields=("法学",))]
    engine = MatchEngine().fit(pool)
    matches = engine.experts_for(NeedText("n", "社会调查", field="党史党建"), k=2)
    assert matches[0].expert_id == "a"
    assert matches[0].reasons.field_match
    assert matches[0].score > matches[1].score


def test_unavailable_and_full_experts_are_left_out() -> None:
    pool = [
        ExpertProfile("busy", "水稻栽培", available=False),
        ExpertProfile("full", "水稻栽培", capacity_left=0),
        ExpertProfile("free", "水稻"),
    ]
    engine = MatchEngine().fit(pool)
    assert [m.expert_id for m in engine.experts_for(NeedText("n", "水稻栽培"), k=5)] == ["free"]
    keep_all = MatchEngine(MatchSettings(exclude_unavailable=False)).fit(pool)
    assert len(keep_all.experts_for(NeedText("n", "水稻栽培"), k=5)) == 3


def test_a_query_may_keep_full_experts_but_never_unavailable_ones() -> None:
    """`skip_full=False`: the caller counts another year's places itself; availability still holds."""
    pool = [
        ExpertProfile("busy", "水稻栽培", available=False),
        ExpertProfile("full", "水稻栽培", capacity_left=0),
        ExpertProfile("free", "水稻"),
    ]
    engine = MatchEngine().fit(pool)
    need = NeedText("n", "水稻栽培")
    assert [m.expert_id for m in engine.experts_for(need, k=5, skip_full=False)] == ["full", "free"]
    pairs = engine.candidate_pairs([need], k=5, skip_full=False)
    assert [m.expert_id for m in pairs] == ["full", "free"]
    assert [m.expert_id for m in engine.candidate_pairs([need], k=5)] == ["free"]
    # the two eligibility sets are kept apart
    assert [m.expert_id for m in engine.experts_for(need, k=5)] == ["free"]


def test_candidate_pairs_exclude_the_named_experts_for_every_need(engine: MatchEngine) -> None:
    pairs = engine.candidate_pairs(NEEDS[:2], k=len(EXPERTS), exclude={"rice"})
    assert {m.need_id for m in pairs} == {n.id for n in NEEDS[:2]}
    assert "rice" not in {m.expert_id for m in pairs}
    assert len(pairs) == 2 * (len(EXPERTS) - 1)


def test_exclude_drops_named_experts(engine: MatchEngine) -> None:
    ids = [m.expert_id for m in engine.experts_for(NEEDS[0], k=10, exclude={"rice"})]
    assert "rice" not in ids
    assert len(ids) == len(EXPERTS) - 1


def test_edit_to_an_expert_changes_the_next_query(engine: MatchEngine) -> None:
    need = NeedText("n", "白酒酿造工艺改进")
    assert engine.experts_for(need, k=1)[0].expert_id != "teach"
    engine.upsert_expert(dataclasses.replace(EXPERTS[4], documents=("白酒酿造工艺与品质控制",)))
    assert engine.experts_for(need, k=1)[0].expert_id == "teach"
    engine.remove_expert("teach")
    assert "teach" not in [m.expert_id for m in engine.experts_for(need, k=10)]


def test_new_expert_is_visible_without_refit(engine: MatchEngine) -> None:
    engine.upsert_expert(ExpertProfile("tea", "茶叶种植与加工", ("高山茶叶种植技术",)))
    assert engine.experts_for(NeedText("n", "茶叶种植技术培训"), k=1)[0].expert_id == "tea"


@pytest.mark.parametrize("document_weight", [1.0, 0.0])
def test_an_expert_without_any_text_is_listed_with_no_text_score(document_weight: float) -> None:
    """Added after the fit with no profile and no documents: no text rows stored (with per-document scores off,
    none at all), yet ranked, with a text score of 0, both ways."""
    engine = MatchEngine(settings=MatchSettings(document_weight=document_weight), neighbours=NEIGHBOURS)
    engine.fit(EXPERTS, NEEDS)
    engine.upsert_expert(ExpertProfile("blank", "", ()))
    ranked = {m.expert_id: m for m in engine.experts_for(NEEDS[0], k=0)}
    assert ranked["blank"].reasons.text_score == 0.0
    assert ranked["blank"].reasons.best_document is None
    assert [m.reasons.text_score for m in engine.needs_for("blank", k=10)] == [0.0] * len(NEEDS)


def test_needs_for_scores_match_experts_for(engine: MatchEngine) -> None:
    for_expert = engine.needs_for("pig", k=2)
    assert for_expert[0].need_id == "n-pig"
    forward = {m.expert_id: m.score for m in engine.experts_for(NEEDS[1], k=0)}
    assert for_expert[0].score == pytest.approx(forward["pig"], abs=1e-5)


def test_upserted_and_removed_needs_change_needs_for(engine: MatchEngine) -> None:
    engine.upsert_need(NeedText("n-heart", "社区高血压患者管理", "临床医学"))
    assert engine.needs_for("heart", k=1)[0].need_id == "n-heart"
    engine.remove_need("n-heart")
    assert "n-heart" not in [m.need_id for m in engine.needs_for("heart", k=10)]


def test_candidate_pairs_give_k_per_need(engine: MatchEngine) -> None:
    pairs = engine.candidate_pairs(NEEDS[:2], k=2)
    assert [(m.need_id) for m in pairs] == ["n-rice", "n-rice", "n-pig", "n-pig"]
    assert pairs[0].expert_id == "rice"


def test_unnamed_candidate_pairs_score_alike_and_shared_terms_name_them_afterwards(engine: MatchEngine) -> None:
    named = engine.candidate_pairs(NEEDS, k=3)
    unnamed = engine.candidate_pairs(NEEDS, k=3, named=False)
    assert [(m.need_id, m.expert_id, m.score) for m in unnamed] == [(m.need_id, m.expert_id, m.score) for m in named]
    assert all(m.reasons.shared_terms == () and m.reasons.best_document is None for m in unnamed)
    assert any(m.reasons.shared_terms for m in named)
    chosen = [(need, [m.expert_id for m in named if m.need_id == need.id] + ["nobody"]) for need in NEEDS]
    afterwards = engine.shared_terms(chosen)
    assert {(need.id, e): t for (need, _), terms in zip(chosen, afterwards, strict=True) for e, t in terms.items()} == {
        (m.need_id, m.expert_id): m.reasons.shared_terms for m in named
    }


def test_pruned_two_stage_path_agrees_with_exhaustive() -> None:
    pool = [ExpertProfile(f"e{i}", f"水稻栽培 技术 第{i}号 专题{i % 7}") for i in range(60)]
    pool.append(ExpertProfile("target", "水稻栽培 病虫害绿色防控 技术"))
    need = NeedText("n", "水稻病虫害绿色防控技术")
    exact = MatchEngine().fit(pool).experts_for(need, k=0)[:5]
    fast = MatchEngine(MatchSettings(candidates=10, prune_min_rows=10, prune_fraction=0.5)).fit(pool)
    assert [m.expert_id for m in fast.experts_for(need, k=5)][0] == exact[0].expert_id == "target"


def test_many_upserts_compact_into_the_main_matrix() -> None:
    engine = MatchEngine(MatchSettings(delta_limit=3)).fit([ExpertProfile("a", "水稻")])
    for i in range(8):
        engine.upsert_expert(ExpertProfile(f"x{i}", f"果树 栽培 {i}"))
    assert engine.n_experts == 9
    assert len(engine.experts_for(NeedText("n", "果树栽培"), k=0)) == 9


def test_unfitted_engine_accepts_upserts() -> None:
    engine = MatchEngine()
    engine.upsert_expert(ExpertProfile("a", "水稻栽培"))
    assert engine.experts_for(NeedText("n", "水稻"), k=1)[0].expert_id == "a"


def test_fit_with_worker_processes_ranks_like_one_process() -> None:
    one = MatchEngine(neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    many = MatchEngine(MatchSettings(parallel_min_texts=1), neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    for need in NEEDS:
        expected = [(m.expert_id, m.score) for m in one.experts_for(need, k=0)]
        got = [(m.expert_id, m.score) for m in many.experts_for(need, k=0)]
        assert [e for e, _ in got] == [e for e, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-6)


def test_more_results_than_candidates_are_all_scored() -> None:
    engine = MatchEngine(MatchSettings(candidates=1), neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    assert len(engine.needs_for("rice", k=3)) == 3
    exhaustive = [m.expert_id for m in engine.experts_for(NEEDS[0], k=0)]
    assert [m.expert_id for m in engine.experts_for(NEEDS[0], k=2)] == exhaustive[:2]


def test_a_longer_profile_with_the_same_matches_scores_lower() -> None:
    pool = [
        ExpertProfile("short", "水稻栽培"),
        ExpertProfile("long", "水稻栽培", ("城市规划 桥梁设计 钢结构施工 混凝土养护",)),
        ExpertProfile("other", "生猪养殖"),
    ]
    matches = MatchEngine().fit(pool).experts_for(NeedText("n", "水稻栽培技术"), k=2)
    assert [m.expert_id for m in matches] == ["short", "long"]
    assert matches[0].score > matches[1].score
    flat_bm25 = MatchSettings(b=0.0, b_words=0.0, topic_weight=0.0)
    flat = MatchEngine(flat_bm25).fit(pool).experts_for(NeedText("n", "水稻栽培技术"), k=2)
    assert flat[0].score == pytest.approx(flat[1].score)


def test_title_terms_count_more_than_body_terms() -> None:
    pool = [ExpertProfile("rice", "水稻栽培"), ExpertProfile("fruit", "果树修剪")]
    engine = MatchEngine().fit(pool)
    assert engine.experts_for(NeedText("n", "水稻栽培。果树修剪"), k=1)[0].expert_id == "rice"
    assert engine.experts_for(NeedText("n", "果树修剪。水稻栽培"), k=1)[0].expert_id == "fruit"
    english = MatchEngine().fit([ExpertProfile("rice", "rice growing"), ExpertProfile("fruit", "fruit pruning")])
    assert english.experts_for(NeedText("n", "Rice growing. Fruit pruning"), k=1)[0].expert_id == "rice"
    assert english.experts_for(NeedText("n", "Fruit pruning? Rice growing"), k=1)[0].expert_id == "fruit"
    assert title_of("Version 2.0 of the model. It works") == "Version 2.0 of the model."
    untitled = MatchEngine(MatchSettings(title_weight=0, topic_weight=0.0)).fit(pool)
    scores = [m.score for m in untitled.experts_for(NeedText("n", "水稻栽培。果树修剪"), k=2)]
    assert scores[0] == pytest.approx(scores[1])


def test_terms_the_need_lacks_add_nothing() -> None:
    pool = [ExpertProfile("a", "水稻栽培"), ExpertProfile("b", "水稻栽培 生猪"), ExpertProfile("c", "桥梁设计")]
    # b = 0: no length normalisation and no topic part, so only the shared terms decide the score
    bm25 = MatchSettings(b=0.0, b_words=0.0, topic_weight=0.0)
    matches = MatchEngine(bm25).fit(pool).experts_for(NeedText("n", "水稻栽培"), k=0)
    by_id = {m.expert_id: m.reasons.text_score for m in matches}
    assert by_id["a"] == pytest.approx(by_id["b"])
    assert by_id["c"] == 0.0


def test_scores_are_absolute_whatever_else_is_ranked(engine: MatchEngine) -> None:
    alone = {m.expert_id: m.score for m in engine.candidate_pairs(NEEDS[:1], k=3)}
    together = {m.expert_id: m.score for m in engine.candidate_pairs(NEEDS, k=3) if m.need_id == NEEDS[0].id}
    assert together == pytest.approx(alone)
    batched = dict(next(iter(engine.rank_many([NEEDS[0], NEEDS[2]], k=3)))[1])
    assert batched == pytest.approx(alone)


def test_english_text_ranks_and_other_scripts_score_zero() -> None:
    pool = [
        ExpertProfile("nlp", "", ("Neural machine translation with attention", "Statistical parsing of sentences")),
        ExpertProfile("bio", "Protein folding and molecular dynamics", ("Simulations of protein structures",)),
        ExpertProfile("opt", "", ("Convex optimization algorithms", "Stochastic gradient methods")),
    ]
    engine = MatchEngine().fit(pool)
    cases = {"Attention models for translation": "nlp", "Molecular dynamics of folding proteins": "bio"}
    for text, expected in cases.items():
        assert engine.experts_for(NeedText("n", text), k=1)[0].expert_id == expected
    assert {m.score for m in engine.experts_for(NeedText("n", "机器翻译的注意力模型"), k=0)} == {0.0}


def test_queries_leave_the_vocabulary_alone_and_still_count_unseen_words(engine: MatchEngine) -> None:
    words_before = list(engine.vocab_.words)
    need = NeedText("n", "水稻病虫害防控与蘑菇菌种选育")  # 蘑菇, 菌种, 选育: no expert or need has them
    scores = [(m.expert_id, m.score) for m in engine.experts_for(need, k=0)]
    assert engine.vocab_.words == words_before
    # scored as if the shared vocabulary knew the unseen words (they still count in the need's cap)
    for word in ("蘑菇", "菌种", "选育"):
        engine.vocab_.id_of(word)
    assert [(m.expert_id, m.score) for m in engine.experts_for(need, k=0)] == scores
    assert 0 < scores[0][1] < engine.experts_for(NeedText("n", "水稻病虫害防控"), k=1)[0].score


def test_stored_needs_join_the_vocabulary(engine: MatchEngine) -> None:
    engine.upsert_need(NeedText("n-mushroom", "蘑菇菌种选育"))
    assert "菌种" in engine.vocab_.ids


def _batch(n: int) -> list[NeedText]:
    return [dataclasses.replace(need, id=f"{need.id}-{i}") for i in range(n // len(NEEDS)) for need in NEEDS]


def test_a_forked_batch_ranks_exactly_like_one_process() -> None:
    batch = [*_batch(80), NeedText("n-tea", "茶园病虫害绿色防控")]
    one = MatchEngine(MatchSettings(rank_workers=1), neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    forked = MatchEngine(MatchSettings(parallel_min_needs=2), neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    forked.upsert_expert(ExpertProfile("tea", "茶叶种植", ("高山茶园病虫害绿色防控",)))  # a row the workers score
    one.upsert_expert(ExpertProfile("tea", "茶叶种植", ("高山茶园病虫害绿色防控",)))
    results = forked.rank_many(batch, 3, chunk=8)
    got = [next(results) for _ in range(9)]  # past the first chunk, which the parent ranks itself
    assert engine_module._forked_batch is not None  # the rest is in the workers' hands
    got += list(results)
    assert engine_module._forked_batch is None
    assert [(n.id, r) for n, r in got] == [(n.id, r) for n, r in one.rank_many(batch, 3, chunk=8)]
    assert got[-1][1][0][0] == "tea"


def test_a_forked_batch_stopped_early_lets_its_workers_go() -> None:
    forked = MatchEngine(MatchSettings(parallel_min_needs=2)).fit(EXPERTS, NEEDS)
    results = forked.rank_many(_batch(80), 3, chunk=8)
    assert len([next(results) for _ in range(10)]) == 10
    results.close()
    assert engine_module._forked_batch is None


def test_every_expert_ranked_stays_in_one_process() -> None:
    forked = MatchEngine(MatchSettings(parallel_min_needs=2)).fit(EXPERTS, NEEDS)
    results = forked.rank_many(_batch(80), 0, chunk=8)
    assert len([next(results) for _ in range(9)][-1][1]) == len(EXPERTS)
    assert engine_module._forked_batch is None  # k = 0 would send whole rankings back: kept in this process


def test_text_scores_stay_below_one_and_order_needs_as_the_raw_bm25_sum() -> None:
    # whole profiles only, no topic part, background or spread scale, so that the raw sum is one product with the
    # profile row
    settings = MatchSettings(document_weight=0, topic_weight=0.0, background_weight=0.0, spread_weight=0.0)
    engine = MatchEngine(settings, neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    texts = ["水稻", "水稻病虫害绿色防控", "水稻病虫害绿色防控。" * 40, "稻田病虫害绿色防控与水稻高产栽培技术研究"]
    profile = engine._profiles.float32_rows(np.array([engine._expert_slot["rice"]]))
    raw = [float((engine.vectorize([t]) @ profile.T).toarray()[0, 0]) for t in texts]
    shown = [next(m for m in engine.experts_for(NeedText("n", t), k=0) if m.expert_id == "rice") for t in texts]
    assert all(0 < m.reasons.text_score < 1 for m in shown)
    assert max(raw) > 1  # alpha < 1: the raw sum is not bounded
    assert [m.reasons.text_score for m in shown] == pytest.approx([r / (1 + r) for r in raw], rel=1e-5)
    assert np.argsort(raw).tolist() == np.argsort([m.reasons.text_score for m in shown]).tolist()


def _word_engine(pool: list[ExpertProfile], document_weight: float) -> MatchEngine:
    """English words only, no length normalisation, no topic part, background or spread scale, so that BM25 weights
    are easy to compute by hand."""
    settings = MatchSettings(
        b=0.0,
        b_words=0.0,
        document_weight=document_weight,
        topic_weight=0.0,
        background_weight=0.0,
        spread_weight=0.0,
    )
    return MatchEngine(settings).fit(pool)


def test_the_best_matching_text_adds_its_own_score_to_the_whole_profile() -> None:
    pool = [ExpertProfile("x", "", ("alpha beta", "gamma")), ExpertProfile("y", "", ("delta",))]
    pool.append(ExpertProfile("z", "", ("beta",)))
    need = NeedText("n", "alpha gamma")  # its own title: each word counted twice
    k1, alpha = 2.0, MatchSettings().alpha
    idf = math.log1p((3 - 1 + 0.5) / (1 + 0.5))  # alpha and gamma: one expert of three each
    q = (1 + math.log(2)) / (2 * (1 + math.log(2)) * idf * (k1 + 1)) ** alpha  # query weight over cap^alpha
    whole = 2 * q * idf  # tf 1 and b 0: each held term weighs idf
    best_text = q * idf  # each of x's texts holds one of the two terms
    for weight in (0.0, 1.0, 2.5):
        (top,) = _word_engine(pool, weight).experts_for(need, k=1)
        raw = whole + weight * best_text
        assert top.expert_id == "x"
        assert top.reasons.text_score == pytest.approx(raw / (1 + raw), rel=1e-4)  # texts' weights: float16


def test_one_text_holding_the_need_beats_the_same_words_split_over_two() -> None:
    together = ExpertProfile("together", "", ("alpha gamma", "beta"))
    split = ExpertProfile("split", "", ("alpha beta", "gamma"))
    need = NeedText("n", "alpha gamma")
    whole_only = _word_engine([split, together], 0.0).experts_for(need, k=2)
    assert whole_only[0].score == whole_only[1].score  # the same words in all: a tie
    ranked = _word_engine([split, together], 1.0).experts_for(need, k=2)
    assert [m.expert_id for m in ranked] == ["together", "split"]
    assert ranked[0].score > ranked[1].score


def test_an_edited_experts_texts_are_scored_one_by_one_at_once() -> None:
    pool = [ExpertProfile("x", "", ("alpha beta", "gamma")), ExpertProfile("y", "", ("delta",))]
    engine = _word_engine(pool, 1.0)
    need = NeedText("n", "alpha gamma")
    before = engine.experts_for(need, k=1)[0].score
    engine.upsert_expert(ExpertProfile("x", "", ("alpha gamma", "beta")))
    after = engine.experts_for(need, k=1)[0]
    assert after.expert_id == "x"
    assert after.score > before  # one text now holds both terms
    fresh = _word_engine([ExpertProfile("x", "", ("alpha gamma", "beta")), pool[1]], 1.0)
    assert after.score == pytest.approx(fresh.experts_for(need, k=1)[0].score, rel=1e-5)


def test_reasons_name_the_document_that_matched_best() -> None:
    expert = ExpertProfile("x", "稻田养殖专家", ("", "桥梁抗震加固设计", "水稻病虫害绿色防控技术"))
    pool = [expert, ExpertProfile("y", "乡村教师", ("职业教育",))]
    engine = MatchEngine().fit(pool)
    rice = NeedText("rice", "水稻病虫害防控")
    (match,) = engine.experts_for(rice, k=1)
    assert match.reasons.best_document == 2  # an index into the expert's own documents, the empty one counted
    assert engine.experts_for(NeedText("bridge", "桥梁加固"), k=1)[0].reasons.best_document == 1
    assert engine.experts_for(NeedText("farm", "养殖专家"), k=1)[0].reasons.best_document is None  # the profile
    engine.upsert_need(rice)
    assert engine.needs_for("x", k=1)[0].reasons.best_document == 2
    assert engine.candidate_pairs([rice], k=1)[0].reasons.best_document == 2
    whole_only = MatchEngine(MatchSettings(document_weight=0)).fit(pool)
    assert whole_only.experts_for(rice, k=1)[0].reasons.best_document is None


def test_shared_terms_are_the_needs_words_the_expert_holds_rarest_first() -> None:
    pool = [
        ExpertProfile("x", "猕猴桃栽培与果园修剪", ("果园病虫害防控技术",)),
        *(ExpertProfile(f"o{i}", "果园修剪", (f"第{i}号果园",)) for i in range(5)),
    ]
    engine = MatchEngine().fit(pool)
    need = NeedText("n", "猕猴桃果园病虫害防控，需要果园修剪指导")
    (match,) = engine.experts_for(need, k=1)
    assert match.expert_id == "x"
    terms = match.reasons.shared_terms
    assert set(terms) == {"猕猴桃", "病虫害", "防控", "果园", "修剪"}
    # 果园 and 修剪 are in every profile: the rarer words come first
    assert set(terms[:3]) == {"猕猴桃", "病虫害", "防控"}
    assert "指导" not in terms  # only in the need
    assert "栽培" not in terms  # only in the expert
    two = MatchEngine(MatchSettings(shared_terms=2)).fit(pool).experts_for(need, k=1)[0]
    assert len(two.reasons.shared_terms) == 2


def test_shared_terms_fall_back_to_character_pairs_and_follow_edits() -> None:
    # 犇骉 is no dictionary word: it matches as a character pair, and the need's other pairs do not show
    engine = MatchEngine().fit([ExpertProfile("x", "犇骉饲养"), ExpertProfile("y", "乡村教育")])
    (match,) = engine.experts_for(NeedText("n", "犇骉"), k=1)
    assert match.expert_id == "x"
    assert match.reasons.shared_terms == ("犇骉",)
    engine.upsert_expert(ExpertProfile("x", "bridge design and seismic retrofit"))
    (edited,) = engine.experts_for(NeedText("n", "seismic retrofit of a rural bridge"), k=1)
    assert edited.expert_id == "x"
    assert set(edited.reasons.shared_terms) == {"seismic", "retrofit", "bridge"}
    assert engine.experts_for(NeedText("n", "犇骉"), k=1)[0].reasons.shared_terms == ()


def test_shared_terms_name_no_fragment_of_two_words() -> None:
    # 综合|防治 and 溃疡病|综合 hold the pairs 合防 and 病综, which the expert's 综合防控 and 溃疡病综合 also
    # hold: they score, but are no terms a person would read as a reason
    engine = MatchEngine().fit(
        [ExpertProfile("x", "猕猴桃栽培与病虫害防治，溃疡病综合防控"), ExpertProfile("y", "乡村教育")]
    )
    (match,) = engine.experts_for(NeedText("n", "猕猴桃溃疡病综合防治技术指导"), k=1)
    assert match.expert_id == "x"
    assert set(match.reasons.shared_terms) == {"猕猴桃", "溃疡病", "防治"}  # 综合 is a word of general Chinese


def test_shared_terms_name_no_term_most_of_the_pool_holds() -> None:
    pool = [
        ExpertProfile("x", "开展猕猴桃溃疡病防治技术服务"),
        *(ExpertProfile(f"o{i}", f"开展第{i}类作物技术服务") for i in range(30)),
    ]
    engine = MatchEngine().fit(pool)
    (match,) = engine.experts_for(NeedText("n", "开展猕猴桃溃疡病防治技术服务"), k=1)
    assert match.expert_id == "x"
    assert set(match.reasons.shared_terms) == {"猕猴桃", "溃疡病", "防治"}
    # the score still counts them: a need of only common words still finds experts, and names no term
    (common,) = engine.experts_for(NeedText("n", "开展技术服务"), k=1)
    assert common.score > 0
    assert common.reasons.shared_terms == ()
    # with every term allowed, they are named again
    everything = MatchEngine(MatchSettings(common_term_share=1.0, generic_word_ppm=0)).fit(pool)
    assert "开展" in everything.experts_for(NeedText("n", "开展猕猴桃溃疡病防治技术服务"), k=1)[0].reasons.shared_terms


def test_shared_terms_name_no_word_of_general_chinese() -> None:
    # a pool too small for `common_term_share`: 管理 and 人员 are said 450 and 330 times a million words of general
    # Chinese (jieba's dictionary), 操作 and 培训 60-80 times
    pool = [ExpertProfile("x", "高危孕产妇分级管理，培训基层人员规范操作"), ExpertProfile("y", "乡村教育")]
    need = NeedText("n", "高危孕产妇管理，培训人员操作")
    (match,) = MatchEngine().fit(pool).experts_for(need, k=1)
    assert match.expert_id == "x"
    assert set(match.reasons.shared_terms) == {"孕产妇", "高危", "培训", "操作"}
    # nor as character pairs, when the words fall short of `shared_terms`
    (few,) = MatchEngine(MatchSettings(shared_terms=9)).fit(pool).experts_for(need, k=1)
    assert not {"管理", "人员"} & set(few.reasons.shared_terms)
    # the score still counts them, and with the setting off they are named
    everything = MatchEngine(MatchSettings(generic_word_ppm=0, shared_terms=9)).fit(pool).experts_for(need, k=1)[0]
    assert everything.score == match.score
    assert {"管理", "人员"} <= set(everything.reasons.shared_terms)


def test_a_longer_shared_word_stands_for_the_words_it_contains() -> None:
    assert engine_module._key_words(["合理", "抗菌", "合理用药", "药物"], 5) == ["合理用药", "抗菌", "药物"]
    assert engine_module._key_words(["合理用药", "合理", "用药", "抗菌"], 2) == ["合理用药", "抗菌"]
    assert engine_module._key_words(["理用", "合理", "合理用药", "抗菌"], 5) == ["合理用药", "抗菌"]
    assert engine_module._key_words(["a", "b", "c"], 2) == ["a", "b"]


def test_shared_terms_are_the_same_in_both_directions(engine: MatchEngine) -> None:
    engine.upsert_need(NEEDS[0])
    forward = {m.expert_id: m.reasons.shared_terms for m in engine.experts_for(NEEDS[0], k=0)}
    for match in engine.needs_for("rice", k=5):
        if match.need_id == NEEDS[0].id:
            assert match.reasons.shared_terms == forward["rice"]


def test_needs_for_scores_every_need_as_experts_for_does() -> None:
    engine = MatchEngine(neighbours=NEIGHBOURS).fit(EXPERTS, NEEDS)
    texts = ["水稻病虫害绿色防控", "非洲猪瘟防控培训", "桥梁抗震加固", "高血压社区管理", "产教融合", "text ranking"]
    districts = [None, "510104", "510105", "510106", "510107"]
    fields = [None, "作物学", "畜牧学", "临床医学", "教育学", "土木工程"]
    extra = [NeedText(f"m{i:02d}", texts[i % 6], fields[(i // 2) % 6], districts[(i // 3) % 5]) for i in range(36)]
    for need in extra:
        engine.upsert_need(need)
    everything = [*NEEDS, *extra]
    for expert in EXPERTS:
        forward = [
            (m.score, need.id) for need in everything for m in engine.experts_for(need, k=0) if m.expert_id == expert.id
        ]
        expected = sorted(forward, key=lambda t: (-t[0], t[1]))[:12]
        got = engine.needs_for(expert.id, k=12)
        assert [m.need_id for m in got] == [need_id for _, need_id in expected]
        assert [m.score for m in got] == pytest.approx([score for score, _ in expected], abs=1e-6)
        for m in got:
            need = next(n for n in everything if n.id == m.need_id)
            assert m.reasons.district == engine._district_relation(need.district, expert.district)
