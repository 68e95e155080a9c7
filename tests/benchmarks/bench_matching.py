"""Match engine: tokenisation, index build, query latency, batch ranking, memory, quality (dev and English sets).

Every figure sits beside a baseline measured in the same run. Sizes: ZHIQIAO_BENCH_EXPERTS (default 100,000
synthetic experts of ~300 characters) and ZHIQIAO_BENCH_REQUESTS (default 10,000). Dev-set quality runs when the
bench folder exists (ZHIQIAO_BENCH_DIR, default ../shared/bench relative to the repository), on the English sets
when this machine's apt lists hold the English descriptions (tests/benchmarks/english_sets.py).
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching import ExpertProfile, MatchEngine, NeedText
from matching import text as textmod
from matching.analysis_cache import AnalysisCache
from matching.datasets import read_experts, read_qrels, read_requests
from matching.evaluate import cross_request_loss, has_graded_pairs, pairwise_loss, retrieval_metrics
from matching.features import Vocabulary, count_batch
from tests.benchmarks.english_sets import build_sets
from tests.benchmarks.table import print_table

REPO = Path(__file__).resolve().parents[2]
N_EXPERTS = int(os.environ.get("ZHIQIAO_BENCH_EXPERTS", "100000"))
N_REQUESTS = int(os.environ.get("ZHIQIAO_BENCH_REQUESTS", "10000"))
#: sets with at most this many (request, expert) pairs are ranked whole, so that the losses see every pair
FULL_RUN_PAIRS = 2_000_000
BENCH_DIR = Path(os.environ.get("ZHIQIAO_BENCH_DIR", str(REPO.parent / "shared" / "bench")))


def _synthetic_vocabulary(rng: np.random.Generator) -> list[str]:
    """Domain terms from the user dictionary plus pseudo-words built from common CJK characters."""
    terms = [e[0] for e in textmod.parse_user_dictionary(textmod.USER_DICT.read_text("utf-8").splitlines())]
    chars = np.array([chr(c) for c in rng.choice(np.arange(0x4E00, 0x4E00 + 3500), 2500, replace=False)])
    picks = rng.integers(0, chars.size, size=(30000, 4))
    lengths = rng.integers(2, 5, size=30000)
    pseudo = {"".join(chars[row[:n]]) for row, n in zip(picks, lengths, strict=True)}
    return terms + sorted(pseudo)


def _texts(rng: np.random.Generator, vocab: list[str], n: int, words: int) -> list[str]:
    ranks = np.arange(1, len(vocab) + 1)
    p = 1.0 / ranks
    p /= p.sum()
    picks = rng.choice(len(vocab), size=(n, words), p=p)
    return ["".join(vocab[j] + ("，" if k % 9 == 8 else "") for k, j in enumerate(row)) for row in picks]


def _synthetic(n_experts: int, n_requests: int) -> tuple[list[ExpertProfile], list[NeedText]]:
    rng = np.random.default_rng(7)
    vocab = _synthetic_vocabulary(rng)
    bodies = _texts(rng, vocab, n_experts, 100)  # about 300 characters
    fields = [f"F{i}" for i in range(40)]
    experts = [
        ExpertProfile(f"E{i}", profile=b[:100], documents=(b[100:200], b[200:]), fields=(fields[i % 40],))
        for i, b in enumerate(bodies)
    ]
    needs = [NeedText(f"N{i}", t, fields[i % 40]) for i, t in enumerate(_texts(rng, vocab, n_requests, 15))]
    return experts, needs


def _char_tfidf_baseline(experts: list[ExpertProfile], needs: list[NeedText], k: int) -> dict[str, dict[str, float]]:
    """The BENCHMARK.md baseline: character 1-2-gram TF-IDF over concatenated texts, cosine, top-k (best first)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), dtype=np.float32)
    matrix = vec.fit_transform([" ".join((e.profile, *e.documents)) for e in experts])
    post = matrix.T.tocsr()
    ids = np.array([e.id for e in experts])
    out: dict[str, dict[str, float]] = {}
    for start in range(0, len(needs), 256):
        part = needs[start : start + 256]
        scores = (vec.transform([n.text for n in part]) @ post).toarray()
        kk = min(k, scores.shape[1])
        top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        for row, need in enumerate(part):
            order = top[row][np.argsort(-scores[row, top[row]], kind="stable")]
            out[need.id] = dict(zip(ids[order].tolist(), scores[row, order].tolist(), strict=True))
    return out


def _in_child(work: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Run `work` in a fresh interpreter so that its peak memory is its own (a forked child would start with
    the pages of whatever ran before it: the quality run, other benchmarks)."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_measured, work).result()


def _measured(work: Callable[[], dict[str, float]]) -> dict[str, float]:
    out = work()
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["workers_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (analysis workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    cpu, started = _cpu(), time.perf_counter()
    step()
    return time.perf_counter() - started, _cpu() - cpu


def _seconds(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _reference_loop(repeats: int = 3) -> float:
    """Seconds of a plain Python loop of 10M additions, the best of `repeats`: how fast this machine's cores run
    plain Python around the benchmark. It has taken 0.47-1.5 s on these machines, from one day and even one hour
    to the next, and the speed rows (their baselines too) move with the machine; with `_first_touch` it says
    what kind of day a table comes from, but it does not predict the build alone (0.47-0.57 s around a 16.89 s
    build on the sixteenth session's day)."""
    best = math.inf
    for _ in range(repeats):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def _first_touch() -> dict[str, float]:
    """Milliseconds per MB to write 256 MB of new memory once (page faults and zeroing): the other half of a day's
    speed. A build touches ~2 GB for the first time, and on these virtual machines that costs from ~0.3 ms/MB
    (pages the host still backs) to ~2 ms/MB (pages it had taken back), whatever the Python loop says."""
    started = time.perf_counter()
    block = np.ones(256 * 2**20 // 8)
    seconds = time.perf_counter() - started
    del block
    return {"ms_per_mb": 1000 * seconds / 256}


def _load_analysis() -> None:
    """Load the dictionary and the folding tables, outside the timings."""
    textmod.load_tables()
    count_batch(["预热"], np.ones(1, dtype=np.int64), Vocabulary())


def _engine_side() -> dict[str, float]:
    experts, needs = _synthetic(N_EXPERTS, N_REQUESTS)
    sample = [" ".join((e.profile, *e.documents)) for e in experts[:3000]]
    ones = np.ones(len(sample), dtype=np.int64)
    _load_analysis()
    out: dict[str, float] = {}
    wall, _ = _timed(lambda: count_batch(sample, ones, Vocabulary()))
    out["token_rate"] = sum(len(t) for t in sample) / wall
    engine = MatchEngine()
    out["build"], out["build_cpu"] = _timed(lambda: engine.fit(experts))
    queries = needs[:200]
    # Each kind of call runs back to back over the same 200 needs (the baseline's queries are timed alike).
    latencies = [_seconds(lambda n=need: list(engine.rank_many([n], 10))) for need in queries]
    with_reasons = [_seconds(lambda n=need: engine.experts_for(n, k=10)) for need in queries]
    agree = 0
    for need in queries:
        ((_, top),) = list(engine.rank_many([need], 10))
        ((_, everything),) = list(engine.rank_many([need], 0))
        agree += len({e for e, _ in everything[:10]} & {e for e, _ in top})
    out["query_ms"] = 1000 * statistics.median(latencies)
    out["reasons_ms"] = 1000 * statistics.median(with_reasons)
    out["agreement"] = agree / (10 * len(latencies))
    out["batch"], out["batch_cpu"] = _timed(lambda: sum(1 for _ in engine.rank_many(needs, 10)))
    # the other direction (an expert's page: needs ranked for the expert, with reasons) over every request stored
    for need in needs:
        engine.upsert_need(need)
    by_expert = [_seconds(lambda e=expert: engine.needs_for(e.id, k=10)) for expert in experts[:200]]
    out["needs_for_ms"] = 1000 * statistics.median(by_expert)
    return out


def _cached_builds() -> dict[str, float]:
    """Index builds with an analysis cache: the first fills it, the second (a restart, another worker) reads it."""
    experts, _ = _synthetic(N_EXPERTS, N_REQUESTS)
    _load_analysis()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label in ("filling", "warm"):
            engine = MatchEngine(analysis_cache=AnalysisCache(folder))
            out[label], out[f"{label}_cpu"] = _timed(lambda e=engine: e.fit(experts))
            del engine
        out["cache_mb"] = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20
    return out


def _baseline_queries(vec: Any, matrix: sp.csr_matrix, texts: list[str]) -> tuple[float, float]:
    """Median ms of one query over the baseline's postings, and over all its rows, each run back to back."""
    postings = matrix.T.tocsr()

    def inverted(text: str) -> None:
        scores = (vec.transform([text]) @ postings).toarray()[0]
        np.argpartition(-scores, 9)[:10]

    def scan(text: str) -> None:
        scores = matrix @ vec.transform([text]).toarray()[0]
        np.argpartition(-scores, 9)[:10]

    inverted_s = [_seconds(lambda t=text: inverted(t)) for text in texts]
    scan_s = [_seconds(lambda t=text: scan(t)) for text in texts]
    return 1000 * statistics.median(inverted_s), 1000 * statistics.median(scan_s)


def _baseline_side() -> dict[str, float]:
    """The BENCHMARK.md baseline (sklearn character 1-2-gram TF-IDF) timed the same way, plus jieba's cut."""
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer

    experts, needs = _synthetic(N_EXPERTS, N_REQUESTS)
    sample = [" ".join((e.profile, *e.documents)) for e in experts[:3000]]
    jieba.setLogLevel(60)
    jieba.initialize()
    out: dict[str, float] = {}
    wall, _ = _timed(lambda: [jieba.lcut(t) for t in sample])
    out["token_rate"] = sum(len(t) for t in sample) / wall
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), dtype=np.float32)
    texts = [" ".join((e.profile, *e.documents)) for e in experts]
    started = time.perf_counter()
    matrix = vec.fit_transform(texts)
    out["build"] = time.perf_counter() - started
    out["inverted_ms"], out["scan_ms"] = _baseline_queries(vec, matrix, [n.text for n in needs[:200]])
    del matrix
    out["batch"], _ = _timed(lambda: _char_tfidf_baseline(experts, needs, 10))
    return out


def _speed() -> None:
    load_before, reference_before = os.getloadavg(), _reference_loop()
    touch = _in_child(_first_touch)["ms_per_mb"]
    ours = _in_child(_engine_side)
    cached = _in_child(_cached_builds)
    base = _in_child(_baseline_side)
    load_after, reference_after = os.getloadavg(), _reference_loop()
    n, r = f"{N_EXPERTS:,}", f"{N_REQUESTS:,}"
    rows: list[list[object]] = [
        ["analysis (normalise, cut, stop words, n-grams), chars/s", f"{ours['token_rate']:,.0f}", "jieba.lcut",
         f"{base['token_rate']:,.0f}", ""],
        [f"index build, {n} experts, s (CPU s incl. workers)", f"{ours['build']:.2f} ({ours['build_cpu']:.1f})",
         "sklearn char 1-2 TF-IDF fit", f"{base['build']:.2f}", "<= 10"],
        ["  the same, filling an analysis cache, s (CPU s)", f"{cached['filling']:.2f} ({cached['filling_cpu']:.1f})",
         "", "", ""],
        [f"  the same, analysis cache warm ({cached['cache_mb']:,.0f} MB), s (CPU s)",
         f"{cached['warm']:.2f} ({cached['warm_cpu']:.1f})", "", "", "<= 10"],
        [f"single query top-10 over {n} experts, median ms", f"{ours['query_ms']:.2f}",
         "char TF-IDF: query @ postings + argpartition", f"{base['inverted_ms']:.2f}", "<= 2"],
        ["", "", "char TF-IDF: scan all rows + argpartition", f"{base['scan_ms']:.2f}", ""],
        ["  the same with reasons (experts_for), median ms", f"{ours['reasons_ms']:.2f}", "", "", ""],
        ["  two-stage top-10 agreement with exhaustive scoring", f"{ours['agreement']:.3f}", "", "", ""],
        [f"batch {r} requests top-10, s (CPU s)", f"{ours['batch']:.2f} ({ours['batch_cpu']:.1f})",
         "char 1-2 TF-IDF fit + top-10", f"{base['batch']:.2f}", "<= 20"],
        [f"an expert's top-10 of {r} stored needs, with reasons (needs_for), median ms", f"{ours['needs_for_ms']:.2f}",
         "", "", ""],
        ["peak memory of the process (largest worker process*), MB",
         f"{ours['peak_mb']:,.0f} ({ours['workers_peak_mb']:,.0f})", "char TF-IDF baseline process",
         f"{base['peak_mb']:,.0f}", "<= 2,048"],
    ]  # fmt: skip
    print_table(
        f"Speed: {n} synthetic experts, {r} requests ({os.cpu_count()} cores; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; reference loop of 10M additions "
        f"{reference_before:.2f} s before, {reference_after:.2f} s after; first touch of new memory {touch:.2f} ms/MB)",
        ["measure", "engine", "baseline", "baseline value", "target (100k)"],
        rows,
    )
    print(
        "* analysis workers (index build) and ranking workers (batch); a forked worker's resident size counts the\n"
        "  pages it reads from its parent's index, which the two processes share rather than hold twice"
    )


def _quality_sets(scratch: Path) -> list[Path]:
    """The dev sets, then the English sets (written to `scratch`) when this machine's apt lists can make them."""
    folders = [BENCH_DIR / name for name in ("csl-dev", "nssf-dev") if (BENCH_DIR / name / "experts.jsonl").exists()]
    english = build_sets(scratch)
    if english is None:
        print(
            "\n(no English apt lists: `apt-get update -o Acquire::Languages=en` adds deb-maint, deb-field, deb-graded)"
        )
    return folders + (english or [])


def _quality() -> None:
    with tempfile.TemporaryDirectory(prefix="zhiqiao-english-") as scratch:
        rows = _quality_rows(_quality_sets(Path(scratch)))
    if not rows:
        print(f"\n(no dev sets at {BENCH_DIR} and no English sets: quality table skipped)")
        return
    print_table(
        f"Quality (top 100, or every expert where requests x experts <= {FULL_RUN_PAIRS:,}; lower is better for the"
        " pairwise-ordering loss of graded sets and the cross-request loss of binary ones, every pair scored)",
        ["set", "method", "MRR", "nDCG@10", "R@1", "R@10", "R@100", "loss", "cross"],
        rows,
    )


def _quality_rows(folders: list[Path]) -> list[list[object]]:
    """Engine and baseline metrics per set."""
    rows: list[list[object]] = []
    for folder in folders:
        experts = read_experts(folder / "experts.jsonl")
        needs = read_requests(folder / "requests.jsonl")
        qrels = read_qrels(folder / "qrels.tsv")
        graded = has_graded_pairs(qrels)
        # both losses want every pair scored; the retrieval metrics read the top 100 of a whole ranking as of a
        # top-100 run
        k = 0 if graded or len(needs) * len(experts) <= FULL_RUN_PAIRS else 100
        engine = MatchEngine().fit(experts, needs)
        ours = {n.id: dict(r) for n, r in engine.rank_many(needs, k)}
        base = _char_tfidf_baseline(experts, needs, k or len(experts))
        for label, run in (("engine", ours), ("char 1-2 TF-IDF baseline", base)):
            m = retrieval_metrics(run, qrels)
            loss = f"{pairwise_loss(run, qrels):.3f}" if graded else ""
            cross = cross_request_loss(run, qrels) if not graded and k == 0 else None
            rows.append(
                [folder.name, label]
                + [f"{m[metric]:.3f}" for metric in ("MRR", "nDCG@10", "R@1", "R@10", "R@100")]
                + [loss, "" if cross is None else f"{cross:.3f}"]
            )
    return rows


def run() -> None:
    """Print the quality table (the dev sets and the English sets, those present) and the speed table."""
    _quality()
    _speed()
