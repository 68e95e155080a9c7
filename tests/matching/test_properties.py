"""Property tests: rankings are sorted, duplicate-free, deterministic and complete for k = 0."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching import ExpertProfile, MatchEngine, MatchSettings, NeedText
from matching import text as textmod
from matching.engine import _held_pairs, top_candidates

# dictionary words, English words and a pair no dictionary knows (犇骉), which matches as characters
TERMS = ["水稻", "栽培", "病虫害", "防控", "养殖", "桥梁", "加固", "教育", "培训", "电商", "rice", "bridge", "医疗"]
TERMS.append("犇骉")
texts = st.lists(st.sampled_from(TERMS), min_size=0, max_size=6).map(" ".join)
pools = st.lists(
    st.tuples(texts, st.lists(texts, max_size=3), st.sampled_from([(), ("甲",), ("乙",), ("甲", "乙")])),
    min_size=1,
    max_size=12,
)


def _engine(pool: list[tuple[str, list[str], tuple[str, ...]]]) -> MatchEngine:
    experts = [ExpertProfile(f"e{i}", p, tuple(d), f) for i, (p, d, f) in enumerate(pool)]
    return MatchEngine().fit(experts)


@settings(max_examples=15, deadline=None)
@given(pool=pools, need_text=texts, field=st.sampled_from([None, "甲", "乙"]), k=st.integers(0, 15))
def test_rankings_are_sorted_unique_deterministic_and_complete(
    pool: list[tuple[str, list[str], tuple[str, ...]]], need_text: str, field: str | None, k: int
) -> None:
    engine = _engine(pool)
    need = NeedText("n", need_text, field)
    first = engine.experts_for(need, k=k)
    ids = [m.expert_id for m in first]
    scores = [m.score for m in first]
    assert scores == sorted(scores, reverse=True)
    assert len(ids) == len(set(ids))
    assert len(ids) == (len(pool) if k == 0 else min(k, len(pool)))
    assert [(m.expert_id, m.score) for m in engine.experts_for(need, k=k)] == list(zip(ids, scores, strict=True))
    batch = dict(engine.rank_many([need], k))
    assert [e for e, _ in batch[need]] == ids


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.sampled_from([0.0, 0.5, float("-inf")]), st.floats(-1.0, 1.0, width=32)),
        min_size=1,
        max_size=3000,
    ),
    c=st.integers(1, 40),
    stride=st.sampled_from([1, 2, 16]),
)
def test_top_candidates_holds_the_largest_scores(values: list[float], c: int, stride: int) -> None:
    scores = np.asarray(values, dtype=np.float32)
    top = top_candidates(scores, c, stride)
    assert len(set(top.tolist())) == top.size == min(c, scores.size)
    # the same multiset of values as a full sort's top c (positions may differ where values tie)
    assert sorted(scores[top].tolist()) == sorted(np.sort(scores)[::-1][: top.size].tolist())


def test_top_candidates_falls_back_when_the_sample_misleads() -> None:
    # 20 sampled positions (multiples of 16) hold the high scores the threshold is read from, one unsampled
    # position a higher one: fewer than c pass the threshold, so the whole array must be partitioned
    scores = np.zeros(16 * 800, dtype=np.float32)
    scores[: 16 * 20 : 16] = 1.0
    scores[5] = 2.0
    top = top_candidates(scores, 50)
    assert top.size == 50
    assert {5, *range(0, 16 * 20, 16)} <= set(top.tolist())


@settings(max_examples=40, deadline=None)
@given(pool=pools, need_text=texts, n=st.integers(1, 6))
def test_shared_terms_are_the_common_words_then_the_common_pairs(
    pool: list[tuple[str, list[str], tuple[str, ...]]], need_text: str, n: int
) -> None:
    experts = [ExpertProfile(f"e{i}", p, tuple(d), f) for i, (p, d, f) in enumerate(pool)]
    engine = MatchEngine(MatchSettings(shared_terms=n)).fit(experts)
    need_norm = textmod.normalize(need_text)
    need_words = set(textmod.words(need_norm))
    need_pairs = _pairs(need_norm)
    generic = textmod.generic_words(engine.settings.generic_word_ppm)  # never named
    for match in engine.experts_for(NeedText("n", need_text), k=0):
        expert = experts[int(match.expert_id[1:])]
        texts = [textmod.normalize(t) for t in (expert.profile, *expert.documents)]
        common = need_words & {w for t in texts for w in textmod.words(t)} - generic
        terms = match.reasons.shared_terms
        assert len(terms) == len(set(terms)) <= n
        chosen = [t for t in terms if t in common]
        assert len(chosen) == min(n, len(common))
        pairs = terms[len(chosen) :]
        assert list(pairs) == sorted(pairs)
        shared_pairs = need_pairs & set().union(*map(_pairs, texts)) - generic
        candidates = {p for p in shared_pairs if not any(p in w for w in chosen)}
        assert set(pairs) <= candidates
        assert len(pairs) == min(n - len(chosen), len(candidates))


def _pairs(normalized: str) -> set[str]:
    return {r[i : i + 2] for r in textmod.char_runs(normalized) for i in range(len(r) - 1)}


def test_experts_with_equal_scores_come_in_the_order_of_their_ids_whatever_their_insertion_order() -> None:
    same = ("柑橘黄龙病防控", ("柑橘苗木繁育",))
    engine = MatchEngine().fit([ExpertProfile(i, same[0], same[1]) for i in ("b", "c", "a10", "a2")])
    need = NeedText("n", "柑橘黄龙病")
    assert [m.expert_id for m in engine.experts_for(need, k=0)] == ["a10", "a2", "b", "c"]
    engine.upsert_expert(ExpertProfile("a1", *same))  # a new slot, after the others
    engine.upsert_expert(ExpertProfile("b", *same))  # the same expert again: a new slot too
    ranked = engine.experts_for(need, k=0)
    # an added expert's weights are rounded to float16 as the fitted ones are stored, so the texts tie exactly
    assert len({m.score for m in ranked}) == 1
    assert [m.expert_id for m in engine.experts_for(need, k=3)] == ["a1", "a10", "a2"]
    assert [e for e, _ in dict(engine.rank_many([need], 0))[need]] == ["a1", "a10", "a2", "b", "c"]


# Simplified and Traditional forms, a compatibility ideograph (U+F900, 豈), and 薴 -> 苧 -> 苎 (normalising 苧 again
# changes it: the one such chain among the CJK characters)
CHARS = "苹蘋果栽培種种豈\uf900薴苧苎麻 "


@settings(max_examples=200, deadline=None)
@given(raw=st.text(alphabet=CHARS, max_size=12), need=st.text(alphabet=CHARS, max_size=8))
@example(raw="苧麻", need="薴麻")  # the need's pair 苧麻 is in the raw text, but not once it is normalised (苎麻)
@example(raw="蘋果栽培", need="苹果")
def test_the_pairs_an_expert_holds_are_those_its_normalised_text_holds(raw: str, need: str) -> None:
    normalized_need = textmod.normalize(need)
    pairs = {normalized_need[i : i + 2] for i in range(len(normalized_need) - 1)} - {""}
    assert _held_pairs(raw, pairs) == {p for p in pairs if p in textmod.normalize(raw)}
