"""Assignment of experts to needs (千名专家下基层 campaigns), solved exactly as a min-cost flow.

Public API:
    `solve_assignment(AssignmentProblem(...), method="mincostflow" | "greedy") -> AssignmentResult`

Priority order: coverage (only with `coverage=True`: every district with demand gets a place where supply
allows) > places filled > total affinity. Each (need, expert) pair is used at most once; conflicts are
never assigned; locked pairs are always in the answer and use up demand, capacity and district caps. Needs
left short carry a reason code (`matching.assignment.reasons`, with Chinese labels in `REASON_LABELS`).

Layout (openreview-matcher style): `problem` (dataclasses) -> `encoding` (arrays, shapes documented there) ->
`solvers` (see arrays only, expose `solve()`) -> `encoding.decode_result`; `core` holds the registry.
"""

from matching.assignment.core import SOLVERS, solve_assignment
from matching.assignment.problem import (
    AssignmentInputError,
    AssignmentProblem,
    AssignmentResult,
    ExpertSlot,
    LockedPairError,
    NeedSlot,
    Unfilled,
)
from matching.assignment.reasons import REASON_LABELS, reason_label

__all__ = [
    "REASON_LABELS",
    "SOLVERS",
    "AssignmentInputError",
    "AssignmentProblem",
    "AssignmentResult",
    "ExpertSlot",
    "LockedPairError",
    "NeedSlot",
    "Unfilled",
    "reason_label",
    "solve_assignment",
]
