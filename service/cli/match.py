"""`zhiqiao match ...`: the matching engine from the command line (file formats: `matching/datasets.py`)."""

from __future__ import annotations

import errno
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from tqdm import tqdm

from matching import MatchEngine
from matching.analysis_cache import AnalysisCache
from matching.datasets import DatasetError, read_experts, read_qrels, read_requests, read_run
from matching.evaluate import (
    Qrels,
    Run,
    cross_request_loss,
    has_graded_pairs,
    is_complete,
    pairwise_loss,
    retrieval_metrics,
)
from service.cli.match_assign import BAD_INPUT_EXIT, assign_command

ANALYSIS_CACHE_OPTION = typer.Option(
    None,
    "--analysis-cache",
    file_okay=False,
    help="A folder that keeps each expert's analysed text, so that a later run over the same experts is faster",
)

match_app = typer.Typer(no_args_is_help=True)
match_app.command("assign", help="Solve an assignment instance (JSON in, JSON out).")(assign_command)


class _BadFiles(Exception):
    """Several input files with bad lines, each a `DatasetError`."""

    def __init__(self, errors: list[DatasetError]) -> None:
        super().__init__(errors)
        self.errors = errors


def _read_all(*reads: tuple[Callable[[Path], Any], Path]) -> list[Any]:
    """Each (reader, path) read; when some files have bad lines, `_BadFiles` names the bad lines of all of them."""
    out: list[Any] = []
    errors: list[DatasetError] = []
    for read, path in reads:
        try:
            out.append(read(path))
        except DatasetError as err:
            errors.append(err)
    if errors:
        raise _BadFiles(errors)
    return out


@contextmanager
def _reported_input_errors() -> Iterator[None]:
    """Bad input files and unreadable or unwritable paths end the command with every problem on stderr and exit
    code 2, instead of a traceback."""
    try:
        yield
    except (DatasetError, _BadFiles) as err:
        for bad in err.errors if isinstance(err, _BadFiles) else [err]:
            for problem in bad.problems:
                typer.echo(f"error: {bad.path}: {problem}", err=True)
        raise typer.Exit(code=BAD_INPUT_EXIT) from None
    except OSError as err:
        typer.echo(f"error: {err.filename or ''}: {err.strerror or err}", err=True)
        raise typer.Exit(code=BAD_INPUT_EXIT) from None


def rank_files(experts_path: Path, requests_path: Path, top: int, out: Path, analysis_cache: Path | None = None) -> int:
    """Fit the engine on both files, rank experts for every request, write RUN.tsv; returns lines written.

    Both files are read and checked whole before anything is written (`DatasetError` lists their bad lines), and
    RUN.tsv is written beside itself and renamed into place at the end, so a failed run leaves no partial file."""
    if not out.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", str(out))
    experts, requests = _read_all((read_experts, experts_path), (read_requests, requests_path))
    if not experts:
        raise DatasetError(experts_path, ["no experts in the file"])
    print(f"fitting on {len(experts)} experts and {len(requests)} requests", file=sys.stderr)
    cache = AnalysisCache(analysis_cache) if analysis_cache is not None else None
    engine = MatchEngine(analysis_cache=cache).fit(experts, requests)
    lines = 0
    partial = out.with_name(out.name + ".part")
    try:
        with partial.open("w", encoding="utf-8") as fh, tqdm(total=len(requests), unit="req", file=sys.stderr) as bar:
            for need, ranked in engine.rank_many(requests, top):
                for rank, (expert_id, score) in enumerate(ranked, start=1):
                    fh.write(f"{need.id}\t{expert_id}\t{rank}\t{score:.6f}\n")
                lines += len(ranked)
                bar.update(1)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return lines


@match_app.command("rank")
def rank_command(
    experts: Path = typer.Option(..., "--experts", exists=True, dir_okay=False, help="experts.jsonl"),
    requests: Path = typer.Option(..., "--requests", exists=True, dir_okay=False, help="requests.jsonl"),
    top: int = typer.Option(100, "--top", min=0, help="Experts per request (0 = every expert)"),
    out: Path = typer.Option(..., "--out", help="RUN.tsv to write"),
    analysis_cache: Path | None = ANALYSIS_CACHE_OPTION,
) -> None:
    """Rank experts for each request: lines `request_id<TAB>expert_id<TAB>rank<TAB>score`."""
    with _reported_input_errors():
        rank_files(experts, requests, top, out, analysis_cache)


def _print_metrics(run: Run, qrels: Qrels) -> dict[str, float]:
    metrics = retrieval_metrics(run, qrels)
    loss = pairwise_loss(run, qrels) if has_graded_pairs(qrels) else None
    if loss is not None:
        metrics["pairwise_loss"] = loss
    elif is_complete(run) and (cross := cross_request_loss(run, qrels)) is not None:
        metrics["cross_request_loss"] = cross
    for name in ("MRR", "nDCG@10", "R@1", "R@10", "R@100", "pairwise_loss", "cross_request_loss"):
        if name in metrics:
            typer.echo(f"{name}\t{metrics[name]:.4f}")
    typer.echo(f"requests\t{int(metrics['requests'])}")
    return metrics


@match_app.command("evaluate")
def evaluate_command(
    run: Path | None = typer.Option(None, "--run", help="RUN.tsv written by `match rank`"),
    qrels: Path | None = typer.Option(None, "--qrels", help="qrels.tsv (request, expert, grade)"),
    set_dir: Path | None = typer.Option(
        None, "--set", file_okay=False, help="A set folder: rank its experts/requests, then evaluate"
    ),
    top: int = typer.Option(100, "--top", min=0, help="With --set: experts per request (0 = all)"),
    out: Path | None = typer.Option(None, "--out", help="With --set: keep the run here"),
    analysis_cache: Path | None = ANALYSIS_CACHE_OPTION,
) -> None:
    """Print MRR, nDCG@10, R@1/10/100, and the pairwise-ordering loss for graded per-expert sets or, for a run of
    every pair (--top 0) on a binary set, the cross-request loss."""
    with _reported_input_errors(), tempfile.TemporaryDirectory(prefix="zhiqiao-run-") as scratch:
        if set_dir is not None:
            run_path = out or Path(scratch) / "RUN.tsv"
            graded = read_qrels(qrels or set_dir / "qrels.tsv")  # its mistakes are reported before the ranking
            rank_files(set_dir / "experts.jsonl", set_dir / "requests.jsonl", top, run_path, analysis_cache)
            ranked = read_run(run_path)  # the metrics of the file as written, as the judges read it
        elif run is not None and qrels is not None:
            ranked, graded = _read_all((read_run, run), (read_qrels, qrels))
        else:
            raise typer.BadParameter("give --run and --qrels, or --set DIR")
        _print_metrics(ranked, graded)
