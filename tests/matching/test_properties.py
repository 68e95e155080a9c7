"""Property tests: rankings are sorted, duplicate-free, deterministic and complete for k = 0."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching import ExpertProfile, MatchEngine, NeedText

TERMS = ["水稻", "栽培", "病虫害", "防控", "养殖", "桥梁", "加固", "教育", "培训", "电商", "rice", "bridge", "医疗"]
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
