"""Min-cost flow on arrays with OR-Tools, and the rules for turning real-valued scores into integer costs.

OR-Tools' `SimpleMinCostFlow` works on 64-bit integer costs and refuses (status BAD_COST_RANGE) a network
whose largest |cost| times (number of nodes + 1) would overflow, because its cost-scaling algorithm
multiplies every cost by that factor. The helpers here keep every cost, and every total cost, below
`2**60`, with room to spare.

Arc arrays handed to `run_min_cost_flow` all have shape (A,) for A arcs: `tails`, `heads` (node indices),
`capacities` (>= 0) and `unit_costs` (int64). The result is the flow on each arc, int64 of shape (A,).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

IntArray = npt.NDArray[np.int64]

# Largest |score| becomes this many integer cost units when the network is small enough to allow it, so the
# score resolution is max|score| / 1e6 (1e-6 for scores in [-1, 1]).
SCORE_UNITS = 10**6
_SAFE_LIMIT = 2**60
MAX_SCALE = 1e290


class FlowSolverError(RuntimeError):
    """OR-Tools did not return an optimal flow (a bug in how the network was built, not bad user input)."""


def cost_budget(n_nodes: int, max_total_flow: int) -> int:
    """The largest |unit cost| any arc may carry in a network of this size without risking overflow."""
    return max(1, _SAFE_LIMIT // (max(n_nodes, max_total_flow, 1) + 1))


def score_scale(max_abs_score: float, *, budget_units: float) -> float:
    """Multiplier from score to integer cost: max|score| becomes `min(SCORE_UNITS, budget_units)` units."""
    if max_abs_score <= 0.0:
        return 1.0
    # Subnormal scores would overflow the multiplier to inf; below 1e-290 differences count as ties.
    return min(min(SCORE_UNITS, budget_units) / max_abs_score, MAX_SCALE)


def scaled(values: npt.NDArray[np.float64], scale: float) -> IntArray:
    """Round `values * scale` to the nearest int64."""
    return np.rint(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)


def run_min_cost_flow(
    tails: IntArray,
    heads: IntArray,
    capacities: IntArray,
    unit_costs: IntArray,
    *,
    n_nodes: int,
    source: int,
    sink: int,
    max_flow_first: bool,
) -> IntArray:
    """Send flow from `source` to `sink` at least cost; return the flow on each arc, shape (A,).

    With `max_flow_first` the flow value is the maximum possible and the cost is least among maximum flows.
    Without it, any amount of flow may be sent: the cost alone decides (negative costs attract flow).
    """
    solver = min_cost_flow.SimpleMinCostFlow()
    n_arcs = len(tails)
    if n_arcs:
        solver.add_arcs_with_capacity_and_unit_cost(
            np.asarray(tails, dtype=np.int32),
            np.asarray(heads, dtype=np.int32),
            np.asarray(capacities, dtype=np.int64),
            np.asarray(unit_costs, dtype=np.int64),
        )
    supply = int(np.sum(capacities[tails == source])) if n_arcs else 0
    if not max_flow_first:
        # A free bypass lets the solver leave supply unused, so "send nothing" is always feasible.
        solver.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)
    # The solver only knows nodes that arcs touch; an empty arc makes sure source and sink exist.
    solver.add_arc_with_capacity_and_unit_cost(source, sink, 0, 0)
    solver.set_node_supply(source, supply)
    solver.set_node_supply(sink, -supply)
    status = solver.solve_max_flow_with_min_cost() if max_flow_first else solver.solve()
    if status != solver.OPTIMAL:
        raise FlowSolverError(f"min-cost flow ended with status {status!r} on {n_nodes} nodes, {n_arcs} arcs")
    if not n_arcs:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(solver.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)
