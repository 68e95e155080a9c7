"""`zhiqiao match assign --instance I.json --out A.json`: solve an assignment instance from JSON.

Instance: `{"needs": [{"id", "demand", "district"?}], "experts": [{"id", "capacity"}],
"pairs": [[need_id, expert_id, score]], "conflicts"?: [[need_id, expert_id]],
"locked"?: [[need_id, expert_id]], "coverage"?: bool, "district_caps"?: {district: cap}}`.
Ids may be strings or integers and come back as given.

Answer: `{"assignments": [[need_id, expert_id]], "filled": int, "total_score": float,
"unfilled": [{"need_id", "missing", "reason"}]}`. Bad input: a one-line message on stderr and exit code 2.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from matching.assignment import AssignmentProblem, AssignmentResult

BAD_INPUT_EXIT = 2


class InstanceError(ValueError):
    """The instance JSON does not have the documented shape."""


@dataclass
class JsonIds:
    """Need and expert ids as written in the instance (str or int), keyed by the str the solver uses."""

    needs: dict[str, Any] = field(default_factory=dict)
    experts: dict[str, Any] = field(default_factory=dict)


def assign_command(
    instance: Path = typer.Option(..., "--instance", help="Instance JSON"),
    out: Path = typer.Option(..., "--out", help="Where to write the assignment JSON"),
    method: str = typer.Option("mincostflow", "--method", help="Solver: mincostflow (exact) or greedy (baseline)"),
) -> None:
    """Read an instance, solve it (coverage > fill > affinity), write the answer."""
    # Imported here so that other `zhiqiao` commands do not pay for loading the solver stack.
    from matching.assignment import AssignmentInputError, solve_assignment

    try:
        data = json.loads(instance.read_text(encoding="utf-8"))
        problem, ids = problem_from_json(data)
        result = solve_assignment(problem, method=method)
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"cannot read {instance}: {err}")
    except json.JSONDecodeError as err:
        _fail(f"{instance} is not valid JSON: {err}")
    except (InstanceError, AssignmentInputError) as err:
        _fail(f"bad instance {instance}: {err}")
    try:
        out.write_text(json.dumps(result_to_json(result, ids), ensure_ascii=False), encoding="utf-8")
    except OSError as err:
        _fail(f"cannot write {out}: {err}")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=BAD_INPUT_EXIT)


def problem_from_json(data: Any) -> tuple[AssignmentProblem, JsonIds]:
    """Check the instance's shape and build the problem, remembering each id as written in the JSON."""
    from matching.assignment import AssignmentProblem, ExpertSlot, NeedSlot

    if not isinstance(data, dict):
        raise InstanceError("the instance must be a JSON object")
    unknown = set(data) - {"needs", "experts", "pairs", "conflicts", "locked", "coverage", "district_caps"}
    if unknown:
        # Extra keys (labels, metadata) do no harm; say so rather than refuse the instance.
        typer.echo(f"warning: ignoring unknown keys {sorted(unknown)}", err=True)
    ids = JsonIds()
    needs = [
        NeedSlot(
            _id(item, "needs", ids.needs),
            _count(item, "demand", "needs"),
            _district(item.get("district")),
        )
        for item in _objects(data, "needs")
    ]
    experts = [
        ExpertSlot(_id(item, "experts", ids.experts), _count(item, "capacity", "experts"))
        for item in _objects(data, "experts")
    ]
    pairs = [(_ref(row[0]), _ref(row[1]), _score(row[2])) for row in _rows(data, "pairs", 3)]
    conflicts = [(_ref(row[0]), _ref(row[1])) for row in _rows(data, "conflicts", 2)]
    locked = [(_ref(row[0]), _ref(row[1])) for row in _rows(data, "locked", 2)]
    coverage = data.get("coverage", False)
    if not isinstance(coverage, bool):
        raise InstanceError(f'"coverage" must be true or false, got {coverage!r}')
    caps = data.get("district_caps")
    if caps is not None and not isinstance(caps, dict):
        raise InstanceError('"district_caps" must be an object {district: cap}')
    problem = AssignmentProblem(needs, experts, pairs, conflicts, locked, coverage=coverage, district_caps=caps)
    return problem, ids


def result_to_json(result: AssignmentResult, ids: JsonIds) -> dict[str, Any]:
    """The answer in the CLI's JSON shape, ids written back as they came."""
    return {
        "assignments": [[ids.needs[n], ids.experts[e]] for n, e in result.assignments],
        "filled": result.filled,
        "total_score": result.total_score,
        "unfilled": [
            {"need_id": ids.needs[u.need_id], "missing": u.missing, "reason": u.reason} for u in result.unfilled
        ],
    }


def _objects(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InstanceError(f'"{key}" must be a list of objects')
    return items


def _rows(data: dict[str, Any], key: str, width: int) -> list[list[Any]]:
    rows = data.get(key, [] if key != "pairs" else None)
    if not isinstance(rows, list):
        raise InstanceError(f'"{key}" must be a list of [{", ".join(["...", "..."] + ["score"] * (width - 2))}]')
    for row in rows:
        if not isinstance(row, list) or len(row) != width:
            raise InstanceError(f'every entry of "{key}" must be a list of {width} items, got {row!r}')
    return rows


def _ref(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InstanceError(f"ids must be strings or integers, got {value!r}")
    return str(value)


def _id(item: dict[str, Any], kind: str, id_of: dict[str, Any]) -> str:
    if "id" not in item:
        raise InstanceError(f'an entry of "{kind}" has no "id"')
    key = _ref(item["id"])
    id_of.setdefault(key, item["id"])
    return key


def _count(item: dict[str, Any], field: str, kind: str) -> int:
    value = item.get(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InstanceError(f'"{field}" of {kind} entry {item.get("id")!r} must be a whole number >= 0, got {value!r}')
    return value


def _district(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InstanceError(f"a district must be a string, got {value!r}")


def _score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(f"scores must be finite numbers, got {value!r}")
    return float(value)
