"""Assignment solver: worked examples, unfilled reasons, coverage, caps, locks and input errors."""

from __future__ import annotations

import pytest

from matching.assignment import (
    REASON_LABELS,
    SOLVERS,
    AssignmentInputError,
    AssignmentProblem,
    ExpertSlot,
    LockedPairError,
    NeedSlot,
    Unfilled,
    reason_label,
    solve_assignment,
)
from matching.assignment.encoding import encode_problem

METHODS = sorted(SOLVERS)


@pytest.mark.parametrize("method", METHODS)
def test_empty_problem_gives_an_empty_answer(method: str) -> None:
    result = solve_assignment(AssignmentProblem(needs=[], experts=[], pairs=[]), method=method)
    assert result.assignments == []
    assert result.filled == 0
    assert result.total_score == 0.0
    assert result.unfilled == []


def test_fill_comes_before_affinity() -> None:
    # Giving e1 to n1 (0.9) would leave n2 empty; two places at 0.8 + 0.1 beat one at 0.9.
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 1), NeedSlot("n2", 1)],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", 0.9), ("n1", "e2", 0.1), ("n2", "e1", 0.8)],
    )
    exact = solve_assignment(problem)
    assert sorted(exact.assignments) == [("n1", "e2"), ("n2", "e1")]
    assert exact.filled == 2
    assert exact.total_score == pytest.approx(0.9)
    greedy = solve_assignment(problem, method="greedy")
    assert greedy.assignments == [("n1", "e1")]
    assert greedy.unfilled == [Unfilled("n2", 1, "experts_full")]


def test_negative_scores_still_fill_places() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 2)],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", -2.5), ("n1", "e2", -0.5)],
    )
    result = solve_assignment(problem)
    assert result.filled == 2
    assert result.total_score == pytest.approx(-3.0)


def test_each_pair_is_used_at_most_once() -> None:
    problem = AssignmentProblem(needs=[NeedSlot("n1", 3)], experts=[ExpertSlot("e1", 5)], pairs=[("n1", "e1", 1.0)])
    result = solve_assignment(problem)
    assert result.assignments == [("n1", "e1")]
    assert result.unfilled == [Unfilled("n1", 2, "too_few_candidates")]


@pytest.mark.parametrize("method", METHODS)
def test_unfilled_reasons(method: str) -> None:
    problem = AssignmentProblem(
        needs=[
            NeedSlot("lonely", 1),
            NeedSlot("conflicted", 1),
            NeedSlot("crowded", 2),
            NeedSlot("popular", 1),
            NeedSlot("capped", 1, district="简阳市"),
            NeedSlot("served", 1, district="简阳市"),
        ],
        experts=[
            ExpertSlot("busy", 1),
            ExpertSlot("idle", 0),
            ExpertSlot("own_employer", 3),
            ExpertSlot("free", 3),
        ],
        pairs=[
            ("conflicted", "own_employer", 0.9),
            ("crowded", "busy", 0.8),
            ("popular", "busy", 0.2),
            ("popular", "idle", 0.9),
            ("capped", "free", 0.1),
            ("served", "free", 0.5),
        ],
        conflicts=[("conflicted", "own_employer")],
        district_caps={"简阳市": 1},
    )
    result = solve_assignment(problem, method=method)
    assert sorted(result.assignments) == [("crowded", "busy"), ("served", "free")]
    assert sorted(result.unfilled, key=lambda u: u.need_id) == [
        Unfilled("capped", 1, "district_cap"),
        Unfilled("conflicted", 1, "conflict"),
        Unfilled("crowded", 1, "too_few_candidates"),
        Unfilled("lonely", 1, "no_candidate"),
        Unfilled("popular", 1, "experts_full"),
    ]


def test_every_reason_has_a_chinese_label() -> None:
    assert set(REASON_LABELS) == {
        "no_candidate",
        "conflict",
        "too_few_candidates",
        "district_cap",
        "experts_full",
    }
    assert reason_label("experts_full") == "候选专家名额已满"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in REASON_LABELS.values())


def _two_districts(coverage: bool) -> AssignmentProblem:
    # e1 is the only expert 青羊区 can have; 锦江区 likes e1 more but can also use e2.
    return AssignmentProblem(
        needs=[NeedSlot("jinjiang", 2, district="锦江区"), NeedSlot("qingyang", 1, district="青羊区")],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("jinjiang", "e1", 0.9), ("jinjiang", "e2", 0.8), ("qingyang", "e1", 0.1)],
        coverage=coverage,
    )


def test_coverage_serves_every_district_before_affinity() -> None:
    without = solve_assignment(_two_districts(coverage=False))
    assert sorted(without.assignments) == [("jinjiang", "e1"), ("jinjiang", "e2")]
    assert without.covered_districts == ["锦江区"]
    covered = solve_assignment(_two_districts(coverage=True))
    assert sorted(covered.assignments) == [("jinjiang", "e2"), ("qingyang", "e1")]
    assert sorted(covered.covered_districts) == ["锦江区", "青羊区"]
    assert covered.filled == without.filled


def test_greedy_coverage_is_only_a_heuristic() -> None:
    # Greedy covers 锦江区 with its best pair first and so loses 青羊区's only expert: the exact solver exists
    # for cases like this.
    greedy = solve_assignment(_two_districts(coverage=True), method="greedy")
    assert greedy.covered_districts == ["锦江区"]


def test_coverage_counts_a_locked_place_as_served() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("a", 2, district="锦江区"), NeedSlot("b", 1, district="青羊区")],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1), ExpertSlot("e3", 1)],
        pairs=[("a", "e1", 0.9), ("a", "e2", 0.8), ("b", "e2", 0.7), ("b", "e3", 0.1)],
        locked=[("b", "e3")],
        coverage=True,
    )
    result = solve_assignment(problem)
    assert sorted(result.assignments) == [("a", "e1"), ("a", "e2"), ("b", "e3")]
    assert result.total_score == pytest.approx(1.8)


def test_district_cap_limits_places_including_locked_ones() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("a", 2, district="高新区"), NeedSlot("b", 2, district="高新区")],
        experts=[ExpertSlot("e1", 4), ExpertSlot("e2", 4)],
        pairs=[("a", "e1", 0.5), ("a", "e2", 0.6), ("b", "e1", 0.7), ("b", "e2", 0.1)],
        locked=[("a", "e1")],
        district_caps={"高新区": 2},
    )
    result = solve_assignment(problem)
    assert sorted(result.assignments) == [("a", "e1"), ("b", "e1")]
    assert {u.need_id: u.reason for u in result.unfilled} == {"a": "district_cap", "b": "district_cap"}


def test_locked_pairs_are_kept_even_when_they_score_badly() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 1), NeedSlot("n2", 1)],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", 0.9), ("n1", "e2", -1.0), ("n2", "e1", 0.5)],
        locked=[("n1", "e2"), ("n1", "e2")],
    )
    result = solve_assignment(problem)
    assert sorted(result.assignments) == [("n1", "e2"), ("n2", "e1")]
    assert result.total_score == pytest.approx(-0.5)


def test_a_locked_pair_need_not_be_a_candidate() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 2)],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", 0.4)],
        locked=[("n1", "e2")],
    )
    result = solve_assignment(problem)
    assert result.assignments == [("n1", "e1"), ("n1", "e2")]
    assert result.total_score == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("locked", "conflicts", "capacity", "message"),
    [
        ([("n1", "e1")], [("n1", "e1")], 1, "also a conflict"),
        ([("n1", "e1"), ("n2", "e1")], [], 1, "capacity"),
        ([("n1", "e1"), ("n1", "e2")], [], 1, "demand"),
    ],
)
def test_impossible_locks_raise_a_typed_error(
    locked: list[tuple[str, str]], conflicts: list[tuple[str, str]], capacity: int, message: str
) -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 1), NeedSlot("n2", 1)],
        experts=[ExpertSlot("e1", capacity), ExpertSlot("e2", 1)],
        pairs=[],
        conflicts=conflicts,
        locked=locked,
    )
    with pytest.raises(LockedPairError, match=message):
        solve_assignment(problem)


def test_locks_beyond_a_district_cap_raise() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 2, district="新津区")],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[],
        locked=[("n1", "e1"), ("n1", "e2")],
        district_caps={"新津区": 1},
    )
    with pytest.raises(LockedPairError, match="新津区"):
        solve_assignment(problem)


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (
            AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [("n1", "ghost", 1.0)]),
            "unknown expert 'ghost'",
        ),
        (
            AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [("nobody", "e1", 1.0)]),
            "unknown need",
        ),
        (AssignmentProblem([NeedSlot("n1", -1)], [ExpertSlot("e1", 1)], []), "demand"),
        (AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", -3)], []), "capacity"),
        (AssignmentProblem([NeedSlot("n1", 1), NeedSlot("n1", 2)], [], []), "listed twice"),
        (
            AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [("n1", "e1", 1.0), ("n1", "e1", 0.5)]),
            "more than once",
        ),
        (
            AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [("n1", "e1", float("nan"))]),
            "non-finite",
        ),
        (AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [("n1", "e1", 1e300)]), "huge score"),
        (AssignmentProblem([NeedSlot("n1", 10**30)], [ExpertSlot("e1", 1)], []), "demand"),
        (
            AssignmentProblem([NeedSlot("n1", 1)], [ExpertSlot("e1", 1)], [], conflicts=[("n1", "x")]),
            "unknown",
        ),
        (AssignmentProblem([NeedSlot("n1", 1, "A")], [], [], district_caps={"A": -1}), "cap of district"),
    ],
)
def test_malformed_problems_raise_value_errors(problem: AssignmentProblem, message: str) -> None:
    with pytest.raises(AssignmentInputError, match=message):
        solve_assignment(problem)
    assert issubclass(AssignmentInputError, ValueError)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(AssignmentInputError, match="unknown method"):
        solve_assignment(AssignmentProblem([], [], []), method="simplex")


def test_huge_scores_and_capacities_do_not_overflow() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 10**12), NeedSlot("n2", 1, district="锦江区")],
        experts=[ExpertSlot("e1", 10**15), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", 3e15), ("n1", "e2", 1e15), ("n2", "e2", 2e15)],
        coverage=True,
    )
    result = solve_assignment(problem)
    assert sorted(result.assignments) == [("n1", "e1"), ("n2", "e2")]
    assert result.score_resolution <= 3e15 / 1e5


def test_tiny_scores_are_still_told_apart() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 1)],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 1)],
        pairs=[("n1", "e1", 2e-12), ("n1", "e2", 3e-12)],
    )
    assert solve_assignment(problem).assignments == [("n1", "e2")]


def test_encoder_shapes_follow_the_documented_layout() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 2, "锦江区"), NeedSlot("n2", 1), NeedSlot("n3", 1, "锦江区")],
        experts=[ExpertSlot("e1", 1), ExpertSlot("e2", 2)],
        pairs=[("n1", "e1", 0.5), ("n1", "e2", 0.4), ("n2", "e2", 0.3), ("n3", "e1", 0.2)],
        conflicts=[("n3", "e1")],
        locked=[("n1", "e2")],
        district_caps={"锦江区": 2},
    )
    arrays = encode_problem(problem).arrays
    assert arrays.demand.tolist() == [1, 1, 1]
    assert arrays.capacity.tolist() == [1, 1]
    assert list(zip(arrays.pair_need.tolist(), arrays.pair_expert.tolist(), strict=True)) == [(0, 0), (1, 1)]
    assert arrays.pair_score.tolist() == [0.5, 0.3]
    assert arrays.need_district.tolist() == [0, -1, 0]
    assert arrays.district_room.tolist() == [1]
    assert arrays.district_uncovered.tolist() == [False]
    assert arrays.need_candidates.tolist() == [1, 1, 1]


def test_subnormal_scores_do_not_break_the_solver() -> None:
    problem = AssignmentProblem(
        needs=[NeedSlot("n1", 1), NeedSlot("n2", 1)],
        experts=[ExpertSlot("e1", 1)],
        pairs=[("n1", "e1", 5e-324), ("n2", "e1", 0.0)],
        coverage=True,
    )
    result = solve_assignment(problem)
    assert result.filled == 1
