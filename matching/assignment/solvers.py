"""Assignment solvers: they see only `AssignmentArrays` and return a bool mask over free pairs, shape (P,).

Priority order of every solver here (DESIGN §4): **coverage > fill > affinity**. With `coverage`, first
as many districts with demand as possible get at least one place; then as many places as possible are
filled; then the total affinity is as large as possible. Coverage never costs a place: the per-district
fills a flow network can carry form a polymatroid, so any coverable set of districts extends to a maximum
fill. The exact solver therefore runs "maximum flow, then least cost among maximum flows" with a coverage
bonus that outweighs any difference in affinity.

Scores are rounded to integer costs (see `matching.assignment.flow`): the largest |score| becomes 10^6 units,
fewer only for networks too large to afford it; `score_resolution_` records the step actually used.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from matching.assignment.encoding import AssignmentArrays
from matching.assignment.flow import cost_budget, run_min_cost_flow, scaled, score_scale

BoolArray = npt.NDArray[np.bool_]


class AssignmentSolver(ABC):
    """Base: `__init__` stores the arrays and options, `solve()` returns the chosen free pairs."""

    name: ClassVar[str]

    def __init__(self, arrays: AssignmentArrays, *, coverage: bool = False) -> None:
        self.arrays = arrays
        self.coverage = coverage
        self.score_resolution_ = 0.0

    @abstractmethod
    def solve(self) -> BoolArray:
        """The chosen free pairs as a bool mask of shape (P,)."""


class MinCostFlowSolver(AssignmentSolver):
    """Exact: OR-Tools min-cost flow, source -> district -> need -> expert -> sink.

    Nodes: needs [0, N), experts [N, N+E), districts [N+E, N+E+D), then source and sink. A need without a
    district hangs straight off the source. Each candidate pair is one arc of capacity 1, so a pair is used at
    most once; need arcs carry the open demand, expert arcs the remaining capacity, district arcs the cap.
    """

    name = "mincostflow"

    def solve(self) -> BoolArray:
        """Maximum fill, then (with coverage) most districts served, then most affinity; exactly."""
        chosen = self._solve_flow(with_cover_bonus=False)
        # The coverage bonus widens the cost range and slows the solver by half; it is only needed when the
        # plain optimum leaves a district unserved that some free pair could serve.
        if self.coverage and not self._serves_every_reachable_district(chosen):
            chosen = self._solve_flow(with_cover_bonus=True)
        return chosen

    def _serves_every_reachable_district(self, chosen: BoolArray) -> bool:
        a = self.arrays
        pair_district = a.need_district[a.pair_need]
        usable = (pair_district >= 0) & (a.demand[a.pair_need] > 0) & (a.capacity[a.pair_expert] > 0)
        reachable = np.zeros(a.n_districts, dtype=bool)
        reachable[pair_district[usable]] = True
        reachable &= a.district_uncovered & (a.district_room > 0)
        served = np.zeros(a.n_districts, dtype=bool)
        served_districts = pair_district[chosen]
        served[served_districts[served_districts >= 0]] = True
        return bool(np.all(served[reachable]))

    def _solve_flow(self, *, with_cover_bonus: bool) -> BoolArray:
        a = self.arrays
        n_needs, n_experts, n_districts, n_pairs = a.n_needs, a.n_experts, a.n_districts, len(a.pair_need)
        if n_pairs == 0:
            return np.zeros(0, dtype=bool)
        source = n_needs + n_experts + n_districts
        sink = source + 1
        need_nodes = np.arange(n_needs, dtype=np.int64)
        district_nodes = n_needs + n_experts + np.arange(n_districts, dtype=np.int64)

        # Capacities are clipped to what could ever flow, so huge inputs cannot overflow the solver.
        demand = np.minimum(a.demand, np.bincount(a.pair_need, minlength=n_needs))
        capacity = np.minimum(a.capacity, np.bincount(a.pair_expert, minlength=n_experts))
        has_district = a.need_district >= 0
        district_demand = np.bincount(
            a.need_district[has_district], weights=demand[has_district], minlength=n_districts
        )
        room = np.minimum(a.district_room, district_demand.astype(np.int64))
        max_fill = int(min(demand.sum(), capacity.sum()))

        n_nodes = sink + 1
        budget = cost_budget(n_nodes, max_fill)
        max_abs = float(np.max(np.abs(a.pair_score)))
        units = (budget - 1) / (2 * max(max_fill, 1)) if with_cover_bonus else budget
        scale = score_scale(max_abs, budget_units=units)
        pair_cost = -scaled(a.pair_score, scale)
        self.score_resolution_ = 1.0 / scale if max_abs > 0 else 0.0

        covering = a.district_uncovered & (room > 0) if with_cover_bonus else np.zeros(n_districts, dtype=bool)
        cover_bonus = 2 * max(max_fill, 1) * int(np.max(np.abs(pair_cost))) + 1
        tails = [
            np.full(int((~has_district).sum()), source),
            a.need_district[has_district] + n_needs + n_experts,
            np.full(int(covering.sum()), source),
            np.full(n_districts, source),
            a.pair_need,
            n_needs + np.arange(n_experts, dtype=np.int64),
        ]
        heads = [
            need_nodes[~has_district],
            need_nodes[has_district],
            district_nodes[covering],
            district_nodes,
            n_needs + a.pair_expert,
            np.full(n_experts, sink),
        ]
        capacities = [
            demand[~has_district],
            demand[has_district],
            np.ones(int(covering.sum()), dtype=np.int64),
            room - covering,
            np.ones(n_pairs, dtype=np.int64),
            capacity,
        ]
        costs = [
            np.zeros(int((~has_district).sum()), dtype=np.int64),
            np.zeros(int(has_district.sum()), dtype=np.int64),
            np.full(int(covering.sum()), -cover_bonus, dtype=np.int64),
            np.zeros(n_districts, dtype=np.int64),
            pair_cost,
            np.zeros(n_experts, dtype=np.int64),
        ]
        first_pair_arc = sum(len(t) for t in tails[:4])
        flows = run_min_cost_flow(
            np.concatenate(tails).astype(np.int64),
            np.concatenate(heads).astype(np.int64),
            np.concatenate(capacities).astype(np.int64),
            np.concatenate(costs),
            n_nodes=n_nodes,
            source=source,
            sink=sink,
            max_flow_first=True,
        )
        return flows[first_pair_arc : first_pair_arc + n_pairs] > 0


class GreedySolver(AssignmentSolver):
    """Baseline: take pairs from the highest score down while demand, capacity and caps allow.

    With coverage, a first pass gives each uncovered district its best feasible pair; the second pass is the
    plain greedy. Not optimal in fill or affinity; kept to measure what the exact solver gains.
    """

    name = "greedy"

    def solve(self) -> BoolArray:
        """Highest score first, respecting every constraint."""
        a = self.arrays
        order = np.argsort(-a.pair_score, kind="stable")
        pair_need = a.pair_need[order].tolist()
        pair_expert = a.pair_expert[order].tolist()
        need_left = a.demand.tolist()
        capacity_left = a.capacity.tolist()
        room = a.district_room.tolist()
        need_district = a.need_district.tolist()
        taken = [False] * len(order)

        def take(k: int, need: int, expert: int, district: int) -> None:
            taken[k] = True
            need_left[need] -= 1
            capacity_left[expert] -= 1
            if district >= 0:
                room[district] -= 1

        if self.coverage:
            uncovered = a.district_uncovered.tolist()
            for k, (need, expert) in enumerate(zip(pair_need, pair_expert, strict=True)):
                district = need_district[need]
                if district >= 0 and uncovered[district] and need_left[need] and capacity_left[expert]:
                    if room[district] > 0:
                        take(k, need, expert, district)
                        uncovered[district] = False
        for k, (need, expert) in enumerate(zip(pair_need, pair_expert, strict=True)):
            if taken[k] or need_left[need] <= 0 or capacity_left[expert] <= 0:
                continue
            district = need_district[need]
            if district < 0 or room[district] > 0:
                take(k, need, expert, district)
        chosen = np.zeros(len(order), dtype=bool)
        chosen[order] = np.asarray(taken, dtype=bool)
        return chosen
