"""Read benchmark-format files: experts.jsonl, requests.jsonl, qrels.tsv, and RUN.tsv (see BENCHMARK.md).

Every line is checked before anything is returned: a file with bad lines raises `DatasetError`, which lists each
bad line with its number and what is wrong with it, so that a whole file can be mended in one pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from matching.types import ExpertProfile, NeedText

T = TypeVar("T")


class DatasetError(ValueError):
    """A benchmark file that cannot be read as its format says: `problems` holds one message per bad line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} bad line(s); first: {problems[0]}")


class _Bad(ValueError):
    """One line's problem (its message names the key at fault)."""


def _lines(path: Path, problems: list[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) of the non-blank lines of a UTF-8 text file, read a line at a time; a line that is not
    UTF-8 is a problem of its own. Only line feeds end a line (JSON strings may hold U+2028 and the like)."""
    offset = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            data = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw  # a byte-order mark (Excel, Notepad)
            try:
                line = data.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                at = offset + len(raw) - len(data) + err.start
                problems.append(f"line {number}: not UTF-8 text (byte {at} of the file)")
            else:
                if line.strip():
                    yield number, line
            offset += len(raw)


def _read(path: Path, parse: Callable[[str], T], key: Callable[[T], str], kind: str) -> list[T]:
    """Each line parsed by `parse` (raising `_Bad`); raises `DatasetError` listing every bad line and every line
    whose `key` (shown in messages as it is) an earlier line had."""
    problems: list[str] = []
    out: list[T] = []
    first_seen: dict[str, int] = {}
    for number, line in _lines(path, problems):
        try:
            item = parse(line)
        except _Bad as err:
            problems.append(f"line {number}: {err}")
            continue
        seen = first_seen.setdefault(key(item), number)
        if seen != number:
            problems.append(f"line {number}: {kind} {key(item)} again (first on line {seen})")
            continue
        out.append(item)
    if problems:
        raise DatasetError(path, problems)
    return out


def _object(line: str) -> dict[str, object]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise _Bad(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(row, dict):
        raise _Bad(f"a JSON object was expected, not {type(row).__name__}")
    return row


def _id(row: dict[str, object]) -> str:
    value = row.get("id")
    # bool is an int to Python, but true is no id
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise _Bad('"id" must be a non-empty string' + ("" if "id" in row else " (it is missing)"))
    return str(value)


def _text(row: dict[str, object], key: str, required: bool = False) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            raise _Bad(f'"{key}" must be a string (it is missing)')
        return None
    if not isinstance(value, str):
        raise _Bad(f'"{key}" must be a string, not {type(value).__name__}')
    return value


def _district(row: dict[str, object]) -> str | None:
    """A district name or GB/T 2260 code; a code may come as a JSON number."""
    value = row.get("district")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(row, "district") or None


def _texts(row: dict[str, object], key: str) -> tuple[str, ...]:
    value = row.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad(f'"{key}" must be a list of strings, not {type(value).__name__}')
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _Bad(f'"{key}"[{i}] must be a string, not {type(item).__name__}')
    return tuple(value)


def _capacity(row: dict[str, object]) -> int | None:
    value = row.get("capacity_left")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad('"capacity_left" must be a whole number from 0 up')
    return value


def _rating(row: dict[str, object]) -> float | None:
    value = row.get("rating")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 5:  # NaN fails the range
        raise _Bad('"rating" must be a number from 1 to 5')
    return float(value)


def _expert(line: str) -> ExpertProfile:
    row = _object(line)
    available = row.get("available", True)
    if not isinstance(available, bool):
        raise _Bad('"available" must be true or false')
    return ExpertProfile(
        id=_id(row),
        profile=_text(row, "profile") or "",
        documents=_texts(row, "documents"),
        fields=_texts(row, "fields"),
        district=_district(row),
        capacity_left=_capacity(row),
        available=available,
        rating=_rating(row),
    )


def _request(line: str) -> NeedText:
    row = _object(line)
    return NeedText(
        id=_id(row),
        text=_text(row, "text", required=True) or "",
        field=_text(row, "field") or None,
        district=_district(row),
    )


def read_experts(path: Path) -> list[ExpertProfile]:
    """Experts from `{"id", "profile", "documents", "fields"}` lines (district, capacity_left, available and rating
    are read too); `DatasetError` lists the bad lines."""
    return _read(path, _expert, lambda e: repr(e.id), "expert")


def read_requests(path: Path) -> list[NeedText]:
    """Needs from `{"id", "text", "field"}` lines; `DatasetError` lists the bad lines."""
    return _read(path, _request, lambda n: repr(n.id), "request")


def _columns(line: str, names: tuple[str, ...]) -> list[str]:
    parts = line.split("\t")
    if len(parts) < len(names):
        raise _Bad(f"{len(names)} tab-separated columns were expected ({', '.join(names)}), found {len(parts)}")
    for name, part in zip(names, parts, strict=False):
        if not part.strip():
            raise _Bad(f"the {name} column is empty")
    return parts


def _number(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise _Bad(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise _Bad(f"{name} {value!r} is not a finite number")
    return number


def _qrel(line: str) -> tuple[str, str, int]:
    request, expert, grade = _columns(line, ("request", "expert", "grade"))[:3]
    value = _number(grade, "grade")
    if value != int(value):
        raise _Bad(f"grade {grade!r} is not a whole number")
    return request, expert, int(value)


def _run_line(line: str) -> tuple[str, str, float]:
    request, expert, rank, score = _columns(line, ("request", "expert", "rank", "score"))[:4]
    if not rank.strip().isdigit():
        raise _Bad(f"rank {rank!r} is not a whole number")
    return request, expert, _number(score, "score")


def _pair(line: tuple[str, str, object]) -> str:
    return f"({line[0]!r}, {line[1]!r})"


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """request_id -> {expert_id: grade} from `request<TAB>expert<TAB>grade` lines; `DatasetError` lists the bad
    lines (a pair listed twice is one)."""
    qrels: dict[str, dict[str, int]] = {}
    for request, expert, grade in _read(path, _qrel, _pair, "pair"):
        qrels.setdefault(request, {})[expert] = grade
    return qrels


def read_run(path: Path) -> dict[str, dict[str, float]]:
    """request_id -> {expert_id: score} from `request<TAB>expert<TAB>rank<TAB>score` lines; `DatasetError` lists
    the bad lines (a pair listed twice is one)."""
    run: dict[str, dict[str, float]] = {}
    for request, expert, score in _read(path, _run_line, _pair, "pair"):
        run.setdefault(request, {})[expert] = score
    return run
