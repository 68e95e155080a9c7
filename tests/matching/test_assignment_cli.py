"""`zhiqiao match assign` end to end: JSON in, JSON out, exit code 2 and a clear message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()

INSTANCE: dict[str, Any] = {
    "needs": [
        {"id": "n1", "demand": 2, "district": "锦江区"},
        {"id": "n2", "demand": 1, "district": "青羊区"},
        {"id": "n3", "demand": 1},
    ],
    "experts": [{"id": "e1", "capacity": 1}, {"id": "e2", "capacity": 1}, {"id": "e3", "capacity": 2}],
    "pairs": [["n1", "e1", 0.9], ["n1", "e2", 0.8], ["n2", "e1", 0.1], ["n3", "e3", 0.3], ["n3", "e2", 0.7]],
    "conflicts": [["n3", "e2"]],
    "locked": [["n3", "e3"]],
}


def _run(tmp_path: Path, instance: object, *extra: str) -> tuple[int, str, dict[str, Any] | None]:
    source = tmp_path / "instance.json"
    source.write_text(instance if isinstance(instance, str) else json.dumps(instance), encoding="utf-8")
    out = tmp_path / "answer.json"
    result = runner.invoke(app, ["match", "assign", "--instance", str(source), "--out", str(out), *extra])
    answer = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return result.exit_code, result.output, answer


def test_assign_writes_the_documented_answer(tmp_path: Path) -> None:
    code, _, answer = _run(tmp_path, INSTANCE)
    assert code == 0
    assert answer == {
        "assignments": [["n1", "e1"], ["n1", "e2"], ["n3", "e3"]],
        "filled": 3,
        "total_score": pytest.approx(2.0),
        "unfilled": [{"need_id": "n2", "missing": 1, "reason": "experts_full"}],
    }


def test_assign_with_coverage_serves_both_districts(tmp_path: Path) -> None:
    code, _, answer = _run(tmp_path, {**INSTANCE, "coverage": True})
    assert code == 0
    assert answer is not None
    assert answer["assignments"] == [["n1", "e2"], ["n2", "e1"], ["n3", "e3"]]
    assert answer["unfilled"] == [{"need_id": "n1", "missing": 1, "reason": "experts_full"}]


def test_integer_ids_come_back_as_integers(tmp_path: Path) -> None:
    instance = {
        "needs": [{"id": 1, "demand": 1}],
        "experts": [{"id": 7, "capacity": 1}],
        "pairs": [[1, 7, 2]],
    }
    code, _, answer = _run(tmp_path, instance)
    assert code == 0
    assert answer == {"assignments": [[1, 7]], "filled": 1, "total_score": 2.0, "unfilled": []}


def test_greedy_method_is_available(tmp_path: Path) -> None:
    code, _, answer = _run(tmp_path, INSTANCE, "--method", "greedy")
    assert code == 0
    assert answer is not None
    assert answer["filled"] == 3


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ('{"needs": [', "not valid JSON"),
        ("[]", "must be a JSON object"),
        ({**INSTANCE, "pairs": [["n1", "ghost", 1.0]]}, "unknown expert 'ghost'"),
        ({**INSTANCE, "pairs": [["nobody", "e1", 1.0]]}, "unknown need 'nobody'"),
        ({**INSTANCE, "needs": [{"id": "n1", "demand": -1}]}, "demand"),
        ({**INSTANCE, "needs": [{"id": "n1", "demand": 1.5}]}, "demand"),
        ({**INSTANCE, "experts": [{"id": "e1"}]}, "capacity"),
        ({**INSTANCE, "pairs": [["n1", "e1"]]}, "3 items"),
        ({**INSTANCE, "pairs": [["n1", "e1", "high"]]}, "finite numbers"),
        ({**INSTANCE, "locked": [["n3", "e2"]]}, "also a conflict"),
        ({**INSTANCE, "coverage": "yes"}, "coverage"),
        ({"needs": [], "experts": []}, '"pairs" must be a list'),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, instance: object, message: str) -> None:
    code, output, answer = _run(tmp_path, instance)
    assert code == 2
    assert message in output
    assert "Traceback" not in output
    assert answer is None


def test_missing_instance_file_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    result = runner.invoke(app, ["match", "assign", "--instance", str(tmp_path / "none.json"), "--out", str(out)])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_console_script_runs_in_a_fresh_process(tmp_path: Path) -> None:
    source = tmp_path / "i.json"
    source.write_text(json.dumps(INSTANCE), encoding="utf-8")
    out = tmp_path / "a.json"
    command = [sys.executable, "-c", "from service.cli import main; main()", "match", "assign"]
    command += ["--instance", str(source), "--out", str(out)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["filled"] == 3
    source.write_text('{"needs": [{"id": "n1", "demand": -2}], "experts": [], "pairs": []}', encoding="utf-8")
    bad = subprocess.run(command, capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert "demand" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "instance",
    [
        {**INSTANCE, "needs": [{"id": "n1", "demand": 10**30}]},
        {**INSTANCE, "pairs": [["n1", "e1", 1e308]]},
        {**INSTANCE, "district_caps": {"锦江区": -1}},
        {**INSTANCE, "needs": [{"id": True, "demand": 1}]},
        '{"needs": [], "experts": [], "pairs": [["a", "b", NaN]]}',
    ],
)
def test_extreme_values_are_refused_cleanly(tmp_path: Path, instance: object) -> None:
    code, output, answer = _run(tmp_path, instance)
    assert code == 2
    assert output.startswith("error: ")
    assert "Traceback" not in output
    assert answer is None


def test_unknown_top_level_keys_are_ignored_with_a_warning(tmp_path: Path) -> None:
    code, output, answer = _run(tmp_path, {**INSTANCE, "name": "2024 第一批"})
    assert code == 0
    assert "ignoring unknown keys ['name']" in output
    assert answer is not None
    assert answer["filled"] == 3
