"""The match engine: a similarity index over experts (and needs) with structured signals and reasons.

Score of a (need, expert) pair, absolute and comparable across needs:

    raw   = (sum_t q(t) w(t, e) + document_weight * max_d sum_t q(t) w(t, d)) / cap(q) ** alpha
            (BM25 over the expert's whole text, plus over its best-matching single text d: `matching.documents`)
            + topic_weight * n / (n + topic_half_words) * max(0, cos(topic(need), topic(e)))
            (word vectors: `matching.topics`; n the need's words that have a vector)
    text  = bounded(floor((raw - background(need)) * spread_scale(need)))   for a pair with any evidence
            (raw > 0), else 0
            background(need): the need's raw sum for the pool's average expert (`_backgrounds`)
            spread_scale(need) = (reference / spread(need)) ** spread_weight, within SPREAD_SCALE_BOUNDS:
            spread(need) = sqrt(sum_t q(t)^2 var(t)), var(t) the variance of w(t, e) over the pool's profile
            rows, an estimate of how far the need's raw sums spread over the pool; reference the median spread
            of the pool's own texts read as needs (`_scales`)
            floor(x) = x from FLOOR up, FLOOR^2 / (2 FLOOR - x) below: positive and increasing, so pairs
            below their need's background stay ordered as raw orders them
            bounded(y) = y / (1 + y): in [0, 1), increasing
    score = text + field + district + activity + rating

- w(t, e) = idf(t) tf (k1 + 1) / (tf + k1 (1 - b_g + b_g L_g(e) / avgL_g)): the expert's profile and documents
  counted as one text, in three term blocks g (CJK characters, CJK character pairs, words), L_g its token count
  in the term's block, b_g the block's length normalisation; idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) over
  experts and needs; idf and avgL_g frozen at fit. w(t, d): the same for one text d (the profile or one
  document), L_g its length and avgL_g the mean text length.
- q(t) = 1 + ln(count of t in the need, plus `title_weight` times its count in the title); cap(q) = sum_t q(t)
  idf(t) (k1 + 1) depends on the need alone, so the score stays absolute.
- field: `field_weight` when the need's field is one of the expert's fields.
- district: `district_same` / `district_neighbour` (neighbour map given by the caller).
- activity: `activity_weight * ln(1 + documents)`, the classic document-count prior of expert finding.
- rating: `rating_weight * (rating - 3) / 2` for rated experts.
Unavailable experts and experts with no capacity left are left out when `exclude_unavailable` (a query may keep
the full ones, `skip_full=False`, when its caller counts places of another year itself).

Queries run in two stages: every expert is scored without the few very common columns (held by more than
`prune_fraction` of the rows) and without the best-text and topic parts, plus the structured signals, then the
best `candidates` (at least `candidates_per_result` times the number asked for) are scored exactly.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context

import numpy as np
import scipy.sparse as sp

from matching import text as textmod
from matching.analysis_cache import AnalysisCache
from matching.counting import count_grouped, owner_sums
from matching.documents import DocumentScores
from matching.features import (
    UNI,
    WORD_BASE,
    Bm25Params,
    Bm25Weighter,
    ColumnSpace,
    FeatureWeights,
    QueryVocabulary,
    Vocabulary,
    bigram_columns,
    column_counts,
    count_batch,
    mean_block_lengths,
)
from matching.memory import cyclic_gc_paused, reusing_freed_memory, small_pages
from matching.rows import RowStore, dense_products, row_ranges
from matching.topics import TopicVectors, shipped_word_vectors
from matching.types import ExpertProfile, Match, NeedText, Reasons


@dataclass
class MatchSettings:
    """Weights and knobs of the engine, chosen on csl-dev / nssf-dev (`zhiqiao match evaluate`; docs/matching.md
    has the sensitivity table).

    - k1 2.0, b 0.3 (characters), b_words 0.75: see `Bm25Params`.
    - title_weight 1: the need's title (`title_of`) counted once more (0: csl MRR -0.005; 2: +0.002).
    - alpha 0.75: ranking within a need is the same for any alpha; across needs (how one expert's scores for
      different needs compare: the pairwise loss of graded sets) csl-dev's pairwise loss is 0.198 at alpha 1,
      0.192 at 0.75, 0.189 at 0.5, and the share of 20 other requests scoring above an expert's own request
      (binary sets) is at 1 / 0.75 / 0.5: csl 0.109 / 0.102 / 0.107, deb-field 0.209 / 0.157 / 0.161, deb-maint
      0.306 / 0.296 / 0.293. Below 1 the raw sum is unbounded (to ~1.7 on csl at 0.75), so the text score is
      `bounded` into [0, 1) (the UI shows it as 匹配度, the liaison planner mixes it with field overlap).
    - field_weight 0.15: with the background taken off (below), nssf-dev MRR 0.134 / 0.137 / 0.138 / 0.137 /
      0.135 and R@100 0.389 / 0.400 / 0.417 / 0.420 / 0.417 at 0.05 / 0.07 / 0.15 / 0.2 / 0.3; 0.1 had been
      best before it (0.138, R@100 0.411), and gives 0.137 / 0.406 with it. csl-dev has no field labels.
    - document_weight 1.0: the need's score against the expert's best-matching single text (profile or one
      document, BM25 with the texts' own mean lengths) is added to the whole-profile score, before `bounded`.
      MRR at 0 / 0.5 / 1 / 1.5 (scratch, same scores): English field-level (deb-field) 0.776 / 0.793 / 0.800 /
      0.802, English person-level (deb-maint) 0.187 / 0.197 / 0.201 / 0.200, csl-dev 0.559 / 0.557 / 0.555 /
      0.556 (pairwise loss 0.192 / 0.192 / 0.191 / 0.194); nssf-dev 0.138 / 0.138 / 0.138 at 0 / 0.5 / 1 (most
      of its experts have one text). The best text alone is below the whole profile on three of the four sets;
      the mean of all texts below the best one on both person-level sets, the mean of the best two on
      deb-maint (docs/matching.md has the table).
    - topic_weight 1.0, topic_half_words 20 (`matching.topics`): the cosine of the need's and the expert's topic
      vectors (Chinese Wikipedia word vectors), times n / (n + 20) for a need with n words that have a vector,
      is added to the raw sum. MRR at 0 / 1 / 1.5 / 2 (half_words 20): csl-dev 0.555 / 0.603 / 0.611 / 0.613
      (pairwise loss 0.191 / 0.164 / 0.165 / 0.167), nssf-dev 0.137 / 0.138 / 0.138 / 0.138; half_words 10
      moves either by 0.003 at most. Without the n / (n + 20) factor nssf-dev loses at weight 1 (0.136, short
      titles: a mean of a few word vectors says little). English words take no part (with GloVe vectors for
      them, scratch: deb-field +0.025, deb-maint -0.020 at 1.5), so the English sets are unchanged. 1.0 rather
      than 1.5: person-level sets lose as the weight grows (deb-maint with GloVe: -0.008 at 0.5, -0.020 at 1.5).
    - activity_weight 0: a document-count prior gained +0.001-0.003 on nssf-dev but cost 0.06 MRR on csl-dev
      (field-level experts with 1-18 documents), so it is off.
    - prune_fraction 0.2: the first stage leaves out the columns held by more than a fifth of the rows. BM25 puts
      idf on the expert side only (cosine had it on both), so common columns weigh more than they did: at 0.05 the
      two-stage top-10 agreed with exhaustive scoring on 73% of 100,000-expert synthetic queries (cosine: 86%),
      at 0.1 on 87%, at 0.2 on 98% (median query 0.92 -> 1.14 ms); nssf-dev R@100 0.417 -> 0.418.
    - background_weight 1.0: the raw sum an average expert of the fitted pool would get for the need is taken
      off before `bounded` (0: not). Within a need this changes no order; across needs it takes off what makes a
      need score high with everyone (long, common words), which is what an expert's own ranking of needs
      (`needs_for`), the assignment solver and graded per-expert sets compare. Pairwise loss (graded sets) or
      cross-request loss (binary sets; `zhiqiao match evaluate --top 0`, every pair scored) without and with it:
      csl-dev 0.164 / 0.161, deb-graded 0.379 / 0.361, deb-field 0.132 / 0.069, deb-maint 0.291 / 0.282; the
      exact mean over the pool instead of this estimate (scratch) 0.160 / 0.362 / 0.065 / 0.282. Taking off 0.5 /
      1.5 / 2 times it (scratch, with a cruder estimate of the topic part): csl-dev 0.163 / 0.163 / 0.166,
      deb-graded 0.367 / 0.357 / 0.358, deb-field 0.093 / 0.074 / 0.103, deb-maint 0.285 / 0.280 / 0.281.
    - spread_weight 0.5: what is left above the background is also scaled by how widely the need's raw sums
      spread over the pool (estimated from the pool's per-column variances, frozen at fit, over the typical
      spread of the pool's own texts read as needs; `_scales`), so a need on which the pool is everywhere alike
      counts a clear match as much as a need on which it differs widely (a z-score over the pool, which would
      make the score relative to the request, does a little better: deb-graded 0.353, csl-dev 0.151). Within a
      need nothing moves. Losses at 0 / 0.5 / 0.75 / 1 (every pair scored): csl-dev 0.161 / 0.161 / 0.158 /
      0.159, deb-graded 0.361 / 0.357 / 0.357 / 0.358 (at 0.5: -0.0040, 95% bootstrap interval over its experts
      [-0.0070, -0.0010]), deb-field 0.069 / 0.063 / 0.063 / 0.065, deb-maint 0.282 / 0.279 / 0.278 / 0.278;
      nssf-dev MRR 0.1382 / 0.1380 / 0.1379 / 0.1378 (the field bonus weighs against the scaled text). 0.5:
      csl-dev's gain at 0.75 comes from the needs whose scale meets the upper bound, and nssf-dev loses more.
    - district_same 0.03, district_neighbour 0.015, rating_weight 0.01 (times (rating - 3) / 2): the largest of
      the weights tried that cost each dev set under 1% of its MRR when the districts and ratings are drawn at
      random, unrelated to relevance (`python -m tests.benchmarks structure`, a mean over three draws). District
      0.03 / 0.05: csl-dev 0.6032 -> 0.5994 / 0.5957, nssf-dev 0.1382 -> 0.1372 / 0.1356, while the share of the
      top 10 in the need's district goes from 4.3% (chance: 1/23) to 7.2% / 9.7% on nssf-dev. Rating 0.01 / 0.02:
      nssf-dev 0.1376 / 0.1367, mean rating in the top 10 2.99 -> 3.21 / 3.41. So they reorder near-ties: the
      median gap between ranks 1 and 10 is 0.25 (csl-dev) and 0.11 (nssf-dev), between ranks 1 and 2 0.054 / 0.025.
    - rank_workers 2, parallel_min_needs 1,000, parallel_max_k 1,000: `rank_many` shares large batches with forked
      processes (the machine's two cores; docs/matching.md has the benchmark). Whole rankings (k = 0) stay in one
      process: sending them back would cost more than ranking them.
    - huge_pages_in_build False: a large build's new memory comes in 4 KiB pages (`memory.small_pages`): on
      this kind of virtual machine a fresh transparent huge page costs the kernel ~20 times as much per MB, and
      the benchmark's 100,000-expert build took 16.5-17.1 s against 21.0 s with them (a slow day).
    - shared_terms 5, common_term_share 0.25: a match's reasons name at most 5 shared terms, and none held by
      more than a quarter of the fitted rows (and by `COMMON_TERM_MIN_ROWS` or more). Only what is shown changes,
      not the score. In the demo pool (381 experts) that leaves out 开展, 服务, 指导, 方面, 专家, 技术, 工作 and
      the like (idf below ln 4), which the template-like texts of needs share with most profiles.
    - generic_word_ppm 100: nor do they name a word of general Chinese said 100 times a million words or more
      (`text.generic_words`, from jieba's dictionary), which a pool of one field may hold too rarely for
      `common_term_share` to catch: in the demo, 管理, 人员 and 使用 (but not 操作 or 种植, at 51-62).
    """

    word_weight: float = 1.0
    unigram_weight: float = 1.0
    bigram_weight: float = 1.0
    k1: float = 2.0
    b: float = 0.3
    b_words: float = 0.75
    alpha: float = 0.75
    title_weight: int = 1
    document_weight: float = 1.0
    topic_weight: float = 1.0
    topic_half_words: float = 20.0
    background_weight: float = 1.0
    spread_weight: float = 0.5
    field_weight: float = 0.15
    activity_weight: float = 0.0
    district_same: float = 0.03
    district_neighbour: float = 0.015
    rating_weight: float = 0.01
    exclude_unavailable: bool = True
    candidates: int = 100
    candidates_per_result: int = 3
    prune_fraction: float = 0.2
    prune_min_rows: int = 20000
    delta_limit: int = 2000
    analysis_workers: int = 2
    parallel_min_texts: int = 20000
    rank_workers: int = 2
    parallel_min_needs: int = 1000
    parallel_max_k: int = 1000
    shared_terms: int = 5
    common_term_share: float = 0.25
    generic_word_ppm: float = 100.0
    huge_pages_in_build: bool = False


#: `common_term_share` names no term of fewer rows than this: in a small pool every term is held by a large share
COMMON_TERM_MIN_ROWS = 20


def _key_words(ranked: Iterable[str], n: int) -> list[str]:
    """The first `n` of `ranked` words, where a word is left out when a chosen word contains it, and a longer word
    takes the place of the chosen words it contains (合理 and 合理用药 name one reason, not two)."""
    chosen: list[str] = []
    for word in ranked:
        if len(chosen) == n:
            break
        if any(word in c for c in chosen):
            continue
        parts = [i for i, c in enumerate(chosen) if c in word]
        if not parts:
            chosen.append(word)
            continue
        chosen[parts[0]] = word
        chosen = [c for i, c in enumerate(chosen) if i not in parts[1:]]
    return chosen


_masks = threading.local()


def _column_mask(n_cols: int) -> np.ndarray:
    """This thread's all-False mask over at least `n_cols` columns (a caller sets bits and clears them again)."""
    mask: np.ndarray | None = getattr(_masks, "array", None)
    if mask is None or mask.size < n_cols:
        mask = np.zeros(n_cols + n_cols // 8, dtype=bool)  # room for the columns later upserts add
        _masks.array = mask
    return mask


def _held_pairs(raw: str, pairs: Collection[str]) -> set[str]:
    """Which of the (normalised) character `pairs` the normalised form of `raw` holds. Normalising is per character,
    so a pair that normalising leaves as it is and that `raw` holds as it is stays in the normalised text: raw is
    normalised only for the pairs not found so (Traditional characters, compatibility forms), ~20 µs an expert."""
    held = {p for p in pairs if p in raw and textmod.normalize(p) == p}
    if len(held) < len(pairs):
        normalized = textmod.normalize(raw)
        held.update(p for p in pairs if p not in held and p in normalized)
    return held


def field_key(label: str) -> str:
    """A field label folded for comparison: NFKC, Simplified, lower case, punctuation and spaces dropped."""
    folded = textmod.normalize(unicodedata.normalize("NFKC", label))
    return re.sub(r"[^0-9a-z\u3400-\u9fff]+", "", folded)


@lru_cache(maxsize=4096)
def _field_keys(label: str) -> tuple[str, ...]:
    key = field_key(label)
    if not key:
        return ()
    # GB/T 13745 codes: "52010" is inside "520"; index both so a need's 3-digit code meets longer codes.
    if key.isdigit() and len(key) > 3:
        return (key, key[:3])
    return (key,)


@lru_cache(maxsize=4096)
def _expert_field_keys(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The sorted field keys of an expert's labels (experts share a few label sets, so each is folded once)."""
    return tuple(sorted({k for f in fields for k in _field_keys(f)}))


_TITLE_END = re.compile(r"[。\n]|(?<=[.?!])\s")


def title_of(text: str) -> str:
    """A need's title: its text before the first "。", line break, or English sentence end (".", "?" or "!" then
    a space); the whole text when it has none. English Debian sets: MRR 0.765 -> 0.776 field-level, 0.184 ->
    0.186 person-level, against "。" and line breaks alone; csl-dev unchanged."""
    return _TITLE_END.split(text, maxsplit=1)[0]


#: `floor`'s scale: from FLOOR up the floor is the identity; a pair exactly at its need's background gets FLOOR / 2
FLOOR = 0.05
#: an expert's best single text scores this many times the mean of its texts, on average over a pool (the exact
#: mean of the best-text part over the pool, divided by its estimate from the mean text rows: 1.6 to 3.2 on
#: csl-dev and the English sets, scratch); used for the background's best-text part
BEST_TEXT_FACTOR = 2.0
#: the background's means are taken over about this many experts (`MatchEngine._fit_background`)
BACKGROUND_SAMPLE = 10_000
#: the spread's reference is the median spread of the first texts of about this many experts, read as needs
SPREAD_SAMPLE = 500
#: a need's spread scale stays within these (the spread of a need of one rare word can be near zero)
SPREAD_SCALE_BOUNDS = (0.5, 2.0)


def floor(x: np.ndarray) -> np.ndarray:
    """x where x >= FLOOR, FLOOR^2 / (2 FLOOR - x) below (float32): positive, increasing, and equal to x with
    its slope at FLOOR; far below zero it is about FLOOR^2 / |x|, so no two values of x run together."""
    x = np.asarray(x, dtype=np.float32)
    out = x.copy()
    below = x < FLOOR
    out[below] = np.float32(FLOOR * FLOOR) / (np.float32(2.0 * FLOOR) - x[below])
    return out


def text_score(raw: np.ndarray, background: np.ndarray | float, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """The text score of raw sums given their needs' backgrounds and spread scales:
    `bounded(floor((raw - background) * scale))` where raw is positive (the pair shares a term or a topic), 0 where
    it is not."""
    f32 = np.float32
    text = bounded(floor((raw - np.asarray(background, dtype=f32)) * np.asarray(scale, dtype=f32)))
    text[raw <= 0] = 0.0
    return text


def bounded(raw: np.ndarray) -> np.ndarray:
    """The text score from the raw BM25 sum (query row over cap^alpha): raw / (1 + raw), in place. It lies in
    [0, 1) whatever alpha is, so it reads as a share (the UI's 匹配度, the liaison planner's text part), and it
    increases with raw, so it orders pairs as raw does, within a need and across needs alike."""
    raw /= raw + np.float32(1.0)
    return raw


def top_candidates(scores: np.ndarray, c: int, stride: int = 16) -> np.ndarray:
    """Positions of the `c` largest of `scores` (in no order; ties at the cut broken arbitrarily).

    A full `argpartition` of 100,000 scores takes about 1 ms, most of a query. Instead, a threshold is read off
    every `stride`-th score, set so that about four times `c` scores should pass it, and only those are
    partitioned (skewed, tied scores let fewer pass: of 300 synthetic 100,000-expert queries, 12% had fewer than
    `c` pass at twice, none at four times). When fewer than `c` pass, the whole array is partitioned: the
    result is exact either way."""
    n = scores.size
    if c >= n:
        return np.arange(n)
    if n >= 8 * stride * c:
        sample = scores[::stride]
        m = min(sample.size, 4 * (c // stride + 1) + 16)
        threshold = np.partition(sample, sample.size - m)[sample.size - m]
        passed = np.flatnonzero(scores >= threshold)
        if passed.size >= c:
            return passed[np.argpartition(-scores[passed], c - 1)[:c]]
    return np.argpartition(-scores, c - 1)[:c]


# What `rank_many` hands to its forked workers: they inherit it with the parent's memory (nothing is pickled).
_forked_batch: tuple[MatchEngine, Sequence[NeedText], int, int] | None = None


def _rank_piece(first: int, end: int) -> list[list[tuple[str, float]]]:
    """In a forked worker: the ranked experts of needs first..end-1 of the batch `rank_many` set aside."""
    assert _forked_batch is not None
    engine, needs, k, chunk = _forked_batch
    return [ranked for _, ranked in engine._rank_serial(needs[first:end], k, chunk)]


@dataclass
class _Expert:
    expert: ExpertProfile
    field_keys: tuple[str, ...] = ()


class MatchEngine:
    """Similarity index over experts and needs; see the module docstring for the score."""

    def __init__(
        self,
        settings: MatchSettings | None = None,
        neighbours: Mapping[str, Collection[str]] | None = None,
        analysis_cache: AnalysisCache | None = None,
    ) -> None:
        self.settings = settings or MatchSettings()
        self.neighbours = {k: frozenset(v) for k, v in (neighbours or {}).items()}
        #: where `fit` reads and keeps each expert's analysed text (None: analyse every expert every time)
        self.analysis_cache = analysis_cache
        self._reset()

    # ------------------------------------------------------------------ state
    def _reset(self) -> None:
        s = self.settings
        self.vocab_ = Vocabulary()
        self.weighter_ = Bm25Weighter(
            FeatureWeights(s.word_weight, s.unigram_weight, s.bigram_weight),
            params=Bm25Params(s.k1, s.b, s.alpha, s.b_words),
        )
        self._experts: list[_Expert | None] = []
        self._expert_slot: dict[str, int] = {}
        # profile weights as float16, as the documents' are: 6 bytes an entry instead of 8, in the rows and their
        # postings (a 100,000-expert index 180 MB smaller); csl-dev and nssf-dev score the same to four places
        self._profiles = RowStore(s.delta_limit, s.prune_fraction, s.prune_min_rows, half=True)
        self._needs_rows = RowStore(s.delta_limit, s.prune_fraction, s.prune_min_rows)
        self._documents = DocumentScores(s.delta_limit)
        self._text_runs: list[tuple[int, int]] = []  # per expert slot: (first document row, number of texts)
        self._text_runs_cache: np.ndarray | None = None
        self._needs: list[NeedText | None] = []
        self._need_slot: dict[str, int] = {}
        self._field_index: dict[str, int] = {}
        self._static: list[float] = []
        self._membership_cache: sp.csr_matrix | None = None
        self._district_slots: dict[str, set[int]] = {}
        self._static_cache: np.ndarray | None = None
        self._id_ranks_cache: np.ndarray | None = None
        self._eligible_cache: dict[bool, np.ndarray] = {}
        self._field_slots_cache: list[np.ndarray] | None = None
        #: the pool's mean expert as one row of term weights (the whole-profile part plus the best-text part's
        #: estimate), frozen at fit; and each stored need's background (by need slot)
        self._background_row = np.zeros(0, dtype=np.float32)
        self._need_background = np.zeros(0, dtype=np.float32)
        #: the variance of each column's weight over the fitted profile rows and the spread of a typical text
        #: of the pool read as a need, frozen at fit; and each stored need's spread scale (by need slot)
        self._spread_row = np.zeros(0, dtype=np.float32)
        self._spread_reference = 0.0
        self._need_scale = np.zeros(0, dtype=np.float32)
        vectors = shipped_word_vectors() if s.topic_weight else None
        self._topics = TopicVectors(vectors, self.vocab_.word_at) if vectors is not None else None

    @property
    def n_experts(self) -> int:
        """Experts currently in the index."""
        return len(self._expert_slot)

    def _need_counts(self, texts: Sequence[str], vocab: Vocabulary, space: ColumnSpace | None = None) -> sp.csr_matrix:
        """Term counts of needs with their titles counted `title_weight` more times (a title names the topic): each
        need is one owner holding its text and that many copies of its title, so one pass counts both."""
        s = self.settings
        owned = [x for t in texts for x in (t, *[title_of(t)] * s.title_weight)]
        lengths = np.full(len(texts), 1 + s.title_weight, dtype=np.int64)
        return count_grouped(owned, lengths, vocab, space, s.analysis_workers, s.parallel_min_texts).owners

    @staticmethod
    def _expert_sources(expert: ExpertProfile) -> list[tuple[int | None, str]]:
        """The expert's non-empty texts, in the order they are stored, each with where it comes from: None for
        the profile, i for `documents[i]`."""
        texts: list[tuple[int | None, str]] = [(None, expert.profile)] if expert.profile.strip() else []
        return texts + [(i, d) for i, d in enumerate(expert.documents) if d.strip()]

    @staticmethod
    def _expert_texts(expert: ExpertProfile) -> list[str]:
        return [text for _, text in MatchEngine._expert_sources(expert)]

    def _static_prior(self, expert: ExpertProfile, n_docs: int) -> float:
        s = self.settings
        prior = s.activity_weight * math.log1p(n_docs)
        if expert.rating is not None:
            prior += s.rating_weight * (expert.rating - 3.0) / 2.0
        return prior

    # ------------------------------------------------------------------ fitting and edits
    def fit(self, experts: Iterable[ExpertProfile], needs: Iterable[NeedText] = ()) -> MatchEngine:
        """Build the index: idf from all experts' profiles and all needs, then every row."""
        expert_list = list({e.id: e for e in experts}.values())
        # a large build's temporaries reuse freed memory, its new memory comes in small pages, and no cyclic
        # collection holds a build up (matching/memory.py); a build too small for the analysis workers makes no
        # large temporaries
        large = sum(1 + len(e.documents) for e in expert_list) >= self.settings.parallel_min_texts
        with contextlib.ExitStack() as build:
            if large:
                build.enter_context(reusing_freed_memory())
                if not self.settings.huge_pages_in_build:
                    build.enter_context(small_pages())
            build.enter_context(cyclic_gc_paused())
            return self._build(expert_list, needs)

    def _build(self, expert_list: list[ExpertProfile], needs: Iterable[NeedText]) -> MatchEngine:
        self._reset()
        need_list = list({n.id: n for n in needs}.values())
        expert_texts = [self._expert_texts(e) for e in expert_list]
        lengths = np.fromiter((len(t) for t in expert_texts), dtype=np.int64, count=len(expert_list))
        texts = [t for owned in expert_texts for t in owned]
        del expert_texts
        s = self.settings
        space = self.weighter_.space
        per_text = s.document_weight != 0
        # With per-document scores every text is counted on its own and an expert's row is the sum of their rows;
        # otherwise each expert's texts are counted as one.
        grouped = count_grouped(
            texts,
            lengths,
            self.vocab_,
            space,
            s.analysis_workers,
            s.parallel_min_texts,
            cache=self.analysis_cache,
            each_text=per_text,
        )
        text_counts = grouped.texts
        profile_counts = grouped.owners
        block_totals = grouped.block_totals
        del grouped
        need_counts = self._need_counts([n.text for n in need_list], self.vocab_, space)
        # idf from whole profiles and needs, mean lengths from profiles; then the rows are weighted in place (no
        # second copy of the counts)
        n_cols = space.n_cols
        profile_df = column_counts(profile_counts, n_cols)
        self.weighter_.fit_df(
            profile_df + column_counts(need_counts, n_cols),
            len(expert_list) + len(need_list),
            mean_block_lengths(block_totals, len(expert_list)),
        )
        if text_counts is not None:
            self._documents.fit_lengths(block_totals, len(texts))
            self._documents.append(text_counts, self.weighter_)
            del text_counts
        profile_rows = self.weighter_.transform_inplace(profile_counts, stored=True, half=True)
        del profile_counts
        self._profiles.append(profile_rows, profile_df)
        starts = np.cumsum(lengths) - lengths
        firsts = starts.tolist() if per_text else [-1] * len(expert_list)
        self._register_experts(expert_list, lengths.tolist(), firsts)
        # stored needs are weighed as queries: a need row times a profile row is the pair's text score
        need_rows = self.weighter_.transform_inplace(need_counts, stored=False)
        self._needs_rows.append(need_rows)
        self._fit_topics(profile_rows, need_rows)
        del profile_rows
        moments = self._profile_moments()
        self._fit_background(moments)
        sample = np.arange(0, len(expert_list), max(1, math.ceil(len(expert_list) / SPREAD_SAMPLE)))
        self._fit_spread(moments, [texts[i] for i in starts[sample[lengths[sample] > 0]].tolist()])
        del texts, moments
        if self._topics is not None:
            slots = np.arange(len(need_list))
            need_topics: tuple[np.ndarray | None, np.ndarray | None] = (
                self._topics.needs.rows(slots),
                self._topics.needs.words(slots),
            )
        else:
            need_topics = (None, None)
        self._need_background = self._backgrounds(need_rows, *need_topics)
        self._need_scale = self._scales(need_rows)
        del need_rows
        for n in need_list:
            self._need_slot[n.id] = len(self._needs)
            self._needs.append(n)
        # the postings belong to the index: build them now, not in the first query
        self._profiles.postings()
        self._needs_rows.postings()
        return self

    def _fit_topics(self, profile_rows: sp.csr_matrix, need_rows: sp.csr_matrix) -> None:
        """Topic vectors of the fitted experts and needs, centred on their mean (frozen from now on)."""
        if self._topics is not None:
            self._topics.fit(profile_rows, need_rows, self.weighter_.space.global_ids(), self.weighter_.idf_at)

    def _moment_sample(self) -> np.ndarray:
        """The experts the pool's means are taken over: every k-th, k making about `BACKGROUND_SAMPLE` of them.
        The whole pool would cost a pass over every stored entry (0.75-1.0 s of a 100,000-expert build on a slow
        day, against 0.11 s; scratch), and a mean of 10,000 rows is already close (nssf-dev within 0.0005)."""
        n = self._profiles.n_rows
        return np.arange(0, n, max(1, math.ceil(n / BACKGROUND_SAMPLE)))

    def _profile_moments(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The mean and the mean square of each column's weight over the fitted profile rows (`_moment_sample`),
        for the background and the spread; None for an empty pool or with both off."""
        s = self.settings
        sample = self._moment_sample()
        if sample.size == 0 or not (s.background_weight or s.spread_weight):
            return None
        return self._profiles.column_moments(sample, np.full(sample.size, 1.0 / sample.size))

    def _fit_background(self, moments: tuple[np.ndarray, np.ndarray] | None) -> None:
        """The background row: the fitted experts' mean profile row (`moments`), plus `document_weight` times
        `BEST_TEXT_FACTOR` times the mean over experts of each expert's mean text row (over `_moment_sample`)."""
        if moments is None or not self.settings.background_weight:
            self._background_row = np.zeros(0, dtype=np.float32)
            return
        sample = self._moment_sample()
        row = moments[0].copy()
        weight = self.settings.document_weight
        runs = self._document_runs()[sample]
        first, counts = runs[:, 0], runs[:, 1]
        if weight and counts.any():
            positions = row_ranges(first, counts)
            per_text = np.repeat(1.0 / np.maximum(counts, 1), counts) / sample.size
            texts = self._documents.column_sums(positions, per_text)
            row[: texts.size] += weight * BEST_TEXT_FACTOR * texts[: row.size]
        self._background_row = row.astype(np.float32)

    def _backgrounds(
        self,
        rows: sp.csr_matrix,
        topics: np.ndarray | None = None,
        words: np.ndarray | None = None,
        stored: bool = True,
    ) -> np.ndarray:
        """For each query row, the raw sum the pool's average expert gets (times `background_weight`): the row
        times the background row, plus the topic part's expected value over the experts (`topics`: the rows'
        centred topic vectors, `words`: how many of each row's words have a vector). `stored`: rows to be kept
        (fitted or added needs) get the same bits either way; a live query's row is read faster
        (`rows.dense_products`)."""
        weight = self.settings.background_weight
        out = np.zeros(rows.shape[0], dtype=np.float32)
        if not weight or self._background_row.size == 0:
            return out
        out[:] = dense_products(rows, self._background_row, stored=stored)
        if self._topics is not None and topics is not None and words is not None:
            out += self._topic_weight(words) * self._topics.expected_similarity(topics)
        out *= np.float32(weight)
        return out

    def _fit_spread(self, moments: tuple[np.ndarray, np.ndarray] | None, sample_texts: list[str]) -> None:
        """The variance of each column's weight over the fitted profile rows (from `moments`), and the reference
        spread: the median spread of `sample_texts` (some of the pool's own texts) read as needs."""
        self._spread_row = np.zeros(0, dtype=np.float32)
        self._spread_reference = 0.0
        if moments is None or not self.settings.spread_weight:
            return
        mean, square = moments
        variance = square - mean * mean
        self._spread_row = np.maximum(variance, 0.0).astype(np.float32)
        if sample_texts:
            spreads = self._spreads(self.vectorize(sample_texts))
            if (spreads > 0).any():
                self._spread_reference = float(np.median(spreads[spreads > 0]))

    def _spreads(self, rows: sp.csr_matrix, stored: bool = True) -> np.ndarray:
        """sqrt(sum_t q(t)^2 var(t)) for each query row: the spread of its raw sums over the pool, were the
        columns independent."""
        return np.sqrt(dense_products(rows, self._spread_row, squared=True, stored=stored))

    def _scales(self, rows: sp.csr_matrix, stored: bool = True) -> np.ndarray:
        """Each query row's spread scale, (reference / spread) ** `spread_weight` within `SPREAD_SCALE_BOUNDS`;
        1 for a row without a spread (no column any two experts weigh differently) or with the scale off.
        `stored` as in `_backgrounds`."""
        out = np.ones(rows.shape[0], dtype=np.float32)
        if not self.settings.spread_weight or not self._spread_reference:
            return out
        spreads = self._spreads(rows, stored)
        known = spreads > 0
        scaled = (np.float32(self._spread_reference) / spreads[known]) ** np.float32(self.settings.spread_weight)
        out[known] = np.clip(scaled, *SPREAD_SCALE_BOUNDS)
        return out

    def _text(self, raw: np.ndarray, background: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """Text scores of raw sums (in place when the background is off: then `bounded(raw * scale)`)."""
        if self.settings.background_weight:
            return text_score(raw, background, scale)
        raw *= scale
        return bounded(raw)

    def _topic_rows(self, rows: sp.csr_matrix, query: bool, stored: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(centred topic vectors, words with a vector) of weighted rows (query rows: times the idf); rows to be
        `stored` are summed as a fit sums them (`TopicVectors.sums`)."""
        assert self._topics is not None
        idf = self.weighter_.idf_at if query else None
        sums, words = self._topics.sums(rows, self.weighter_.space.global_ids(), idf, stored)
        return self._topics.centred(sums), words

    def _topic_weight(self, words: np.ndarray) -> np.ndarray:
        """How much topic similarity counts for needs with `words` words that have a vector."""
        s = self.settings
        return (np.float32(s.topic_weight) * words / (words + np.float32(s.topic_half_words))).astype(np.float32)

    def _register_expert(self, expert: ExpertProfile, n_docs: int, first_text: int) -> None:
        """Give the expert a slot; its texts are document rows first_text .. first_text + n_docs - 1 (first_text
        -1: none stored)."""
        self._register_experts([expert], [n_docs], [first_text])

    def _register_experts(
        self, experts: Sequence[ExpertProfile], n_docs: Sequence[int], first_texts: Sequence[int]
    ) -> None:
        """`_register_expert` for many experts in one loop (100,000 at a fit)."""
        field_index, expert_slot, items = self._field_index, self._expert_slot, self._experts
        district_slots = self._district_slots
        for expert, n, first in zip(experts, n_docs, first_texts, strict=True):
            keys = _expert_field_keys(tuple(expert.fields))
            for k in keys:
                field_index.setdefault(k, len(field_index))
            slot = len(items)
            expert_slot[expert.id] = slot
            items.append(_Expert(expert, keys))
            self._static.append(self._static_prior(expert, n))
            self._text_runs.append((first, n if first >= 0 else 0))
            if expert.district:
                district_slots.setdefault(expert.district, set()).add(slot)
        self._text_runs_cache = None
        self._membership_cache = None

    def _membership(self) -> sp.csr_matrix:
        """(n_slots x n_fields) 0/1 matrix: which fields each live expert slot has."""
        if self._membership_cache is None or self._membership_cache.shape != (
            len(self._experts),
            len(self._field_index),
        ):
            rows, cols = [], []
            for slot, item in enumerate(self._experts):
                if item is None:
                    continue
                for k in item.field_keys:
                    rows.append(slot)
                    cols.append(self._field_index[k])
            self._field_slots_cache = None
            self._membership_cache = sp.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, cols)),
                shape=(len(self._experts), len(self._field_index)),
            )
        return self._membership_cache

    def _require_fit(self) -> None:
        if self.weighter_.idf_ is None:
            self.fit([])

    def upsert_expert(self, expert: ExpertProfile) -> None:
        """Add or replace an expert; the next query sees the change (idf stays as fitted)."""
        self._require_fit()
        self.remove_expert(expert.id)
        texts = self._expert_texts(expert)
        counts = count_batch(texts, np.ones(len(texts), dtype=np.int64), self.vocab_)
        # the row as the store keeps it, so that its topic vector is the one a fit would make of it
        row = self._profiles.as_stored(self.weighter_.transform(owner_sums(counts, np.array([len(texts)])), grow=True))
        self._profiles.append(row)
        if self._topics is not None:
            self._topics.experts.append(*self._topic_rows(row, query=False))
        first_text = -1
        if self.settings.document_weight:
            compact = self.weighter_.space.compact_inplace(counts)  # the space holds every column of them now
            first_text = self._documents.append(compact, self.weighter_)
        self._register_expert(expert, len(texts), first_text)

    def remove_expert(self, expert_id: str) -> None:
        """Drop an expert from every later query (no-op when unknown)."""
        slot = self._expert_slot.pop(expert_id, None)
        if slot is not None:
            item = self._experts[slot]
            if item is not None and item.expert.district:
                self._district_slots.get(item.expert.district, set()).discard(slot)
            self._experts[slot] = None
            self._membership_cache = None
            self._eligible_cache = {}

    def upsert_need(self, need: NeedText) -> None:
        """Add or replace a need (used by `needs_for`)."""
        self._require_fit()
        self.remove_need(need.id)
        counts = self._need_counts([need.text], self.vocab_)
        row = self.weighter_.transform(counts, grow=True, stored=False)
        self._needs_rows.append(row)
        topics: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
        if self._topics is not None:
            topics = self._topic_rows(row, query=True)
            self._topics.needs.append(*topics)
        self._need_background = np.append(self._need_background, self._backgrounds(row, *topics))
        self._need_scale = np.append(self._need_scale, self._scales(row))
        self._need_slot[need.id] = len(self._needs)
        self._needs.append(need)

    def remove_need(self, need_id: str) -> None:
        """Drop a need (no-op when unknown)."""
        slot = self._need_slot.pop(need_id, None)
        if slot is not None:
            self._needs[slot] = None

    # ------------------------------------------------------------------ scoring helpers
    def vectorize(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Query rows for need texts (titles counted again), with the fitted idf; the vocabulary is left as it was."""
        self._require_fit()
        return self.weighter_.transform(self._need_counts(texts, QueryVocabulary(self.vocab_)), stored=False)

    def _declared_slots(self, need: NeedText) -> list[int]:
        if not need.field:
            return []
        return [self._field_index[k] for k in _field_keys(need.field) if k in self._field_index]

    def _id_ranks(self) -> np.ndarray:
        """Each slot's place in the order of the expert ids (int64; a removed slot counts as the id "", and is never
        eligible): ties in score are broken by these, as by the ids, without sorting strings in every query."""
        if self._id_ranks_cache is None or self._id_ranks_cache.size != len(self._experts):
            ids = np.array([item.expert.id if item else "" for item in self._experts], dtype=object)
            ranks = np.empty(ids.size, dtype=np.int64)
            ranks[np.argsort(ids, kind="stable")] = np.arange(ids.size)
            self._id_ranks_cache = ranks
        return self._id_ranks_cache

    def _document_runs(self) -> np.ndarray:
        """(n_slots x 2) int64: each slot's first document row and number of stored texts."""
        if self._text_runs_cache is None or len(self._text_runs_cache) != len(self._text_runs):
            self._text_runs_cache = np.array(self._text_runs, dtype=np.int64).reshape(-1, 2)
        return self._text_runs_cache

    def _static_array(self) -> np.ndarray:
        if self._static_cache is None or self._static_cache.size != len(self._static):
            self._static_cache = np.asarray(self._static, dtype=np.float32)
        return self._static_cache

    def _field_slots(self) -> list[np.ndarray]:
        """For each field column, the sorted expert slots that have it."""
        member = self._membership()
        if self._field_slots_cache is None or len(self._field_slots_cache) != member.shape[1]:
            csc = member.tocsc()
            self._field_slots_cache = [
                np.sort(csc.indices[csc.indptr[f] : csc.indptr[f + 1]]) for f in range(member.shape[1])
            ]
        return self._field_slots_cache

    def _structure(self, needs: Sequence[NeedText]) -> np.ndarray:
        """(n_needs x n_slots) structured part of the score (field, district, activity, rating)."""
        s = self.settings
        out = np.tile(self._static_array(), (len(needs), 1))
        if self._field_index and s.field_weight:
            # add the bonus where it applies instead of building a dense field matrix
            field_slots = self._field_slots()
            for i, need in enumerate(needs):
                declared = self._declared_slots(need)
                if not declared:
                    continue
                holders = (
                    field_slots[declared[0]]
                    if len(declared) == 1
                    else np.unique(np.concatenate([field_slots[f] for f in declared]))
                )
                out[i, holders] += np.float32(s.field_weight)
        for i, need in enumerate(needs):
            if need.district and (s.district_same or s.district_neighbour):
                out[i] += self._district_vector(need.district)
        return out

    def _expert_structure(self, needs: Sequence[NeedText], need_slots: np.ndarray, slot: int) -> np.ndarray:
        """`_structure` of stored needs against one expert slot (float32, one per need; the same sums in the same
        order), without `_structure`'s per-need passes over every expert."""
        s = self.settings
        item = self._experts[slot]
        assert item is not None
        fields = self._field_slots_of(item) if s.field_weight else set()
        bonus = {"same": np.float32(s.district_same), "neighbour": np.float32(s.district_neighbour)}
        out = np.full(len(needs), self._static_array()[slot], dtype=np.float32)
        for i, need in enumerate(needs):
            if self._field_match(need, fields):
                out[i] += np.float32(s.field_weight)
            relation = self._district_relation(need.district, item.expert.district)
            if relation is not None:
                out[i] += bonus[relation]
        return out

    def _field_slots_of(self, item: _Expert) -> set[int]:
        """The field slots of an expert's labels (folded)."""
        return {self._field_index[k] for k in item.field_keys}

    def _field_match(self, need: NeedText, expert_fields: set[int]) -> bool:
        """Whether the need declares one of `expert_fields` (an expert's `_field_slots_of`)."""
        return not expert_fields.isdisjoint(self._declared_slots(need))

    def _district_relation(self, need_district: str | None, expert_district: str | None) -> str | None:
        if not need_district or not expert_district:
            return None
        if need_district == expert_district:
            return "same"
        if expert_district in self.neighbours.get(need_district, ()):
            return "neighbour"
        return None

    def _district_vector(self, district: str) -> np.ndarray:
        s = self.settings
        full = np.zeros(len(self._experts), dtype=np.float32)
        for other in self.neighbours.get(district, ()):
            if other != district:
                full[list(self._district_slots.get(other, ()))] = s.district_neighbour
        full[list(self._district_slots.get(district, ()))] = s.district_same
        return full

    def _eligible(self, exclude: Collection[str] = (), skip_full: bool = True) -> np.ndarray:
        """Which expert slots a query may return: live, available and (with `skip_full`) with a place left, when
        `exclude_unavailable`; never one of `exclude`."""
        base = self._eligible_cache.get(skip_full)
        if base is None or base.size != len(self._experts):
            base = np.zeros(len(self._experts), dtype=bool)
            for slot, item in enumerate(self._experts):
                if item is None:
                    continue
                e = item.expert
                if self.settings.exclude_unavailable and (not e.available or (skip_full and e.capacity_left == 0)):
                    continue
                base[slot] = True
            self._eligible_cache[skip_full] = base
        ok = base.copy()
        for expert_id in exclude:
            excluded = self._expert_slot.get(expert_id)
            if excluded is not None:
                ok[excluded] = False
        return ok

    def _text_scores(self, query: sp.csr_matrix, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact text score of one query row against expert `slots`: the query row (already divided by its cap)
        times each whole-profile row, plus `document_weight` times its product with the expert's best-matching
        text, plus the topic part, less the need's background, made a text score (`_text`); with each slot's topic
        similarity (a reason)."""
        slots = np.asarray(slots, dtype=np.int64)
        raw = self._profiles.range_dots(slots, np.ones(slots.size, dtype=np.int64), query)
        weight = self.settings.document_weight
        if weight and self._documents.n_rows:
            # a text shares a term with the need only if the whole profile does
            hit = np.flatnonzero(raw > 0)
            runs = self._document_runs()[slots[hit]]
            raw[hit] += np.float32(weight) * self._documents.best(runs[:, 0], runs[:, 1], query)
        similarity = np.zeros(len(slots), dtype=np.float32)
        scale = self._scales(query, stored=False)
        if self._topics is None:
            return self._text(raw, self._backgrounds(query, stored=False), scale), similarity
        vector, words = self._topic_rows(query, query=True, stored=False)
        if words[0]:
            np.maximum(self._topics.experts.rows(slots) @ vector[0], np.float32(0.0), out=similarity)
            raw += self._topic_weight(words) * similarity
        return self._text(raw, self._backgrounds(query, vector, words, stored=False), scale), similarity

    # ------------------------------------------------------------------ queries
    def _n_candidates(self, want: int) -> int:
        """How many first-stage candidates are scored exactly when `want` results are asked for: with only `want`
        of them a top-100 run is the first stage's top 100 (nssf-dev R@100 0.374 at 100, 0.380 at 300)."""
        s = self.settings
        return max(s.candidates, s.candidates_per_result * want)

    def _rank(
        self,
        needs: Sequence[NeedText],
        queries: sp.csr_matrix,
        k: int,
        eligible: np.ndarray,
    ) -> Iterator[tuple[NeedText, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Yield (need, slots, scores, text scores, topic similarities) best first, `k` per need (0 = every eligible
        expert)."""
        n_eligible = int(np.count_nonzero(eligible))
        want = n_eligible if k <= 0 else min(k, n_eligible)
        n_candidates = self._n_candidates(want)
        exhaustive = k <= 0 or n_eligible <= n_candidates
        all_slots = np.flatnonzero(eligible) if exhaustive else None
        structure = self._structure(needs)
        if not exhaustive:
            # candidates by the whole-profile part alone, without the background: within a need the background
            # changes no order of text scores, only how they weigh against the structure (nssf-dev the same with
            # it taken off here too: MRR 0.1375 against 0.1374, R@100 0.4065 against 0.4062, at field_weight 0.1)
            approx = bounded(self._profiles.first_stage(queries))
            approx += structure
            if n_eligible < eligible.size:
                approx[:, np.flatnonzero(~eligible)] = -np.inf  # indices: usually few, where a mask walks every column
        for i, need in enumerate(needs):
            if all_slots is not None:
                slots = all_slots
            else:
                c = min(n_candidates, n_eligible)
                slots = top_candidates(approx[i], c)
            prior = structure[i, slots]
            text, topic = self._text_scores(queries[i], slots)
            total = text + prior
            # ties: higher score first, then the expert ids in order, for determinism
            order = np.lexsort((self._id_ranks()[slots], -total))[:want]
            yield need, slots[order], total[order], text[order], topic[order]

    def prepare_reasons(self) -> None:
        """Load what the first match with reasons reads (the general-language word list, 0.2 s), so that the first
        request after a start does not wait for it."""
        textmod.generic_words(self.settings.generic_word_ppm)

    def experts_for(
        self, need: NeedText, k: int = 10, exclude: Collection[str] = (), skip_full: bool = True
    ) -> list[Match]:
        """The best `k` experts for a need (k = 0: every eligible expert), each with reasons; `exclude`d experts
        are never returned, nor (with `skip_full`) those with no `capacity_left`."""
        self._require_fit()
        queries = self.vectorize([need.text])
        eligible = self._eligible(exclude, skip_full)
        return [
            match
            for need_, slots, scores, texts, topics in self._rank([need], queries, k, eligible)
            for match in self._matches(need, slots, scores, texts, topics, queries[0])
        ]

    def rank_many(
        self, needs: Sequence[NeedText], k: int, chunk: int = 64
    ) -> Iterator[tuple[NeedText, list[tuple[str, float]]]]:
        """(need, [(expert_id, score), ...]) for each need, best first; no reasons (fast batch path).

        Batches of `parallel_min_needs` needs or more (with a `k` of at most `parallel_max_k`) are shared by
        `rank_workers` forked processes, which read the index the parent built (copy-on-write, nothing pickled
        but the results); the results come back in the needs' order, scored exactly as in one process."""
        self._require_fit()
        s = self.settings
        forked = (
            len(needs) >= s.parallel_min_needs
            and s.rank_workers > 1
            and 0 < k <= s.parallel_max_k
            and os.name == "posix"
        )
        if not forked:
            yield from self._rank_serial(needs, k, chunk)
            return
        # The parent ranks the first chunk itself: that also builds every lazily made table (eligibility, ids,
        # postings of added rows) before the fork, so the workers share them instead of each building its own.
        yield from self._rank_serial(needs[:chunk], k, chunk)
        rest = needs[chunk:]
        size = max(chunk, math.ceil(len(rest) / (4 * s.rank_workers)))
        pieces = [(a, min(a + size, len(rest))) for a in range(0, len(rest), size)]
        global _forked_batch
        _forked_batch = (self, rest, k, chunk)
        pool = ProcessPoolExecutor(s.rank_workers, mp_context=get_context("fork"))
        try:
            futures = [pool.submit(_rank_piece, a, b) for a, b in pieces]
            for (a, _), future in zip(pieces, futures, strict=True):
                for offset, ranked in enumerate(future.result()):
                    yield rest[a + offset], ranked
        finally:
            _forked_batch = None
            pool.shutdown(cancel_futures=True)

    def _rank_serial(
        self, needs: Sequence[NeedText], k: int, chunk: int = 64
    ) -> Iterator[tuple[NeedText, list[tuple[str, float]]]]:
        eligible = self._eligible()
        for start in range(0, len(needs), chunk):
            part = needs[start : start + chunk]
            queries = self.vectorize([n.text for n in part])
            for need, slots, scores, _, _ in self._rank(part, queries, k, eligible):
                yield (
                    need,
                    [
                        (self._experts[s].expert.id, float(v))  # type: ignore[union-attr]
                        for s, v in zip(slots, scores, strict=True)
                    ],
                )

    def candidate_pairs(
        self,
        needs: Sequence[NeedText],
        k: int,
        named: bool = True,
        exclude: Collection[str] = (),
        skip_full: bool = True,
    ) -> list[Match]:
        """Top-k experts per need with reasons: the affinity matrix the assignment solver consumes. With `named`
        False the reasons leave out what is costly to name (shared terms, best document): a solver that keeps a
        few of many candidates names those afterwards (`shared_terms`). `exclude` and `skip_full` as in
        `experts_for`, for every need."""
        self._require_fit()
        eligible = self._eligible(exclude, skip_full)
        out: list[Match] = []
        queries = self.vectorize([n.text for n in needs])
        for i, (need, slots, scores, texts, topics) in enumerate(self._rank(needs, queries, k, eligible)):
            out.extend(self._matches(need, slots, scores, texts, topics, queries[i], named))
        return out

    def shared_terms(self, chosen: Sequence[tuple[NeedText, Sequence[str]]]) -> list[dict[str, tuple[str, ...]]]:
        """For each need of `chosen` with some expert ids, the key terms it shares with each of them, as
        `Reasons.shared_terms` names them (experts not in the index left out); the needs are analysed together."""
        self._require_fit()
        if not chosen:
            return []
        queries = self.vectorize([need.text for need, _ in chosen])
        out: list[dict[str, tuple[str, ...]]] = []
        for i, (need, expert_ids) in enumerate(chosen):
            known = [e for e in expert_ids if e in self._expert_slot]
            slots = np.array([self._expert_slot[e] for e in known], dtype=np.int64)
            terms = self._shared_terms(need.text, queries[i], slots) if known else []
            out.append(dict(zip(known, terms, strict=True)))
        return out

    def needs_for(self, expert_id: str, k: int = 10) -> list[Match]:
        """The best `k` fitted or upserted needs for an expert, scored as `experts_for` scores the pair (to float32
        rounding: the same products, summed in another order), all candidate needs at once."""
        self._require_fit()
        slot = self._expert_slot.get(expert_id)
        if slot is None:
            raise KeyError(expert_id)
        live = np.array([n is not None for n in self._needs], dtype=bool)
        if not live.any():
            return []
        profile = self._profiles.float32_rows(np.array([slot]))
        n_candidates = self._n_candidates(k)
        if live.sum() > n_candidates:
            approx = self._needs_rows.first_stage(profile)[0]
            approx -= self._need_background  # the needs this expert stands out for, as the exact scores rank them
            approx *= self._need_scale
            approx[~live] = -np.inf
            cand = top_candidates(approx, n_candidates)
        else:
            cand = np.flatnonzero(live)
        target = np.array([slot])
        needs: list[NeedText] = []
        for ns in cand.tolist():
            need = self._needs[ns]
            assert need is not None
            needs.append(need)
        texts, topics = self._need_text_scores(cand, slot, profile)
        totals = texts + self._expert_structure(needs, cand, slot)
        order = sorted(range(len(needs)), key=lambda i: (-totals[i], needs[i].id))[:k]
        # reasons for the needs returned only
        return [
            self._matches(
                needs[i],
                target,
                totals[i : i + 1],
                texts[i : i + 1],
                topics[i : i + 1],
                self._needs_rows.rows(cand[i : i + 1]),
            )[0]
            for i in order
        ]

    def _need_text_scores(
        self, need_slots: np.ndarray, slot: int, profile: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray]:
        """`_text_scores` of stored needs (query rows) against one expert slot, all needs at once: the expert's
        profile row and each of its text rows stand in for the query row (the same products, summed need row by
        need row instead of expert row by expert row: equal to float32 rounding). `profile`: the slot's profile row."""
        ones = np.ones(need_slots.size, dtype=np.int64)
        raw = self._needs_rows.range_dots(need_slots, ones, profile)
        weight = self.settings.document_weight
        first, n_texts = self._document_runs()[slot].tolist()
        if weight and n_texts:
            hit = np.flatnonzero(raw > 0)
            best = np.zeros(hit.size, dtype=np.float32)
            text_rows = self._documents.rows(first, n_texts)
            for t in range(n_texts):
                np.maximum(best, self._needs_rows.range_dots(need_slots[hit], ones[hit], text_rows[t]), out=best)
            raw[hit] += np.float32(weight) * best
        similarity = np.zeros(need_slots.size, dtype=np.float32)
        if self._topics is not None:
            expert = self._topics.experts.rows(np.array([slot]))[0]
            np.maximum(self._topics.needs.rows(need_slots) @ expert, np.float32(0.0), out=similarity)
            raw += self._topic_weight(self._topics.needs.words(need_slots)) * similarity
        return self._text(raw, self._need_background[need_slots], self._need_scale[need_slots]), similarity

    # ------------------------------------------------------------------ reasons
    def _matches(
        self,
        need: NeedText,
        slots: np.ndarray,
        scores: np.ndarray,
        texts: np.ndarray,
        topics: np.ndarray,
        query: sp.csr_matrix,
        named: bool = True,
    ) -> list[Match]:
        """The pairs of `need` with expert `slots` as `Match`es with their reasons (`query`: the need's query
        row, whose product with each of the experts' texts, taken together, names their best documents; with
        `named` False, no shared terms or best document are named)."""
        best = self._best_documents(query, slots) if named else [None] * len(slots)
        terms = self._shared_terms(need.text, query, slots) if named else [()] * len(slots)
        return [
            self._match(need, int(slot), float(score), float(text), document, shared, float(topic))
            for slot, score, text, document, shared, topic in zip(
                slots, scores, texts, best, terms, topics, strict=True
            )
        ]

    def _match(
        self,
        need: NeedText,
        slot: int,
        score: float,
        text_score: float,
        best_document: int | None,
        shared_terms: tuple[str, ...],
        topic_similarity: float,
    ) -> Match:
        item = self._experts[slot]
        assert item is not None
        e = item.expert
        reasons = Reasons(
            shared_terms=shared_terms,
            field_match=self._field_match(need, self._field_slots_of(item)),
            district=self._district_relation(need.district, e.district),
            capacity_left=e.capacity_left,
            text_score=round(text_score, 6),
            best_document=best_document,
            topic_similarity=round(topic_similarity, 3),
        )
        return Match(need_id=need.id, expert_id=e.id, score=score, reasons=reasons)

    def _best_documents(self, query: sp.csr_matrix, slots: np.ndarray) -> list[int | None]:
        """For each slot, the index in the expert's `documents` of the text that matches the need best (None: the
        profile does, or no text shares a term with the need, or texts are not scored one by one)."""
        runs = self._document_runs()[np.asarray(slots, dtype=np.int64)]
        scores = self._documents.text_scores(runs[:, 0], runs[:, 1], query)
        out: list[int | None] = []
        start = 0
        for slot, n in zip(slots.tolist(), runs[:, 1].tolist(), strict=True):
            part = scores[start : start + n]
            start += n
            if n == 0 or part.max() <= 0:
                out.append(None)
                continue
            expert = self._experts[slot]
            assert expert is not None
            out.append(self._expert_sources(expert.expert)[int(np.argmax(part))][0])
        return out

    def _shared_terms(self, need_text: str, query: sp.csr_matrix, slots: np.ndarray) -> list[tuple[str, ...]]:
        """For each expert slot, the need's key terms that the expert's texts hold, read off the columns its
        profile row shares with the query row (so only terms that scored are named), leaving out those common to
        the pool (`common_term_share`) or to general Chinese (`generic_word_ppm`): the shared words, highest idf
        first, a longer word standing for the words it contains (`_key_words`), then, while fewer than
        `shared_terms`, the shared character pairs that no chosen word holds and that are no fragment of two words
        (terms no dictionary knows still match as pairs), in code-point order. No jieba cut of the expert's
        texts: the pairs are checked against their normalised text only where words fall short."""
        n = self.settings.shared_terms
        rows = self._profiles.rows(np.asarray(slots, dtype=np.int64))
        # every row's columns that the query holds, in one pass, with the row each belongs to: through a mask over
        # the columns, kept per thread and cleared after use (13 µs, where `np.isin` sorts the rows' and the
        # query's columns together, 112 µs, and a fresh mask is zeroed whole every time, ~60 µs)
        mask = _column_mask(max(rows.shape[1], query.shape[1]))
        mask[query.indices] = True
        try:
            hit = mask[rows.indices]
        finally:
            mask[query.indices] = False
        row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))[hit]
        shared = rows.indices[hit]
        # a term most of the pool holds (开展, 方面, 技术 in a pool of many fields) tells a reader nothing
        named = ~self.weighter_.common_at(shared, self.settings.common_term_share, COMMON_TERM_MIN_ROWS)
        row_of, shared = row_of[named], shared[named]
        ids = self.weighter_.space.global_ids()[shared]
        is_word = ids >= WORD_BASE
        word_row, word_ids, word_idf = row_of[is_word], ids[is_word], self.weighter_.idf_at(shared[is_word])
        pair_row, pair_ids = row_of[~is_word & (ids >= UNI)], ids[~is_word & (ids >= UNI)]
        generic = textmod.generic_words(self.settings.generic_word_ppm)
        word_ends = np.searchsorted(word_row, np.arange(rows.shape[0] + 1)).tolist()
        pair_ends = np.searchsorted(pair_row, np.arange(rows.shape[0] + 1)).tolist()
        pairs_by_id: dict[int, list[str]] | None = None
        out: list[tuple[str, ...]] = []
        for i in range(rows.shape[0]):
            a, b = word_ends[i], word_ends[i + 1]
            by_idf = [
                (-w, word)
                for w, g in zip(word_idf[a:b].tolist(), word_ids[a:b].tolist(), strict=True)
                if (word := self.vocab_.word_at(g)) and word not in generic
            ]
            chosen = _key_words((word for _, word in sorted(by_idf)), n)
            if len(chosen) < n and pair_ends[i] < pair_ends[i + 1]:
                if pairs_by_id is None:
                    pairs_by_id = self._need_pairs(need_text)
                pairs = {
                    p
                    for g in pair_ids[pair_ends[i] : pair_ends[i + 1]].tolist()
                    for p in pairs_by_id.get(g, ())
                    if p not in generic and not any(p in w for w in chosen)
                }
                if pairs:
                    # pairs share hashed columns: keep those the expert's text really holds
                    item = self._experts[int(slots[i])]
                    assert item is not None
                    held = _held_pairs(" ".join(self._expert_texts(item.expert)), pairs)
                    chosen += sorted(held)[: n - len(chosen)]
            out.append(tuple(chosen))
        return out

    @staticmethod
    def _need_pairs(need_text: str) -> dict[int, list[str]]:
        """The need's CJK character pairs that are not fragments of two of its words (`whole_word_pairs`: 综合防治
        does not offer 合防 as a reason), by the global id of their column."""
        pairs = sorted(textmod.whole_word_pairs(textmod.normalize(need_text)))
        by_id: dict[int, list[str]] = {}
        for pair, g in zip(pairs, bigram_columns(pairs).tolist(), strict=True):
            by_id.setdefault(g, []).append(pair)
        return by_id


__all__ = ["MatchEngine", "MatchSettings", "field_key", "UNI", "WORD_BASE"]
