"""The structured-weight study of `make bench` (tests/benchmarks/bench_structure.py) on a small made-up pool."""

from __future__ import annotations

from matching import ExpertProfile, NeedText
from matching.engine import MatchSettings
from service.reference import neighbours_map
from tests.benchmarks.bench_structure import (
    DISTRICT_WEIGHTS,
    RATING_WEIGHTS,
    local_share,
    mean_rating,
    ranked,
    study,
    top1_changed,
    with_random_logistics,
)

TOPICS = ["猕猴桃溃疡病防治", "水稻病虫害绿色防控", "城市规划与乡村振兴", "中小学数学教学", "桥梁结构检测加固"]
EXPERTS = [
    ExpertProfile(f"e{i}", profile=f"{TOPICS[i % 5]}专家，从事{TOPICS[i % 5]}研究{i}年", documents=(TOPICS[i % 5],))
    for i in range(40)
]
NEEDS = [NeedText(f"n{i}", f"请求{TOPICS[i % 5]}方面的技术服务") for i in range(15)]
QRELS = {f"n{i}": {f"e{j}": 1 for j in range(40) if j % 5 == i % 5} for i in range(15)}
DISTRICTS = sorted(neighbours_map())


def test_random_logistics_are_seeded_and_cover_districts_and_half_the_ratings() -> None:
    experts, needs = with_random_logistics(EXPERTS, NEEDS, DISTRICTS, seed=7)
    again, needs_again = with_random_logistics(EXPERTS, NEEDS, DISTRICTS, seed=7)
    other, _ = with_random_logistics(EXPERTS, NEEDS, DISTRICTS, seed=8)
    assert experts == again
    assert needs == needs_again
    assert [e.district for e in experts] != [e.district for e in other]
    assert all(e.district in DISTRICTS for e in experts)
    assert all(n.district in DISTRICTS for n in needs)
    rated = [e.rating for e in experts if e.rating is not None]
    assert 10 <= len(rated) <= 30
    assert set(rated) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    # text and ids are untouched
    assert [(e.id, e.profile, e.documents) for e in experts] == [(e.id, e.profile, e.documents) for e in EXPERTS]


def test_a_large_district_bonus_fills_the_top_ten_with_local_experts() -> None:
    experts, needs = with_random_logistics(EXPERTS, NEEDS, DISTRICTS, seed=1)
    plain = ranked(experts, needs, MatchSettings(district_same=0, district_neighbour=0, rating_weight=0))
    local = ranked(experts, needs, MatchSettings(district_same=5, district_neighbour=0, rating_weight=0))
    assert top1_changed(plain, plain) == 0
    assert local_share(local, experts, needs) > local_share(plain, experts, needs)
    assert top1_changed(local, plain) > 0
    for need in needs:
        in_district = sum(1 for e in experts if e.district == need.district)
        top = [e for e, _ in local[need.id][:10]]
        assert sum(1 for e in experts if e.id in top and e.district == need.district) == min(10, in_district)


def test_a_large_rating_weight_lifts_the_mean_rating_of_the_top_ten() -> None:
    experts, needs = with_random_logistics(EXPERTS, NEEDS, DISTRICTS, seed=1)
    plain = ranked(experts, needs, MatchSettings(district_same=0, district_neighbour=0, rating_weight=0))
    rated = ranked(experts, needs, MatchSettings(district_same=0, district_neighbour=0, rating_weight=5))
    assert mean_rating(rated, experts) > mean_rating(plain, experts)
    rating = {e.id: e.rating for e in experts}
    assert all(rating[r[0][0]] == 5.0 for r in rated.values())


def test_the_study_reports_every_weight_and_no_change_at_zero() -> None:
    by_district, by_rating, gaps = study(EXPERTS, NEEDS, QRELS, seeds=(1, 2))
    assert list(by_district) == list(DISTRICT_WEIGHTS)
    assert list(by_rating) == list(RATING_WEIGHTS)
    mrr, r10, share, moved = by_district[0.0, 0.0]
    assert moved == 0
    assert mrr == by_rating[0.0][0]
    assert 0 < mrr <= 1
    assert 0 < r10 <= 1
    assert 0 <= share <= 1
    # the made-up pool's text separates the five topics, so small bonuses do not move relevance
    assert by_district[0.01, 0.005][0] == mrr
    assert gaps[1] >= gaps[0] >= 0
