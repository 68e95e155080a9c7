"""Liaison planner: brute-force optimum on tiny cases, quota and one-leader rules, kept pairs, reasons."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.liaison_plan import (
    PAIR_REASON_LABELS,
    SHORT_REASON_LABELS,
    LeaderSlot,
    LiaisonInputError,
    LiaisonPlan,
    LiaisonSettings,
    plan_liaisons,
)

Instance = tuple[list[LeaderSlot], list[str], dict[tuple[str, str], float], set[tuple[str, str]], float, float]


def _candidates(
    scores: dict[tuple[str, str], float], keep: set[tuple[str, str]], leaders: list[LeaderSlot], experts: list[str]
) -> set[tuple[str, str]]:
    leader_ids = {leader.id for leader in leaders}
    return set(scores) | {p for p in keep if p[0] in leader_ids and p[1] in experts}


def brute_force(instance: Instance) -> tuple[int, float]:
    """Best (minimum places met, value) over every way to give each expert one leader or none."""
    leaders, experts, scores, keep, keep_bonus, balance = instance
    candidates = _candidates(scores, keep, leaders, experts)
    options = [[None] + [lead.id for lead in leaders if (lead.id, e) in candidates] for e in experts]
    best = (-1, float("-inf"))
    for choice in itertools.product(*options):
        load = Counter(c for c in choice if c is not None)
        if any(load[lead.id] > lead.max_experts for lead in leaders):
            continue
        minimums = sum(min(load[lead.id], lead.min_experts) for lead in leaders)
        extras = [max(0, load[lead.id] - lead.min_experts) for lead in leaders]
        value = sum(
            scores.get((leader, e), 0.0) + keep_bonus * ((leader, e) in keep)
            for e, leader in zip(experts, choice, strict=True)
            if leader is not None
        ) - balance * sum(x * (x + 1) / 2 for x in extras)
        best = max(best, (minimums, value))
    return best


def plan_key(instance: Instance, plan: LiaisonPlan) -> tuple[int, float, int]:
    """(minimum places met, value, places filled beyond minimums) of a plan, computed like the brute force."""
    leaders, _, scores, keep, keep_bonus, balance = instance
    load = Counter(p.leader_id for p in plan.pairs)
    extras = [max(0, load[lead.id] - lead.min_experts) for lead in leaders]
    value = sum(
        scores.get((p.leader_id, p.expert_id), 0.0) + keep_bonus * ((p.leader_id, p.expert_id) in keep)
        for p in plan.pairs
    )
    value -= balance * sum(x * (x + 1) / 2 for x in extras)
    return sum(min(load[lead.id], lead.min_experts) for lead in leaders), value, sum(extras)


def check_rules(instance: Instance, plan: LiaisonPlan) -> None:
    """Quota bounds, one leader per expert, candidates only, honest reasons and shortfalls."""
    leaders, experts, scores, keep, _, _ = instance
    candidates = _candidates(scores, keep, leaders, experts)
    pairs = [(p.leader_id, p.expert_id) for p in plan.pairs]
    assert set(pairs) <= candidates
    assert len({e for _, e in pairs}) == len(pairs)
    load = Counter(leader for leader, _ in pairs)
    assert all(load[lead.id] <= lead.max_experts for lead in leaders)
    for p in plan.pairs:
        assert p.reason == ("kept" if (p.leader_id, p.expert_id) in keep else "affinity")
        assert p.score == scores.get((p.leader_id, p.expert_id), 0.0)
    assert set(plan.not_kept) == keep - set(pairs)
    short = {s.leader_id: s for s in plan.short}
    assert set(short) == {lead.id for lead in leaders if load[lead.id] < lead.min_experts}
    for leader_id, gap in short.items():
        own = {e for lead, e in candidates if lead == leader_id}
        assert gap.assigned == load[leader_id]
        if gap.reason == "no_candidate":
            assert not own
        elif gap.reason == "too_few_candidates":
            assert own
            assert own <= {e for lead, e in pairs if lead == leader_id}
        else:
            assert gap.reason == "experts_taken"
            # Every candidate not with this leader serves another one: the minimum really could not be met.
            assert all(any(e == x for _, x in pairs) for e in own)


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """Up to 3 leaders x 5 experts, quotas 0..3, affinities in [-1, 1], some of last year's pairs."""
    leaders = []
    for i in range(draw(st.integers(0, 3))):
        low = draw(st.integers(0, 2))
        leaders.append(LeaderSlot(f"L{i}", low, low + draw(st.integers(0, 2))))
    experts = [f"x{j}" for j in range(draw(st.integers(0, 5)))]
    every_pair = [(lead.id, e) for lead in leaders for e in experts]
    chosen = (
        draw(st.lists(st.sampled_from(every_pair), unique=True, min_size=min(3, len(every_pair)))) if every_pair else []
    )
    score = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(-1, 1, allow_nan=False))
    scores = {p: draw(score) for p in chosen}
    # Last year's pairs may name a leader or expert who is gone.
    keep_pool = [*every_pair, ("L9", "x0"), ("L0", "x9")]
    keep = set(draw(st.lists(st.sampled_from(keep_pool), max_size=3)))
    return (
        leaders,
        experts,
        scores,
        keep,
        draw(st.sampled_from([0.0, 0.3, 1.0])),
        draw(st.sampled_from([0.0, 0.01, 0.4])),
    )


def _plan(instance: Instance) -> LiaisonPlan:
    leaders, experts, scores, keep, keep_bonus, balance = instance
    return plan_liaisons(leaders, experts, scores, keep, keep_bonus=keep_bonus, balance_weight=balance)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_plan_matches_brute_force(instance: Instance) -> None:
    plan = _plan(instance)
    check_rules(instance, plan)
    best_minimums, best_value = brute_force(instance)
    minimums, value, extras = plan_key(instance, plan)
    assert minimums == best_minimums
    tolerance = (len(plan.pairs) + extras + 1) * plan.score_resolution + 1e-9
    assert value == pytest.approx(best_value, abs=tolerance)


def random_instances(count: int, seed: int) -> list[Instance]:
    """Seeded instances where leaders compete for experts (more places wanted than experts)."""
    rng = random.Random(seed)
    out: list[Instance] = []
    for _ in range(count):
        leaders = []
        for i in range(rng.randint(2, 3)):
            low = rng.randint(1, 2)
            leaders.append(LeaderSlot(f"L{i}", low, low + rng.randint(0, 2)))
        experts = [f"x{j}" for j in range(rng.randint(3, 5))]
        scores = {(lead.id, e): round(rng.uniform(0, 1), 3) for lead in leaders for e in experts if rng.random() < 0.7}
        keep = {(lead.id, e) for lead in leaders for e in experts if rng.random() < 0.15}
        out.append((leaders, experts, scores, keep, rng.choice([0.2, 1.0]), rng.choice([0.01, 0.3])))
    return out


def test_plan_matches_brute_force_where_leaders_compete() -> None:
    for instance in random_instances(200, seed=11):
        plan = _plan(instance)
        check_rules(instance, plan)
        best_minimums, best_value = brute_force(instance)
        minimums, value, extras = plan_key(instance, plan)
        assert minimums == best_minimums
        assert value == pytest.approx(best_value, abs=(len(plan.pairs) + extras + 1) * plan.score_resolution + 1e-9)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_consistent_kept_pairs_are_kept_when_no_minimum_needs_their_experts(instance: Instance) -> None:
    leaders, experts, scores, keep, _, _ = instance
    leaders = [LeaderSlot(lead.id, 0, lead.max_experts) for lead in leaders]
    leader_ids = {lead.id for lead in leaders}
    valid = {p for p in keep if p[0] in leader_ids and p[1] in experts}
    per_expert = Counter(e for _, e in valid)
    per_leader = Counter(lead for lead, _ in valid)
    quota = {lead.id: lead.max_experts for lead in leaders}
    consistent = all(n == 1 for n in per_expert.values()) and all(per_leader[k] <= quota[k] for k in per_leader)
    plan = plan_liaisons(leaders, experts, scores, keep, keep_bonus=5.0, balance_weight=0.01)
    kept = {(p.leader_id, p.expert_id) for p in plan.pairs if p.reason == "kept"}
    if consistent:
        assert kept == valid
    assert set(plan.not_kept) >= keep - valid


def test_minimums_are_met_before_anyone_gets_extras() -> None:
    leaders = [LeaderSlot("书记", 3, 5), LeaderSlot("部长", 2, 3)]
    experts = [f"x{j}" for j in range(5)]
    # 书记 likes everyone more, but 部长's minimum comes first.
    scores = {("书记", e): 0.9 for e in experts} | {("部长", e): 0.1 for e in experts}
    plan = plan_liaisons(leaders, experts, scores)
    assert Counter(p.leader_id for p in plan.pairs) == {"书记": 3, "部长": 2}
    assert plan.short == []


def test_extras_are_spread_when_affinities_tie() -> None:
    leaders = [LeaderSlot("A", 1, 4), LeaderSlot("B", 1, 4)]
    experts = [f"x{j}" for j in range(6)]
    scores = {(lead.id, e): 0.5 for lead in leaders for e in experts}
    plan = plan_liaisons(leaders, experts, scores)
    assert Counter(p.leader_id for p in plan.pairs) == {"A": 3, "B": 3}


def test_kept_pair_beats_a_better_new_pair_but_not_a_minimum() -> None:
    scores = {("A", "old"): 0.2, ("A", "new"): 0.9}
    plan = plan_liaisons([LeaderSlot("A", 1, 1)], ["old", "new"], scores, keep={("A", "old")})
    assert [(p.leader_id, p.expert_id, p.reason) for p in plan.pairs] == [("A", "old", "kept")]
    assert plan.not_kept == []
    # Now B must have one expert and "old" is B's only candidate: the kept pair gives way to B's minimum.
    scores[("B", "old")] = 0.5
    leaders = [LeaderSlot("A", 1, 1), LeaderSlot("B", 1, 1)]
    plan = plan_liaisons(leaders, ["old", "new"], scores, keep={("A", "old")})
    assert sorted((p.leader_id, p.expert_id, p.reason) for p in plan.pairs) == [
        ("A", "new", "affinity"),
        ("B", "old", "affinity"),
    ]
    assert plan.not_kept == [("A", "old")]


def test_kept_pairs_beyond_the_quota_keep_the_best() -> None:
    leaders = [LeaderSlot("A", 0, 2)]
    scores = {("A", "x1"): 0.1, ("A", "x2"): 0.8, ("A", "x3"): 0.5}
    plan = plan_liaisons(leaders, ["x1", "x2", "x3"], scores, keep=set(scores))
    assert [p.expert_id for p in plan.pairs] == ["x2", "x3"]
    assert plan.not_kept == [("A", "x1")]


def test_shortfall_reasons() -> None:
    leaders = [
        LeaderSlot("lonely", 1, 2),
        LeaderSlot("narrow", 3, 3),
        LeaderSlot("outbid", 2, 2),
        LeaderSlot("rival", 2, 2),
    ]
    experts = ["a", "b", "c"]
    scores = {
        ("narrow", "a"): 0.5,
        ("outbid", "b"): 0.5,
        ("outbid", "c"): 0.5,
        ("rival", "b"): 0.9,
        ("rival", "c"): 0.9,
    }
    plan = plan_liaisons(leaders, experts, scores)
    # outbid and rival both need b and c: either way only one minimum is met, and rival values them more.
    assert {s.leader_id: (s.assigned, s.reason) for s in plan.short} == {
        "lonely": (0, "no_candidate"),
        "narrow": (1, "too_few_candidates"),
        "outbid": (0, "experts_taken"),
    }
    assert set(SHORT_REASON_LABELS) == {"no_candidate", "too_few_candidates", "experts_taken"}
    assert set(PAIR_REASON_LABELS) == {"kept", "affinity"}


def test_rank_quotas_come_from_settings() -> None:
    assert LeaderSlot.for_rank("l1", "主要领导") == LeaderSlot("l1", 3, 5)
    assert LeaderSlot.for_rank("l2", "常委") == LeaderSlot("l2", 3, 4)
    assert LeaderSlot.for_rank("l3", "其他市级") == LeaderSlot("l3", 2, 3)
    custom = LiaisonSettings(rank_quotas={"常委": (1, 2)})
    assert LeaderSlot.for_rank("l2", "常委", custom) == LeaderSlot("l2", 1, 2)
    with pytest.raises(LiaisonInputError, match="unknown rank"):
        LeaderSlot.for_rank("l4", "处长")


def test_empty_inputs_give_an_empty_plan() -> None:
    plan = plan_liaisons([], [], {})
    assert plan.pairs == []
    assert plan.short == []
    plan = plan_liaisons([LeaderSlot("A", 2, 3)], [], {})
    assert [(s.leader_id, s.assigned, s.reason) for s in plan.short] == [("A", 0, "no_candidate")]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: plan_liaisons([LeaderSlot("A", 3, 2)], [], {}), "min_experts <= max_experts"),
        (lambda: plan_liaisons([LeaderSlot("A", 1, 2), LeaderSlot("A", 1, 2)], [], {}), "listed twice"),
        (lambda: plan_liaisons([LeaderSlot("A", 1, 2)], ["x", "x"], {}), "listed twice"),
        (lambda: plan_liaisons([LeaderSlot("A", 1, 2)], ["x"], {("A", "y"): 1.0}), "unknown"),
        (lambda: plan_liaisons([LeaderSlot("A", 1, 2)], ["x"], {("A", "x"): float("inf")}), "not finite"),
        (lambda: plan_liaisons([LeaderSlot("A", 1, 2)], ["x"], {}, balance_weight=-1), "balance_weight"),
    ],
)
def test_bad_input_raises(call: object, message: str) -> None:
    with pytest.raises(LiaisonInputError, match=message):
        call()  # type: ignore[operator]


def test_subnormal_affinities_do_not_break_the_planner() -> None:
    plan = plan_liaisons([LeaderSlot("A", 0, 1)], ["x", "y"], {("A", "x"): 5e-324, ("A", "y"): 1e-310})
    # Both affinities are below the 0.01 cost of a first expert beyond the (zero) minimum.
    assert plan.pairs == []
    assert plan.short == []
