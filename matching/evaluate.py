"""Ranking metrics for match runs: MRR, nDCG@10, recall@k and the pairwise-ordering loss of Stelmakh et al.

Reading of the metrics (documented so that numbers can be compared):
- A run maps each request to scored experts; ranking is by score, descending, ties broken by expert id.
- Relevant, for MRR and recall: the experts with the request's highest grade in the qrels (for binary sets, every
  listed expert; for csl-dev, grade 2 = same discipline). Requests without qrels are skipped; a request with
  qrels but absent from the run counts as zero.
- nDCG@10: gain 2^grade - 1, log2(rank + 1) discount, ideal from the qrels.
- Pairwise loss (Stelmakh et al. 2023, "A Gold Standard Dataset for the Reviewer Assignment Problem"): for each
  expert, take every pair of requests (papers) that the expert graded differently; the system orders a pair
  wrongly when it gives the lower-graded paper the higher score; a tie in score counts one half. An expert's loss
  is the wrong fraction over their pairs; the reported loss is the mean over experts with at least one such pair.
  A (paper, expert) pair missing from the run scores minus infinity (so two missing pairs tie).
- Cross-request loss (binary sets; ours, for how an expert's list of requests is ordered, as `needs_for` shows it
  and as the graded loss judges it): for each request and each expert relevant to it, the share of the requests
  the expert is not relevant to that score at least as high for that expert (ties count one half); the mean over
  such (request, expert) pairs. It needs every pair scored (`--top 0`): printed only for complete runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Expert ids best first (score descending, then id)."""
    return sorted(scores, key=lambda e: (-scores[e], e))


def retrieval_metrics(run: Run, qrels: Qrels, cutoffs: tuple[int, ...] = (1, 10, 100)) -> dict[str, float]:
    """Mean MRR, nDCG@10 and R@k over the requests that have qrels."""
    totals: dict[str, float] = defaultdict(float)
    n = 0
    for request, grades in qrels.items():
        positive = {e: g for e, g in grades.items() if g > 0}
        if not positive:
            continue
        n += 1
        top_grade = max(positive.values())
        relevant = {e for e, g in positive.items() if g == top_grade}
        order = ranked(run.get(request, {}))
        first = next((i for i, e in enumerate(order) if e in relevant), None)
        totals["MRR"] += 0.0 if first is None else 1.0 / (first + 1)
        dcg = sum((2 ** positive.get(e, 0) - 1) / math.log2(i + 2) for i, e in enumerate(order[:10]))
        ideal = sorted(positive.values(), reverse=True)[:10]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        totals["nDCG@10"] += dcg / idcg
        for k in cutoffs:
            totals[f"R@{k}"] += len(relevant & set(order[:k])) / len(relevant)
    return {name: (value / n if n else 0.0) for name, value in totals.items()} | {"requests": float(n)}


def pairwise_loss(run: Run, qrels: Qrels) -> float | None:
    """Stelmakh et al. pairwise-ordering loss averaged over experts (None when no expert has a graded pair)."""
    by_expert: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for request, grades in qrels.items():
        scores = run.get(request, {})
        for expert, grade in grades.items():
            by_expert[expert].append((grade, scores.get(expert, -math.inf)))
    losses = []
    for pairs in by_expert.values():
        wrong = 0.0
        total = 0
        for i in range(len(pairs)):
            for j in range(i + 1, len(pairs)):
                (g1, s1), (g2, s2) = pairs[i], pairs[j]
                if g1 == g2:
                    continue
                total += 1
                hi, lo = (s1, s2) if g1 > g2 else (s2, s1)
                if hi == lo:
                    wrong += 0.5
                elif hi < lo:
                    wrong += 1.0
        if total:
            losses.append(wrong / total)
    return sum(losses) / len(losses) if losses else None


def cross_request_loss(run: Run, qrels: Qrels) -> float | None:
    """The cross-request loss (module docstring) of a run; None when no request has a relevant expert."""
    requests = sorted(run)
    relevant_to: dict[str, set[str]] = defaultdict(set)
    for request, grades in qrels.items():
        for expert, grade in grades.items():
            if grade > 0:
                relevant_to[expert].add(request)
    shares = []
    for expert, own_requests in relevant_to.items():
        others = [run[r].get(expert, -math.inf) for r in requests if r not in own_requests]
        if not others:
            continue
        for request in own_requests:
            own = run.get(request, {}).get(expert, -math.inf)
            above = sum(1.0 if s > own else 0.5 if s == own else 0.0 for s in others)
            shares.append(above / len(others))
    return sum(shares) / len(shares) if shares else None


def is_complete(run: Run) -> bool:
    """True when every request of the run has a score for every expert the run names."""
    experts: set[str] = set().union(*(set(scores) for scores in run.values())) if run else set()
    return all(len(scores) == len(experts) for scores in run.values())


def has_graded_pairs(qrels: Qrels) -> bool:
    """True when some expert has requests of two different grades (a per-expert graded set)."""
    seen: dict[str, set[int]] = defaultdict(set)
    for grades in qrels.values():
        for expert, grade in grades.items():
            seen[expert].add(grade)
            if len(seen[expert]) > 1:
                return True
    return False
