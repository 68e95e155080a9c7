"""The assignment problem and its answer in domain terms: needs, experts, candidate pairs, what got filled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


class AssignmentInputError(ValueError):
    """The problem is malformed: unknown or duplicate ids, negative numbers, non-finite scores."""


class LockedPairError(AssignmentInputError):
    """Locked pairs cannot all hold: one is conflicted, or they exceed a demand, capacity or district cap."""


@dataclass(frozen=True)
class NeedSlot:
    """A need asking for `demand` experts, optionally in a district (used by coverage and district caps)."""

    id: str
    demand: int
    district: str | None = None


@dataclass(frozen=True)
class ExpertSlot:
    """An expert who can take at most `capacity` places in this round."""

    id: str
    capacity: int


@dataclass(frozen=True)
class AssignmentProblem:
    """Everything the solver needs.

    `pairs` are the candidate (need_id, expert_id, affinity) triples; a pair not listed is never assigned.
    `conflicts` are (need_id, expert_id) pairs that must never be assigned (conflict of interest).
    `locked` are (need_id, expert_id) pairs that must be in the answer; they use up demand and capacity, and
    count towards the total score with their listed affinity (0 if the pair is not a candidate).
    `coverage` asks that every district with demand gets at least one place filled where supply allows.
    `district_caps` limits the places filled per district (locked places included).
    """

    needs: Sequence[NeedSlot]
    experts: Sequence[ExpertSlot]
    pairs: Sequence[tuple[str, str, float]]
    conflicts: Sequence[tuple[str, str]] = ()
    locked: Sequence[tuple[str, str]] = ()
    coverage: bool = False
    district_caps: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Unfilled:
    """A need left with `missing` open places, and the reason code (see `matching.assignment.reasons`)."""

    need_id: str
    missing: int
    reason: str


@dataclass(frozen=True)
class AssignmentResult:
    """The assigned (need_id, expert_id) pairs (locked ones included), places filled, total affinity, gaps.

    `score_resolution` is the affinity step the solver could tell apart (scores were rounded to multiples of
    it); two answers whose totals differ by less than `filled * score_resolution` may be equally optimal.
    """

    assignments: list[tuple[str, str]]
    filled: int
    total_score: float
    unfilled: list[Unfilled]
    method: str = "mincostflow"
    score_resolution: float = 0.0
    covered_districts: list[str] = field(default_factory=list)
