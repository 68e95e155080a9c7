"""Structured weights of the match score: what the district and rating bonuses cost and buy on the dev sets.

Neither dev set has districts or ratings, so each expert and each request gets a district drawn at random from
data/districts.json (the platform's 23 districts and their neighbours), and half the experts a rating of 1-5,
also at random. Drawn this way they are unrelated to relevance, the worst case for a bonus: whatever it moves
away from the text's order is a loss in MRR and R@10. Beside that cost the tables print what the bonus buys: the
share of the top 10 in the need's own district (1/23 by chance), or the mean rating of the rated experts in the
top 10 (3 by chance), and how often the top 1 changes. Each figure is the mean over `SEEDS` draws (seeded: every
run draws the same). The gap table gives the score distance between ranks 1 and 2 and between ranks 1 and 10
with no bonus, the scale a bonus is read against. ZHIQIAO_BENCH_DIR as in bench_matching.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matching import ExpertProfile, MatchEngine, NeedText
from matching.analysis_cache import AnalysisCache
from matching.datasets import read_experts, read_qrels, read_requests
from matching.engine import MatchSettings
from matching.evaluate import retrieval_metrics
from service.reference import neighbours_map
from tests.benchmarks.bench_matching import BENCH_DIR
from tests.benchmarks.table import print_table

#: (same district, neighbouring district) bonuses compared
DISTRICT_WEIGHTS = ((0.0, 0.0), (0.01, 0.005), (0.02, 0.01), (0.03, 0.015), (0.05, 0.025), (0.1, 0.05), (0.2, 0.1))
RATING_WEIGHTS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1)
SEEDS = (1, 2, 3)
TOP = 100

Run = dict[str, list[tuple[str, float]]]
Qrels = dict[str, dict[str, int]]


def with_random_logistics(
    experts: Sequence[ExpertProfile], needs: Sequence[NeedText], districts: Sequence[str], seed: int
) -> tuple[list[ExpertProfile], list[NeedText]]:
    """The experts with a random district each and about half of them a random rating of 1-5 (the rest none);
    the needs with a random district each."""
    rng = np.random.default_rng(seed)
    expert_districts = rng.integers(0, len(districts), size=len(experts))
    ratings = rng.integers(1, 6, size=len(experts))
    rated = rng.random(len(experts)) < 0.5
    out_experts = [
        dataclasses.replace(e, district=districts[d], rating=float(r) if keep else None)
        for e, d, r, keep in zip(experts, expert_districts, ratings, rated, strict=True)
    ]
    need_districts = rng.integers(0, len(districts), size=len(needs))
    out_needs = [dataclasses.replace(n, district=districts[d]) for n, d in zip(needs, need_districts, strict=True)]
    return out_experts, out_needs


def ranked(
    experts: list[ExpertProfile], needs: list[NeedText], settings: MatchSettings, cache: AnalysisCache | None = None
) -> Run:
    """Each need's top `TOP` (expert id, score), by an engine fitted with `settings` and the platform's districts."""
    engine = MatchEngine(settings, neighbours=neighbours_map(), analysis_cache=cache).fit(experts, needs)
    return {need.id: ranking for need, ranking in engine.rank_many(needs, TOP)}


def top1_changed(run: Run, plain: Run) -> float:
    """Share of needs whose first expert differs from `plain`'s."""
    moved = sum(1 for n, r in run.items() if r and plain[n] and r[0][0] != plain[n][0][0])
    return moved / max(1, len(run))


def local_share(run: Run, experts: Sequence[ExpertProfile], needs: Sequence[NeedText]) -> float:
    """Share of the top-10 experts who are in their need's district."""
    district = {e.id: e.district for e in experts}
    need_district = {n.id: n.district for n in needs}
    top = [(n, e) for n, r in run.items() for e, _ in r[:10]]
    return sum(1 for n, e in top if district[e] == need_district[n]) / max(1, len(top))


def mean_rating(run: Run, experts: Sequence[ExpertProfile]) -> float:
    """Mean rating of the rated experts in the top 10 lists (nan when none is rated)."""
    rating = {e.id: e.rating for e in experts}
    rated = [x for r in run.values() for e, _ in r[:10] if (x := rating[e]) is not None]
    return statistics.fmean(rated) if rated else float("nan")


def score_gaps(run: Run) -> tuple[float, float]:
    """Median score distance between ranks 1 and 2 and between ranks 1 and 10 (needs with 10 or more)."""
    full = [r for r in run.values() if len(r) >= 10]
    if not full:
        return float("nan"), float("nan")
    return statistics.median(r[0][1] - r[1][1] for r in full), statistics.median(r[0][1] - r[9][1] for r in full)


def _relevance(run: Run, qrels: Qrels) -> tuple[float, float]:
    m = retrieval_metrics({n: dict(r) for n, r in run.items()}, qrels)
    return m["MRR"], m["R@10"]


def study(
    experts: list[ExpertProfile],
    needs: list[NeedText],
    qrels: Qrels,
    seeds: Sequence[int] = SEEDS,
    cache: AnalysisCache | None = None,
) -> tuple[dict[tuple[float, float], list[float]], dict[float, list[float]], tuple[float, float]]:
    """Means over `seeds` of (MRR, R@10, local share, top 1 changed) per district bonus, of (MRR, R@10, mean
    rating, top 1 changed) per rating weight, and of the two score gaps with no bonus."""
    districts = sorted(neighbours_map())
    base = MatchSettings()
    by_district: dict[tuple[float, float], list[list[float]]] = {w: [] for w in DISTRICT_WEIGHTS}
    by_rating: dict[float, list[list[float]]] = {w: [] for w in RATING_WEIGHTS}
    gaps: list[tuple[float, float]] = []
    for seed in seeds:
        drawn_experts, drawn_needs = with_random_logistics(experts, needs, districts, seed)
        plain_settings = dataclasses.replace(base, district_same=0, district_neighbour=0, rating_weight=0)
        plain = ranked(drawn_experts, drawn_needs, plain_settings, cache)
        gaps.append(score_gaps(plain))
        for same, neighbour in DISTRICT_WEIGHTS:
            settings = dataclasses.replace(plain_settings, district_same=same, district_neighbour=neighbour)
            run = ranked(drawn_experts, drawn_needs, settings, cache) if same or neighbour else plain
            share = local_share(run, drawn_experts, drawn_needs)
            by_district[same, neighbour].append([*_relevance(run, qrels), share, top1_changed(run, plain)])
        for weight in RATING_WEIGHTS:
            settings = dataclasses.replace(plain_settings, rating_weight=weight)
            run = ranked(drawn_experts, drawn_needs, settings, cache) if weight else plain
            rating = mean_rating(run, drawn_experts)
            by_rating[weight].append([*_relevance(run, qrels), rating, top1_changed(run, plain)])

    def means(rows: list[list[float]]) -> list[float]:
        return [float(np.mean(column)) for column in zip(*rows, strict=True)]

    gap_means = (float(np.mean([g[0] for g in gaps])), float(np.mean([g[1] for g in gaps])))
    return (
        {w: means(rows) for w, rows in by_district.items()},
        {w: means(rows) for w, rows in by_rating.items()},
        gap_means,
    )


def run() -> None:
    folders = [BENCH_DIR / name for name in ("csl-dev", "nssf-dev") if (BENCH_DIR / name / "experts.jsonl").exists()]
    if not folders:
        print(f"\n(no dev sets at {BENCH_DIR}: structured-weight tables skipped)")
        return
    base = MatchSettings()
    district_rows: list[list[object]] = []
    rating_rows: list[list[object]] = []
    gap_rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="zhiqiao-structure-") as scratch:
        cache = AnalysisCache(Path(scratch) / "analysis")
        for folder in folders:
            experts = read_experts(folder / "experts.jsonl")
            needs = read_requests(folder / "requests.jsonl")
            by_district, by_rating, gaps = study(experts, needs, read_qrels(folder / "qrels.tsv"), cache=cache)
            gap_rows.append([folder.name, f"{gaps[0]:.4f}", f"{gaps[1]:.4f}"])
            for (same, neighbour), (mrr, r10, share, moved) in by_district.items():
                default = " (default)" if (same, neighbour) == (base.district_same, base.district_neighbour) else ""
                label = f"{same:g} / {neighbour:g}{default}"
                district_rows.append([folder.name, label, f"{mrr:.4f}", f"{r10:.4f}", f"{share:.1%}", f"{moved:.1%}"])
            for weight, (mrr, r10, rating, moved) in by_rating.items():
                label = f"{weight:g}{' (default)' if weight == base.rating_weight else ''}"
                rating_rows.append([folder.name, label, f"{mrr:.4f}", f"{r10:.4f}", f"{rating:.2f}", f"{moved:.1%}"])
    seeds = f"mean of {len(SEEDS)} random draws"
    print_table(
        "Score gaps with no district or rating bonus (median over requests with 10 or more experts)",
        ["set", "rank 1 - rank 2", "rank 1 - rank 10"],
        gap_rows,
    )
    print_table(
        f"District bonus, same / neighbouring district (districts drawn at random, unrelated to relevance; {seeds})",
        ["set", "bonus", "MRR", "R@10", "top 10 in the need's district", "top 1 changed"],
        district_rows,
    )
    print_table(
        f"Rating bonus, weight x (rating - 3) / 2 (half the experts rated 1-5 at random, unrelated to relevance;"
        f" {seeds})",
        ["set", "weight", "MRR", "R@10", "mean rating in the top 10", "top 1 changed"],
        rating_rows,
    )
