"""Leader–expert liaison planner (领导干部联系专家), solved exactly as a min-cost flow.

Each leader gets between `min_experts` and `max_experts` experts (by rank, from `LiaisonSettings`); each expert
gets at most one leader; only candidate pairs are formed: the keys of `scores` (the caller's leader x expert
affinity, e.g. portfolio fields vs the expert's fields and text) plus last year's pairs in `keep`.

Objective, in priority order:
1. minimums first: maximise sum over leaders of min(assigned, min_experts) — no leader gets an expert beyond
   their minimum while another leader who could use that expert is still below theirs;
2. then maximise  sum of (affinity + keep_bonus for a pair kept from last year)
                  - balance_weight * sum over leaders of e * (e + 1) / 2,  e = experts beyond the minimum.
   The growing cost of each further expert above the minimum spreads the extras evenly over leaders; a pair
   above a minimum is only formed when its value beats that cost. Kept pairs are a strong preference
   (`keep_bonus`), not a rule: they give way to quotas and to other leaders' minimums.

Flow network: source -> leader -> expert -> sink. Per leader one arc of capacity `min_experts` carrying a bonus
larger than any difference in level 2 (so level 1 is exact), then one arc per extra place k = 1..max-min costing
balance_weight * k (convex, so cheaper extras fill first). Pair arcs have capacity 1 and cost -value; experts
reach the sink with capacity 1; a free source -> sink arc lets places stay empty. Values are rounded to integer
costs as in `matching.assignment.flow` (`LiaisonPlan.score_resolution` is the step used).

Array shapes inside `plan_liaisons`, for L leaders, E experts, C candidate pairs: `pair_leader`, `pair_expert`
int64 (C,), `pair_value` float64 (C,), `min_quota`, `max_quota` int64 (L,).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching.assignment.flow import cost_budget, run_min_cost_flow, scaled, score_scale

KEPT = "kept"
AFFINITY = "affinity"
PAIR_REASON_LABELS: dict[str, str] = {KEPT: "延续上年联系", AFFINITY: "领域相近"}

NO_CANDIDATE = "no_candidate"
TOO_FEW_CANDIDATES = "too_few_candidates"
EXPERTS_TAKEN = "experts_taken"
SHORT_REASON_LABELS: dict[str, str] = {
    NO_CANDIDATE: "无可联系的候选专家",
    TOO_FEW_CANDIDATES: "候选专家人数不足",
    EXPERTS_TAKEN: "候选专家已由其他领导联系",
}

DEFAULT_RANK_QUOTAS: dict[str, tuple[int, int]] = {"主要领导": (3, 5), "常委": (3, 4), "其他市级": (2, 3)}


class LiaisonInputError(ValueError):
    """Malformed planner input: duplicate or unknown ids, bad quotas, non-finite scores or weights."""


@dataclass(frozen=True)
class LiaisonSettings:
    """Planner defaults (DESIGN §2): experts per leader by rank, the kept-pair bonus and the balance weight.

    `keep_bonus` and `balance_weight` are in affinity units: with affinities in [0, 1], a bonus of 1 makes a
    kept pair win over any new pair, and a weight of 0.01 spreads extras without outweighing real differences.
    """

    rank_quotas: Mapping[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_RANK_QUOTAS))
    keep_bonus: float = 1.0
    balance_weight: float = 0.01


@dataclass(frozen=True)
class LeaderSlot:
    """A leader who should liaise with `min_experts` to `max_experts` experts."""

    id: str
    min_experts: int
    max_experts: int

    @classmethod
    def for_rank(cls, leader_id: str, rank: str, settings: LiaisonSettings | None = None) -> LeaderSlot:
        """The slot for a leader of `rank` (主要领导 / 常委 / 其他市级) under `settings`' quotas."""
        quotas = (settings or LiaisonSettings()).rank_quotas
        if rank not in quotas:
            raise LiaisonInputError(f"unknown rank {rank!r}; known ranks: {', '.join(quotas)}")
        low, high = quotas[rank]
        return cls(leader_id, low, high)


@dataclass(frozen=True)
class LiaisonPair:
    """A proposed pair, its affinity, and why: `kept` (from last year) or `affinity`."""

    leader_id: str
    expert_id: str
    score: float
    reason: str


@dataclass(frozen=True)
class LeaderShortfall:
    """A leader left below their minimum, and why (`no_candidate`, `too_few_candidates`, `experts_taken`)."""

    leader_id: str
    assigned: int
    min_experts: int
    reason: str


@dataclass(frozen=True)
class LiaisonPlan:
    """Proposed pairs (leader order, then expert order), leaders short of their minimum, kept pairs not kept."""

    pairs: list[LiaisonPair]
    short: list[LeaderShortfall]
    not_kept: list[tuple[str, str]]
    score_resolution: float = 0.0


def plan_liaisons(
    leaders: Sequence[LeaderSlot],
    experts: Sequence[str],
    scores: Mapping[tuple[str, str], float],
    keep: Collection[tuple[str, str]] = frozenset(),
    keep_bonus: float = LiaisonSettings.keep_bonus,
    balance_weight: float = LiaisonSettings.balance_weight,
) -> LiaisonPlan:
    """Pair leaders with experts: minimums first, then affinity + kept-pair bonus with balanced load.

    `keep` holds last year's pairs the caller still considers valid; those naming a leader or expert absent this
    year are dropped (and listed in `not_kept`), as are those the optimum gives up.
    """
    leader_index = _index([leader.id for leader in leaders], "leader")
    expert_index = _index(list(experts), "expert")
    for leader in leaders:
        if not 0 <= leader.min_experts <= leader.max_experts <= 2**53:
            quota = f"{leader.min_experts}..{leader.max_experts}"
            raise LiaisonInputError(f"leader {leader.id!r} needs 0 <= min_experts <= max_experts, got {quota}")
    if not (abs(keep_bonus) <= 1e100 and 0 <= balance_weight <= 1e100):
        raise LiaisonInputError("keep_bonus must be finite and balance_weight finite and >= 0")
    for (leader_id, expert_id), score in scores.items():
        if leader_id not in leader_index or expert_id not in expert_index:
            raise LiaisonInputError(f"score ({leader_id!r}, {expert_id!r}) names an unknown leader or expert")
        if not abs(score) <= 1e100:  # also refuses NaN
            raise LiaisonInputError(f"score ({leader_id!r}, {expert_id!r}) is not finite or huge: {score!r}")
    present_keep = {p for p in keep if p[0] in leader_index and p[1] in expert_index}

    candidates = sorted(set(scores) | present_keep, key=lambda p: (leader_index[p[0]], expert_index[p[1]]))
    pair_leader = np.array([leader_index[p[0]] for p in candidates], dtype=np.int64)
    pair_expert = np.array([expert_index[p[1]] for p in candidates], dtype=np.int64)
    pair_affinity = np.array([float(scores.get(p, 0.0)) for p in candidates], dtype=np.float64)
    pair_kept = np.array([p in present_keep for p in candidates], dtype=bool)
    pair_value = pair_affinity + keep_bonus * pair_kept

    chosen, resolution = _solve(leaders, len(experts), pair_leader, pair_expert, pair_value, balance_weight)
    plan_pairs = [
        LiaisonPair(candidates[k][0], candidates[k][1], float(pair_affinity[k]), KEPT if pair_kept[k] else AFFINITY)
        for k in np.flatnonzero(chosen)
    ]
    chosen_set = {(p.leader_id, p.expert_id) for p in plan_pairs}
    return LiaisonPlan(
        pairs=plan_pairs,
        short=_shortfalls(leaders, pair_leader, chosen),
        not_kept=sorted(set(keep) - chosen_set),
        score_resolution=resolution,
    )


def _index(ids: list[str], kind: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        if item_id in index:
            raise LiaisonInputError(f"{kind} id {item_id!r} is listed twice")
        index[item_id] = i
    return index


def _solve(
    leaders: Sequence[LeaderSlot],
    n_experts: int,
    pair_leader: np.ndarray,
    pair_expert: np.ndarray,
    pair_value: np.ndarray,
    balance_weight: float,
) -> tuple[np.ndarray, float]:
    """Chosen candidate pairs as a bool mask of shape (C,), and the value resolution used."""
    n_leaders, n_pairs = len(leaders), len(pair_leader)
    if n_pairs == 0:
        return np.zeros(0, dtype=bool), 0.0
    candidates_per_leader = np.bincount(pair_leader, minlength=n_leaders)
    # Quotas beyond what a leader could ever receive only add arcs; clip them.
    min_quota = np.minimum([leader.min_experts for leader in leaders], candidates_per_leader).astype(np.int64)
    max_quota = np.minimum([leader.max_experts for leader in leaders], candidates_per_leader).astype(np.int64)
    extras = max_quota - min_quota
    source, sink = n_leaders + n_experts, n_leaders + n_experts + 1
    n_nodes = sink + 1
    max_flow = int(min(max_quota.sum(), n_experts))

    largest_extra = int(extras.max(initial=0))
    value_bound = float(np.max(np.abs(pair_value))) + balance_weight * largest_extra
    budget = cost_budget(n_nodes, max_flow)
    scale = score_scale(value_bound, budget_units=(budget - 1) / (2 * max(max_flow, 1)))
    pair_cost = -scaled(pair_value, scale)
    extra_leader = np.repeat(np.arange(n_leaders, dtype=np.int64), extras)
    extra_rank = np.concatenate([np.arange(1, k + 1, dtype=np.int64) for k in extras]) if len(extras) else extras
    extra_cost = scaled(balance_weight * extra_rank.astype(np.float64), scale)
    level_two_bound = max_flow * (int(np.max(np.abs(pair_cost))) + int(extra_cost.max(initial=0)))
    minimum_bonus = 2 * level_two_bound + 1

    tails = np.concatenate(
        [np.full(n_leaders, source), np.full(len(extra_leader), source), pair_leader, n_leaders + np.arange(n_experts)]
    )
    heads = np.concatenate([np.arange(n_leaders), extra_leader, n_leaders + pair_expert, np.full(n_experts, sink)])
    capacities = np.concatenate(
        [min_quota, np.ones(len(extra_leader), dtype=np.int64), np.ones(n_pairs + n_experts, dtype=np.int64)]
    )
    costs = np.concatenate(
        [np.full(n_leaders, -minimum_bonus), extra_cost, pair_cost, np.zeros(n_experts, dtype=np.int64)]
    )
    flows = run_min_cost_flow(
        tails.astype(np.int64),
        heads.astype(np.int64),
        capacities,
        costs.astype(np.int64),
        n_nodes=n_nodes,
        source=source,
        sink=sink,
        max_flow_first=False,
    )
    first_pair = n_leaders + len(extra_leader)
    return flows[first_pair : first_pair + n_pairs] > 0, (1.0 / scale if value_bound > 0 else 0.0)


def _shortfalls(leaders: Sequence[LeaderSlot], pair_leader: np.ndarray, chosen: np.ndarray) -> list[LeaderShortfall]:
    n_leaders = len(leaders)
    candidates = np.bincount(pair_leader, minlength=n_leaders)
    assigned = np.bincount(pair_leader[chosen], minlength=n_leaders)
    short = []
    for i, leader in enumerate(leaders):
        if assigned[i] >= leader.min_experts:
            continue
        if candidates[i] == 0:
            reason = NO_CANDIDATE
        elif assigned[i] == candidates[i]:
            reason = TOO_FEW_CANDIDATES
        else:
            reason = EXPERTS_TAKEN
        short.append(LeaderShortfall(leader.id, int(assigned[i]), leader.min_experts, reason))
    return short
