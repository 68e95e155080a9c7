"""`solve_assignment`: encode the problem, run the chosen solver, decode the answer."""

from __future__ import annotations

from types import MappingProxyType

from matching.assignment.encoding import decode_result, encode_problem
from matching.assignment.problem import AssignmentInputError, AssignmentProblem, AssignmentResult
from matching.assignment.solvers import AssignmentSolver, GreedySolver, MinCostFlowSolver

SOLVERS: MappingProxyType[str, type[AssignmentSolver]] = MappingProxyType(
    {MinCostFlowSolver.name: MinCostFlowSolver, GreedySolver.name: GreedySolver}
)


def solve_assignment(problem: AssignmentProblem, method: str = "mincostflow") -> AssignmentResult:
    """Assign experts to needs: coverage (if asked) > places filled > affinity; `method` picks the solver."""
    try:
        solver_class = SOLVERS[method]
    except KeyError:
        raise AssignmentInputError(f"unknown method {method!r}; choose one of {sorted(SOLVERS)}") from None
    encoded = encode_problem(problem)
    solver = solver_class(encoded.arrays, coverage=problem.coverage)
    chosen = solver.solve()
    return decode_result(encoded, chosen, method=method, score_resolution=solver.score_resolution_)
