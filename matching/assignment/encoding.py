"""Encoder: `AssignmentProblem` -> `AssignmentArrays` (validated, locks applied), and the decoder back.

Shapes, with N needs, E experts, D districts (those named by needs, in first-seen order) and P free pairs
(candidate pairs that are neither conflicted nor locked, in input order):

| array | dtype, shape | meaning |
|---|---|---|
| `demand` | int64 (N,) | places each need still wants after its locked pairs |
| `capacity` | int64 (E,) | places each expert can still take after its locked pairs |
| `pair_need`, `pair_expert` | int64 (P,) | need and expert index of each free pair |
| `pair_score` | float64 (P,) | affinity of each free pair |
| `need_district` | int64 (N,) | district index of each need, -1 when it has none |
| `district_room` | int64 (D,) | places a district may still fill under its cap (`NO_CAP` when uncapped) |
| `district_uncovered` | bool (D,) | district has demand and no locked place yet (what coverage must serve) |
| `need_candidates` | int64 (N,) | candidate pairs listed per need, conflicted included, locked excluded |

Solvers see only these arrays and return a bool mask of shape (P,) over the free pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from matching.assignment.problem import (
    AssignmentInputError,
    AssignmentProblem,
    AssignmentResult,
    LockedPairError,
)
from matching.assignment.reasons import classify_unfilled

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_CAP = np.iinfo(np.int64).max // 4
# Limits that keep every sum in int64 and float64 range; far beyond any real campaign.
MAX_COUNT = 2**53
MAX_ABS_SCORE = 1e100


@dataclass(frozen=True)
class AssignmentArrays:
    """The problem as arrays (see the module docstring for every shape)."""

    demand: IntArray
    capacity: IntArray
    pair_need: IntArray
    pair_expert: IntArray
    pair_score: FloatArray
    need_district: IntArray
    district_room: IntArray
    district_uncovered: BoolArray
    need_candidates: IntArray

    @property
    def n_needs(self) -> int:
        """N."""
        return len(self.demand)

    @property
    def n_experts(self) -> int:
        """E."""
        return len(self.capacity)

    @property
    def n_districts(self) -> int:
        """D."""
        return len(self.district_room)


@dataclass(frozen=True)
class EncodedProblem:
    """Arrays for the solver plus what the decoder needs to speak in ids again."""

    arrays: AssignmentArrays
    need_ids: list[str]
    expert_ids: list[str]
    district_ids: list[str]
    locked_need: IntArray  # (L,) need index of each locked pair
    locked_expert: IntArray  # (L,) expert index of each locked pair
    locked_score: FloatArray  # (L,) listed affinity of each locked pair, 0 when not a candidate
    original_demand: IntArray  # (N,) demand before locks


def _index(ids: Sequence[str], kind: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        if item_id in index:
            raise AssignmentInputError(f"{kind} id {item_id!r} is listed twice")
        index[item_id] = i
    return index


def _is_count(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer) and bool(0 <= value <= MAX_COUNT)


def _counts(name: str, values: Sequence[int], ids: Sequence[str]) -> IntArray:
    for item_id, value in zip(ids, values, strict=True):
        if not _is_count(value):
            raise AssignmentInputError(f"{name} of {item_id!r} must be a whole number in 0..2**53, got {value!r}")
    return np.asarray(values, dtype=np.int64).reshape(len(values))


def _pair_indices(
    pairs: Sequence[tuple[str, str]] | Sequence[tuple[str, str, float]],
    need_index: dict[str, int],
    expert_index: dict[str, int],
    what: str,
) -> tuple[IntArray, IntArray]:
    try:
        # map/itemgetter keep the per-pair work in C: this is most of the encoder's time on large problems.
        needs = np.fromiter(map(need_index.__getitem__, map(itemgetter(0), pairs)), np.int64, len(pairs))
        experts = np.fromiter(map(expert_index.__getitem__, map(itemgetter(1), pairs)), np.int64, len(pairs))
    except KeyError:
        for need_id, expert_id, *_ in pairs:
            if need_id not in need_index or expert_id not in expert_index:
                unknown = f"need {need_id!r}" if need_id not in need_index else f"expert {expert_id!r}"
                raise AssignmentInputError(f"{what} ({need_id!r}, {expert_id!r}) names an unknown {unknown}") from None
        raise
    return needs, experts


def encode_problem(problem: AssignmentProblem) -> EncodedProblem:
    """Validate `problem`, apply its locks and conflicts, and lay it out as arrays."""
    need_ids = [n.id for n in problem.needs]
    expert_ids = [e.id for e in problem.experts]
    need_index = _index(need_ids, "need")
    expert_index = _index(expert_ids, "expert")
    n_experts = len(expert_ids)
    demand = _counts("demand", [n.demand for n in problem.needs], need_ids)
    capacity = _counts("capacity", [e.capacity for e in problem.experts], expert_ids)

    district_ids: list[str] = []
    district_index: dict[str, int] = {}
    need_district = np.full(len(need_ids), -1, dtype=np.int64)
    for i, need in enumerate(problem.needs):
        if need.district is not None:
            need_district[i] = district_index.setdefault(need.district, len(district_ids))
            if need_district[i] == len(district_ids):
                district_ids.append(need.district)
    caps = dict(problem.district_caps or {})
    for district, cap in caps.items():
        if not _is_count(cap):
            raise AssignmentInputError(f"cap of district {district!r} must be a whole number in 0..2**53, got {cap!r}")
    district_room = np.array([caps.get(d, NO_CAP) for d in district_ids], dtype=np.int64).reshape(-1)

    pair_need, pair_expert = _pair_indices(problem.pairs, need_index, expert_index, "pair")
    try:
        pair_score = np.fromiter(map(itemgetter(2), problem.pairs), np.float64, len(problem.pairs))
    except (TypeError, ValueError, IndexError) as err:
        raise AssignmentInputError(f"every pair needs a numeric score ({err})") from None
    out_of_range = ~(np.abs(pair_score) <= MAX_ABS_SCORE)  # also catches NaN
    if np.any(out_of_range):
        bad = problem.pairs[int(np.flatnonzero(out_of_range)[0])]
        raise AssignmentInputError(f"pair ({bad[0]!r}, {bad[1]!r}) has a non-finite or huge score {bad[2]!r}")
    pair_key = pair_need * n_experts + pair_expert
    unique_keys, first, counts = np.unique(pair_key, return_index=True, return_counts=True)
    if np.any(counts > 1):
        dup = problem.pairs[int(first[np.flatnonzero(counts > 1)[0]])]
        raise AssignmentInputError(f"pair ({dup[0]!r}, {dup[1]!r}) is listed more than once")

    conflict_need, conflict_expert = _pair_indices(problem.conflicts, need_index, expert_index, "conflict")
    conflict_keys = np.unique(conflict_need * n_experts + conflict_expert)
    locked_need, locked_expert = _pair_indices(problem.locked, need_index, expert_index, "locked pair")
    locked_keys, locked_first = np.unique(locked_need * n_experts + locked_expert, return_index=True)
    locked_need, locked_expert = locked_need[np.sort(locked_first)], locked_expert[np.sort(locked_first)]
    locked_keys = locked_need * n_experts + locked_expert
    _check_locks(
        locked_need,
        locked_expert,
        locked_keys,
        conflict_keys,
        demand,
        capacity,
        need_district,
        district_room,
        need_ids,
        expert_ids,
        district_ids,
    )

    # Locked pairs keep their listed affinity so the total score reports what was really assigned.
    locked_score = np.zeros(len(locked_keys), dtype=np.float64)
    if len(unique_keys) and len(locked_keys):
        where = np.minimum(np.searchsorted(unique_keys, locked_keys), len(unique_keys) - 1)
        listed = unique_keys[where] == locked_keys
        locked_score[listed] = pair_score[first[where[listed]]]

    is_locked = np.isin(pair_key, locked_keys)
    free = ~is_locked & ~np.isin(pair_key, conflict_keys)
    n_districts = len(district_ids)
    locked_per_district = np.bincount(
        need_district[locked_need][need_district[locked_need] >= 0], minlength=n_districts
    )
    asked = np.bincount(need_district[need_district >= 0], weights=demand[need_district >= 0], minlength=n_districts)
    arrays = AssignmentArrays(
        demand=demand - np.bincount(locked_need, minlength=len(need_ids)),
        capacity=capacity - np.bincount(locked_expert, minlength=n_experts),
        pair_need=pair_need[free],
        pair_expert=pair_expert[free],
        pair_score=pair_score[free],
        need_district=need_district,
        district_room=np.where(district_room == NO_CAP, NO_CAP, district_room - locked_per_district),
        district_uncovered=(asked > 0) & (locked_per_district == 0),
        need_candidates=np.bincount(pair_need[~is_locked], minlength=len(need_ids)),
    )
    return EncodedProblem(
        arrays=arrays,
        need_ids=need_ids,
        expert_ids=expert_ids,
        district_ids=district_ids,
        locked_need=locked_need,
        locked_expert=locked_expert,
        locked_score=locked_score,
        original_demand=demand,
    )


def _check_locks(
    locked_need: IntArray,
    locked_expert: IntArray,
    locked_keys: IntArray,
    conflict_keys: IntArray,
    demand: IntArray,
    capacity: IntArray,
    need_district: IntArray,
    district_room: IntArray,
    need_ids: list[str],
    expert_ids: list[str],
    district_ids: list[str],
) -> None:
    conflicted = np.flatnonzero(np.isin(locked_keys, conflict_keys))
    if len(conflicted):
        i = int(conflicted[0])
        raise LockedPairError(
            f"locked pair ({need_ids[locked_need[i]]!r}, {expert_ids[locked_expert[i]]!r}) is also a conflict"
        )
    over_need = np.flatnonzero(np.bincount(locked_need, minlength=len(demand)) > demand)
    if len(over_need):
        i = int(over_need[0])
        raise LockedPairError(f"need {need_ids[i]!r} has more locked experts than its demand {demand[i]}")
    over_expert = np.flatnonzero(np.bincount(locked_expert, minlength=len(capacity)) > capacity)
    if len(over_expert):
        i = int(over_expert[0])
        raise LockedPairError(f"expert {expert_ids[i]!r} has more locked places than its capacity {capacity[i]}")
    districts = need_district[locked_need]
    per_district = np.bincount(districts[districts >= 0], minlength=len(district_ids))
    over_district = np.flatnonzero(per_district > district_room)
    if len(over_district):
        i = int(over_district[0])
        raise LockedPairError(f"district {district_ids[i]!r} has more locked places than its cap {district_room[i]}")


def decode_result(
    encoded: EncodedProblem, chosen: BoolArray, *, method: str, score_resolution: float
) -> AssignmentResult:
    """Turn the solver's mask over free pairs, shape (P,), back into ids, totals and unfilled needs."""
    arrays = encoded.arrays
    chosen = np.asarray(chosen, dtype=bool)
    need = np.concatenate([encoded.locked_need, arrays.pair_need[chosen]])
    expert = np.concatenate([encoded.locked_expert, arrays.pair_expert[chosen]])
    order = np.lexsort((expert, need))
    total = float(math.fsum(encoded.locked_score.tolist()) + math.fsum(arrays.pair_score[chosen].tolist()))
    districts = arrays.need_district[need]
    covered = np.unique(districts[districts >= 0])
    return AssignmentResult(
        assignments=[
            (encoded.need_ids[n], encoded.expert_ids[e]) for n, e in zip(need[order], expert[order], strict=True)
        ],
        filled=len(need),
        total_score=total,
        unfilled=classify_unfilled(arrays, chosen, encoded.need_ids),
        method=method,
        score_resolution=score_resolution,
        covered_districts=[encoded.district_ids[d] for d in covered],
    )
