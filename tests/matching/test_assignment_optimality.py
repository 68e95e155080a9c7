"""The exact solver against brute force on small random instances; both solvers against the constraints."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.assignment import (
    AssignmentProblem,
    AssignmentResult,
    ExpertSlot,
    NeedSlot,
    solve_assignment,
)

DISTRICTS = ["锦江区", "青羊区", None]


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    """Up to 4 needs x 4 experts, up to 10 candidate pairs, feasible locks, optional coverage and caps."""
    needs = [
        NeedSlot(f"n{i}", draw(st.integers(0, 3)), draw(st.sampled_from(DISTRICTS)))
        for i in range(draw(st.integers(0, 4)))
    ]
    experts = [ExpertSlot(f"e{j}", draw(st.integers(0, 2))) for j in range(draw(st.integers(0, 4)))]
    every_pair = [(n.id, e.id) for n in needs for e in experts]
    # Dense enough that needs compete for experts, which is where a greedy answer goes wrong.
    candidates = (
        draw(st.lists(st.sampled_from(every_pair), unique=True, min_size=min(4, len(every_pair)), max_size=10))
        if every_pair
        else []
    )
    magnitude = draw(st.sampled_from([1.0, 1e-5, 1e9]))
    score = st.one_of(st.integers(-3, 3).map(float), st.floats(-10, 10, allow_nan=False))
    pairs = [(n, e, draw(score) * magnitude) for n, e in candidates]
    conflicts = draw(st.lists(st.sampled_from(every_pair), unique=True, max_size=3)) if every_pair else []
    caps = draw(
        st.none() | st.fixed_dictionaries({}, optional={d: st.integers(0, 3) for d in DISTRICTS if d is not None})
    )
    lockable = [p for p in every_pair if p not in conflicts]
    wanted = draw(st.lists(st.sampled_from(lockable), unique=True, max_size=3)) if lockable else []
    locked = _feasible_prefix(wanted, needs, experts, caps)
    return AssignmentProblem(needs, experts, pairs, conflicts, locked, coverage=draw(st.booleans()), district_caps=caps)


def _feasible_prefix(
    wanted: list[tuple[str, str]],
    needs: list[NeedSlot],
    experts: list[ExpertSlot],
    caps: dict[str, int] | None,
) -> list[tuple[str, str]]:
    """The wanted locks that fit, taken in order."""
    kept: list[tuple[str, str]] = []
    for pair in wanted:
        if _fits([*kept, pair], needs, experts, caps):
            kept.append(pair)
    return kept


def _fits(
    assigned: list[tuple[str, str]],
    needs: list[NeedSlot] | tuple[NeedSlot, ...],
    experts: list[ExpertSlot] | tuple[ExpertSlot, ...],
    caps: dict[str, int] | None,
) -> bool:
    per_need = Counter(n for n, _ in assigned)
    per_expert = Counter(e for _, e in assigned)
    district_of = {n.id: n.district for n in needs}
    per_district = Counter(district_of[n] for n, _ in assigned if district_of[n] is not None)
    return (
        all(per_need[n.id] <= n.demand for n in needs)
        and all(per_expert[e.id] <= e.capacity for e in experts)
        and all(per_district[d] <= cap for d, cap in (caps or {}).items())
        and len(set(assigned)) == len(assigned)
    )


def _covered(problem: AssignmentProblem, assigned: list[tuple[str, str]]) -> int:
    district_of = {n.id: n.district for n in problem.needs}
    return len({district_of[n] for n, _ in assigned if district_of[n] is not None})


def brute_force(problem: AssignmentProblem) -> tuple[int, int, float]:
    """Best (districts covered if coverage is on, places filled, total score) over every feasible answer."""
    needs, experts = list(problem.needs), list(problem.experts)
    locked = list(dict.fromkeys(problem.locked))
    score_of = {(n, e): s for n, e, s in problem.pairs}
    free = [(n, e) for n, e, _ in problem.pairs if (n, e) not in set(problem.conflicts) | set(locked)]
    caps = dict(problem.district_caps or {})
    best: tuple[int, int, float] = (-1, -1, float("-inf"))
    for size in range(len(free) + 1):
        for chosen in combinations(free, size):
            assigned = locked + list(chosen)
            if not _fits(assigned, needs, experts, caps):
                continue
            covered = _covered(problem, assigned) if problem.coverage else 0
            key = (covered, len(assigned), sum(score_of.get(p, 0.0) for p in assigned))
            best = max(best, key)
    return best


def check_constraints(problem: AssignmentProblem, result: AssignmentResult) -> None:
    """Every hard rule and every reported number is consistent with the problem."""
    assigned = result.assignments
    candidates = {(n, e) for n, e, _ in problem.pairs}
    score_of = {(n, e): s for n, e, s in problem.pairs}
    locked, conflicts = set(problem.locked), set(problem.conflicts)
    assert _fits(assigned, problem.needs, problem.experts, dict(problem.district_caps or {}))
    assert locked <= set(assigned)
    assert not conflicts & set(assigned)
    assert set(assigned) <= candidates | locked
    assert result.filled == len(assigned)
    assert abs(result.total_score - sum(score_of.get(p, 0.0) for p in assigned)) <= 1e-9 * (
        1 + sum(abs(s) for s in score_of.values())
    )
    per_need = Counter(n for n, _ in assigned)
    per_expert = Counter(e for _, e in assigned)
    capacity = {e.id: e.capacity for e in problem.experts}
    missing = {n.id: n.demand - per_need[n.id] for n in problem.needs if n.demand > per_need[n.id]}
    assert {u.need_id: u.missing for u in result.unfilled} == missing
    for gap in result.unfilled:
        listed = {e for n, e in candidates if n == gap.need_id and (n, e) not in locked}
        usable = {e for e in listed if (gap.need_id, e) not in conflicts}
        idle = {e for e in usable if (gap.need_id, e) not in set(assigned)}
        if gap.reason == "no_candidate":
            assert not listed
        elif gap.reason == "conflict":
            assert listed
            assert not usable
        elif gap.reason == "too_few_candidates":
            assert usable
            assert not idle
        elif gap.reason == "district_cap":
            district = next(n.district for n in problem.needs if n.id == gap.need_id)
            assert district is not None
            in_district = sum(
                1 for n, _ in assigned if next(m.district for m in problem.needs if m.id == n) == district
            )
            assert in_district == (problem.district_caps or {})[district]
        else:
            assert gap.reason == "experts_full"
            assert idle
            assert all(per_expert[e] >= capacity[e] for e in idle)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_min_cost_flow_matches_brute_force(problem: AssignmentProblem) -> None:
    result = solve_assignment(problem, method="mincostflow")
    check_constraints(problem, result)
    best_covered, best_filled, best_score = brute_force(problem)
    if problem.coverage:
        assert len(result.covered_districts) == best_covered
    assert result.filled == best_filled
    tolerance = (result.filled + 1) * result.score_resolution + 1e-9 * max(1.0, abs(best_score))
    assert result.total_score <= best_score + tolerance
    assert result.total_score >= best_score - tolerance


@settings(max_examples=200, deadline=None)
@given(problems())
def test_greedy_respects_every_constraint_and_never_beats_the_optimum(problem: AssignmentProblem) -> None:
    greedy = solve_assignment(problem, method="greedy")
    check_constraints(problem, greedy)
    exact = solve_assignment(problem, method="mincostflow")
    assert greedy.filled <= exact.filled
    if greedy.filled == exact.filled and not problem.coverage:
        assert greedy.total_score <= exact.total_score + (exact.filled + 1) * exact.score_resolution + 1e-9


def contended_problems(count: int, seed: int) -> list[AssignmentProblem]:
    """Seeded instances where needs compete for few experts (hypothesis favours small, easy ones)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        needs = [NeedSlot(f"n{i}", rng.randint(1, 3), rng.choice(DISTRICTS)) for i in range(rng.randint(2, 4))]
        experts = [ExpertSlot(f"e{j}", rng.randint(1, 2)) for j in range(rng.randint(2, 4))]
        every_pair = [(n.id, e.id) for n in needs for e in experts]
        candidates = rng.sample(every_pair, min(len(every_pair), rng.randint(4, 10)))
        pairs = [(n, e, rng.choice([rng.uniform(-1, 1), float(rng.randint(0, 2))])) for n, e in candidates]
        conflicts = [p for p in every_pair if rng.random() < 0.1]
        caps = rng.choice([None, {"锦江区": rng.randint(0, 2)}])
        lockable = [p for p in every_pair if p not in conflicts]
        locked = _feasible_prefix(
            rng.sample(lockable, min(len(lockable), rng.choice([0, 0, 1, 2]))), needs, experts, caps
        )
        out.append(
            AssignmentProblem(needs, experts, pairs, conflicts, locked, coverage=rng.random() < 0.5, district_caps=caps)
        )
    return out


def test_min_cost_flow_matches_brute_force_where_needs_compete() -> None:
    greedy_was_worse = 0
    for problem in contended_problems(250, seed=7):
        result = solve_assignment(problem)
        check_constraints(problem, result)
        best_covered, best_filled, best_score = brute_force(problem)
        assert (len(result.covered_districts) if problem.coverage else 0) == best_covered
        assert result.filled == best_filled
        assert abs(result.total_score - best_score) <= (result.filled + 1) * result.score_resolution + 1e-9
        greedy = solve_assignment(problem, method="greedy")
        check_constraints(problem, greedy)
        greedy_was_worse += (greedy.filled, greedy.total_score) < (best_filled, best_score - 1e-6)
    # The instances must be hard enough to tell an exact solver from a greedy one.
    assert greedy_was_worse >= 10
