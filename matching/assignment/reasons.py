"""Why a need stayed (partly) unfilled: reason codes, their Chinese labels, and the classifier.

A need short of experts gets exactly one reason, the first of these that applies ("usable" candidates are the
listed candidate pairs that are neither conflicted nor locked):

| code | 中文 | when |
|---|---|---|
| `no_candidate` | 无候选专家 | the need has no candidate pair at all (beyond its locked ones) |
| `conflict` | 候选专家均需回避 | it has candidates, but every one is excluded by a conflict of interest |
| `too_few_candidates` | 候选专家人数不足 | all usable candidates already serve it; it wants more |
| `district_cap` | 所在区县已达名额上限 | a usable candidate has room left, but the district cap is used up |
| `experts_full` | 候选专家名额已满 | usable candidates not serving it have no capacity left (or had 0) |

For an answer that cannot be extended (the exact solver's and the greedy one's), a usable candidate with
spare capacity can only be left over when the district cap blocks it, so the list is exhaustive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from matching.assignment.problem import Unfilled

if TYPE_CHECKING:
    from matching.assignment.encoding import AssignmentArrays

NO_CANDIDATE = "no_candidate"
CONFLICT = "conflict"
TOO_FEW_CANDIDATES = "too_few_candidates"
DISTRICT_CAP = "district_cap"
EXPERTS_FULL = "experts_full"

REASON_LABELS: dict[str, str] = {
    NO_CANDIDATE: "无候选专家",
    CONFLICT: "候选专家均需回避",
    TOO_FEW_CANDIDATES: "候选专家人数不足",
    DISTRICT_CAP: "所在区县已达名额上限",
    EXPERTS_FULL: "候选专家名额已满",
}


def reason_label(code: str) -> str:
    """The Chinese label shown in the UI for a reason code."""
    return REASON_LABELS[code]


def classify_unfilled(arrays: AssignmentArrays, chosen: npt.NDArray[np.bool_], need_ids: list[str]) -> list[Unfilled]:
    """One `Unfilled` per need with open places after `chosen` (bool mask over free pairs, shape (P,))."""
    n_needs = arrays.n_needs
    taken = np.bincount(arrays.pair_need[chosen], minlength=n_needs)
    missing = arrays.demand - taken
    short = np.flatnonzero(missing > 0)
    if not len(short):
        return []
    usable = np.bincount(arrays.pair_need, minlength=n_needs)
    capacity_left = arrays.capacity - np.bincount(arrays.pair_expert[chosen], minlength=arrays.n_experts)
    idle_with_room = ~chosen & (capacity_left[arrays.pair_expert] > 0)
    has_idle_candidate = np.bincount(arrays.pair_need[idle_with_room], minlength=n_needs) > 0
    reasons = np.select(
        [arrays.need_candidates == 0, usable == 0, taken >= usable, has_idle_candidate],
        [NO_CANDIDATE, CONFLICT, TOO_FEW_CANDIDATES, DISTRICT_CAP],
        default=EXPERTS_FULL,
    )
    return [Unfilled(need_ids[i], int(missing[i]), str(reasons[i])) for i in short]
