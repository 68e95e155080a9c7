"""`zhiqiao match rank` and `zhiqiao match evaluate` on a tiny set written here."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app

EXPERTS = [
    {"id": "rice", "profile": "水稻栽培", "documents": ["稻田病虫害绿色防控"], "fields": ["作物学"]},
    {"id": "pig", "profile": "", "documents": ["生猪养殖", "非洲猪瘟防控"], "fields": ["畜牧学"]},
    {"id": "bridge", "profile": "桥梁工程", "documents": ["桥梁抗震加固"], "fields": []},
]
REQUESTS = [
    {"id": "q1", "text": "水稻病虫害防控", "field": "作物学"},
    {"id": "q2", "text": "猪瘟防控", "field": None},
    {"id": "q3", "text": "旧桥抗震加固", "field": "土木工程"},
]
QRELS = "q1\trice\t1\nq2\tpig\t1\nq3\tbridge\t1\n"


def _write_set(folder: Path) -> None:
    (folder / "experts.jsonl").write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in EXPERTS) + "\n")
    (folder / "requests.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in REQUESTS) + "\n")
    (folder / "qrels.tsv").write_text(QRELS)


def test_rank_writes_the_contract_format_and_evaluate_reads_it(tmp_path: Path) -> None:
    _write_set(tmp_path)
    run = tmp_path / "run.tsv"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["match", "rank", "--experts", str(tmp_path / "experts.jsonl"), "--requests",
         str(tmp_path / "requests.jsonl"), "--top", "0", "--out", str(run)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in run.read_text().splitlines()]
    assert len(lines) == 9
    for request in ("q1", "q2", "q3"):
        mine = [row for row in lines if row[0] == request]
        assert [int(row[2]) for row in mine] == [1, 2, 3]
        scores = [float(row[3]) for row in mine]
        assert scores == sorted(scores, reverse=True)
    assert {(row[0], row[1]) for row in lines if row[2] == "1"} == {("q1", "rice"), ("q2", "pig"), ("q3", "bridge")}

    result = runner.invoke(app, ["match", "evaluate", "--run", str(run), "--qrels", str(tmp_path / "qrels.tsv")])
    assert result.exit_code == 0, result.output
    assert "MRR\t1.0000" in result.output
    assert "R@1\t1.0000" in result.output
    # every pair scored: each expert's own request scores above the other two for that expert
    assert "cross_request_loss\t0.0000" in result.output


def test_evaluate_set_ranks_then_scores(tmp_path: Path) -> None:
    _write_set(tmp_path)
    result = CliRunner().invoke(app, ["match", "evaluate", "--set", str(tmp_path), "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "nDCG@10\t1.0000" in result.output
    assert "cross_request_loss" not in result.output  # two experts a request: not every pair is scored


def test_evaluate_without_inputs_fails() -> None:
    assert CliRunner().invoke(app, ["match", "evaluate"]).exit_code != 0


def test_rank_with_an_analysis_cache_writes_the_same_run(tmp_path: Path) -> None:
    _write_set(tmp_path)
    runner = CliRunner()
    runs = []
    for name, extra in (("plain", []), ("filling", ["--analysis-cache", str(tmp_path / "cache")]),
                        ("reading", ["--analysis-cache", str(tmp_path / "cache")])):  # fmt: skip
        run = tmp_path / f"{name}.tsv"
        result = runner.invoke(
            app,
            ["match", "rank", "--experts", str(tmp_path / "experts.jsonl"), "--requests",
             str(tmp_path / "requests.jsonl"), "--top", "0", "--out", str(run), *extra],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        runs.append(run.read_text())
    assert runs[0] == runs[1] == runs[2]
    assert len(list((tmp_path / "cache").glob("seg-*.npz"))) == 1  # the second run read, wrote nothing


def _rank(tmp_path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["match", "rank", "--experts", str(tmp_path / "experts.jsonl"), "--requests",
         str(tmp_path / "requests.jsonl"), "--top", "2", *extra],
    )  # fmt: skip
    return result.exit_code, result.output


def test_rank_reports_every_bad_line_of_both_files_and_writes_nothing(tmp_path: Path) -> None:
    _write_set(tmp_path)
    with (tmp_path / "experts.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "x", "documents": "one text"}\n{"id": "rice"}\n')
    with (tmp_path / "requests.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "q4", "text": "abc"\n')
    run = tmp_path / "run.tsv"
    code, output = _rank(tmp_path, "--out", str(run))
    assert code == 2
    assert f'error: {tmp_path / "experts.jsonl"}: line 4: "documents" must be a list of strings' in output
    assert f"error: {tmp_path / 'experts.jsonl'}: line 5: expert 'rice' again (first on line 1)" in output
    assert f"error: {tmp_path / 'requests.jsonl'}: line 4: not valid JSON" in output
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experts.jsonl", "qrels.tsv", "requests.jsonl"]


def test_rank_reports_an_empty_expert_file_and_a_missing_output_folder(tmp_path: Path) -> None:
    _write_set(tmp_path)
    code, output = _rank(tmp_path, "--out", str(tmp_path / "no" / "run.tsv"))
    assert (code, output.strip()) == (2, f"error: {tmp_path / 'no' / 'run.tsv'}: its folder does not exist")
    (tmp_path / "experts.jsonl").write_text("\n")
    code, output = _rank(tmp_path, "--out", str(tmp_path / "run.tsv"))
    assert (code, output.strip()) == (2, f"error: {tmp_path / 'experts.jsonl'}: no experts in the file")


def test_a_failed_rank_keeps_the_earlier_run(tmp_path: Path) -> None:
    _write_set(tmp_path)
    run = tmp_path / "run.tsv"
    assert _rank(tmp_path, "--out", str(run))[0] == 0
    before = run.read_text()
    (tmp_path / "requests.jsonl").write_text('{"id": "q1"}\n')
    assert _rank(tmp_path, "--out", str(run))[0] == 2
    assert run.read_text() == before


def test_evaluate_reports_bad_qrels_before_ranking(tmp_path: Path) -> None:
    _write_set(tmp_path)
    (tmp_path / "qrels.tsv").write_text("q1\trice\thigh\n")
    result = CliRunner().invoke(app, ["match", "evaluate", "--set", str(tmp_path), "--out", str(tmp_path / "run.tsv")])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'qrels.tsv'}: line 1: grade 'high' is not a number"
    assert not (tmp_path / "run.tsv").exists()
