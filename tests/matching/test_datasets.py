"""Reading benchmark files (matching/datasets.py): good lines parsed, every bad line reported with its number."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from matching.datasets import DatasetError, read_experts, read_qrels, read_requests, read_run
from matching.types import ExpertProfile, NeedText


def _problems(read: Callable[[Path], object], path: Path) -> list[str]:
    """What `read` reports of a bad file."""
    with pytest.raises(DatasetError) as caught:
        read(path)
    assert caught.value.path == path
    return caught.value.problems


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_experts_with_every_key_are_read(tmp_path: Path) -> None:
    row = {"id": 7, "profile": "水稻", "documents": ["稻瘟病"], "fields": ["作物学"], "district": "城关区",
           "capacity_left": 0, "available": False, "rating": 4}  # fmt: skip
    lines = [json.dumps(row, ensure_ascii=False), "", '{"id": "b"}', '{"id": "c", "district": 510131}']
    assert read_experts(_write(tmp_path / "e.jsonl", lines)) == [
        ExpertProfile("7", "水稻", ("稻瘟病",), ("作物学",), "城关区", capacity_left=0, available=False, rating=4.0),
        ExpertProfile("b"),  # profile, documents and fields may be left out
        ExpertProfile("c", district="510131"),  # a district code as a number
    ]


def test_a_byte_order_mark_and_line_separators_inside_strings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [json.dumps({"id": "q1", "text": "一\u2028二"}, ensure_ascii=False), json.dumps({"id": "q2", "text": ""})]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    assert read_requests(path) == [NeedText("q1", "一\u2028二"), NeedText("q2", "")]


BAD_EXPERTS = [
    ('{"id": "a", "profile": "x"', "not valid JSON"),
    ("[1, 2]", "a JSON object was expected, not list"),
    ('{"profile": "x"}', '"id" must be a non-empty string (it is missing)'),
    ('{"id": ""}', '"id" must be a non-empty string'),
    ('{"id": true}', '"id" must be a non-empty string'),
    ('{"id": "c", "profile": 3}', '"profile" must be a string, not int'),
    ('{"id": "d", "documents": "one text"}', '"documents" must be a list of strings, not str'),
    ('{"id": "e", "fields": ["a", 3]}', '"fields"[1] must be a string, not int'),
    ('{"id": "f", "capacity_left": -1}', '"capacity_left" must be a whole number from 0 up'),
    ('{"id": "g", "capacity_left": 1.5}', '"capacity_left" must be a whole number from 0 up'),
    ('{"id": "h", "rating": 6}', '"rating" must be a number from 1 to 5'),
    ('{"id": "i", "rating": NaN}', '"rating" must be a number from 1 to 5'),
    ('{"id": "j", "available": "yes"}', '"available" must be true or false'),
    ('{"id": "k", "district": ["a"]}', '"district" must be a string, not list'),
]


def test_every_bad_expert_line_is_reported_with_its_number(tmp_path: Path) -> None:
    good = '{"id": "ok"}'
    path = _write(tmp_path / "e.jsonl", [good] + [line for line, _ in BAD_EXPERTS] + [good])
    problems = _problems(read_experts, path)
    expected = [f"line {n}: {message}" for n, (_, message) in enumerate(BAD_EXPERTS, start=2)]
    expected.append(f"line {len(BAD_EXPERTS) + 2}: expert 'ok' again (first on line 1)")
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem


def test_requests_need_a_text_and_unique_ids(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.jsonl", ['{"id": "q1", "text": "a", "field": null}', '{"id": "q2"}',
                                         '{"id": "q1", "text": "b"}', '{"id": "q3", "text": ["a"]}'])  # fmt: skip
    assert _problems(read_requests, path) == [
        'line 2: "text" must be a string (it is missing)',
        "line 3: request 'q1' again (first on line 1)",
        'line 4: "text" must be a string, not list',
    ]


def test_text_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = b'{"id": "q1", "text": "a"}\n{"id": "q2", "text": "\xb0\xa1"}\n{"id": "q3", "text": "\xb0"}\n'
    for bom in (b"", b"\xef\xbb\xbf"):  # GB2312 in line 2 at byte 48, and in line 3
        path.write_bytes(bom + lines)
        at = 48 + len(bom)
        assert _problems(read_requests, path) == [
            f"line 2: not UTF-8 text (byte {at} of the file)",
            f"line 3: not UTF-8 text (byte {at + 27} of the file)",  # line 2 is 27 bytes long
        ]


def test_qrels_grades_are_whole_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.tsv", ["q1\ta\t2", "q1\tb\t1.0", "q2\ta\t0"])
    assert read_qrels(path) == {"q1": {"a": 2, "b": 1}, "q2": {"a": 0}}
    bad = _write(tmp_path / "bad.tsv", ["q1\ta\t2", "q1\tb", "q1\tc\tx", "q1\td\t1.5", "q1\te\tinf", "q1\ta\t1",
                                        "\tf\t1"])  # fmt: skip
    assert _problems(read_qrels, bad) == [
        "line 2: 3 tab-separated columns were expected (request, expert, grade), found 2",
        "line 3: grade 'x' is not a number",
        "line 4: grade '1.5' is not a whole number",
        "line 5: grade 'inf' is not a finite number",
        "line 6: pair ('q1', 'a') again (first on line 1)",
        "line 7: the request column is empty",
    ]


def test_run_lines_need_a_rank_and_a_score(tmp_path: Path) -> None:
    path = _write(tmp_path / "run.tsv", ["q1\ta\t1\t0.5", "q1\tb\t2\t0.25"])
    assert read_run(path) == {"q1": {"a": 0.5, "b": 0.25}}
    bad = _write(tmp_path / "bad.tsv", ["q1\ta\tfirst\t0.5", "q1\tb\t2\thigh", "q1\tc\t3"])
    assert _problems(read_run, bad) == [
        "line 1: rank 'first' is not a whole number",
        "line 2: score 'high' is not a number",
        "line 3: 4 tab-separated columns were expected (request, expert, rank, score), found 3",
    ]
