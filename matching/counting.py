"""Term counts for many texts at once, in worker processes: one row per owner (the texts the caller groups as one:
an expert's, or each text alone).

Segmentation is the slow part of an index build, so a large batch is split into chunks that forked workers
analyse and count whole (`count_batch`: one normalisation and one jieba-rs call per block of owners, each
distinct token filtered once): each makes compact NumPy arrays (`LocalCounts`, words numbered by the chunk)
rather than lists of strings and leaves them in a slot of shared memory (`_ResultSlots`; only the chunk's words
travel pickled), and the parent only maps each chunk's few thousand distinct words to the shared vocabulary and
copies the arrays into one preallocated matrix, chunk by chunk, so that the counts never exist twice. The workers
also add up the tokens per term block, from which BM25 takes its mean lengths.

When each text is counted on its own as well (`each_text`: the engine scores an expert's texts one by one), the
chunks are still runs of whole owners, so each chunk's owner rows (the sums of its text rows) are made as soon
as it arrives, in a thread beside the mapping of the next chunk, not in one pass after the workers finish.
"""

from __future__ import annotations

import functools
import itertools
import math
import mmap
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import scipy.sparse as sp

from matching import text as textmod
from matching.analysis_cache import AnalysisCache, count_with_cache
from matching.features import (
    N_BLOCKS,
    N_COLS,
    ColumnSpace,
    LocalCounts,
    Vocabulary,
    block_totals,
    count_batch,
    local_counts,
)
from matching.memory import prepare_worker


@dataclass
class GroupedCounts:
    """One count row per owner (the owner's texts counted as one), the tokens per term block over all owners
    (BM25's mean lengths), summed in the workers, and when asked for (`each_text`) one row per text, of which
    the owners' rows are the sums (then uint16 too, saturated alike: the engine keeps the profiles' weights as
    float16 as well, written over them in place)."""

    owners: sp.csr_matrix
    block_totals: np.ndarray
    #: counts as uint16 (saturated at `TEXT_COUNT_MAX`): half the memory of float32, and the per-text weights are
    #: float16 (`matching.documents`), written over these counts in place
    texts: sp.csr_matrix | None = None


TEXT_COUNT_MAX = np.iinfo(np.uint16).max


def _saturated(counts: np.ndarray) -> np.ndarray:
    """`counts` with any count above `TEXT_COUNT_MAX` (a term said 65,536 times in one text) lowered to it: BM25
    weighs it as it weighs 65,535, to float16's precision. The array itself when no count is that high."""
    if counts.size and counts.max() > TEXT_COUNT_MAX:
        return np.minimum(counts, TEXT_COUNT_MAX)
    return counts


def text_counts(rows: sp.csr_matrix) -> sp.csr_matrix:
    """`rows` with uint16 counts, saturated (`_saturated`)."""
    data = _saturated(rows.data).astype(np.uint16)
    out = sp.csr_matrix((data, rows.indices, rows.indptr), shape=rows.shape, copy=False)
    out.has_sorted_indices = rows.has_sorted_indices
    return out


def owner_sums(rows: sp.csr_matrix, lengths: np.ndarray) -> sp.csr_matrix:
    """Row i is the sum of the next `lengths[i]` rows of `rows` (an owner's texts): one sparse product with a 0/1
    matrix, in C (0.9 s for 300,000 texts of 100 characters into 100,000 owners)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n_texts = rows.shape[0]
    if int(lengths.sum()) != n_texts:
        raise ValueError("lengths must add up to the number of rows")
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    ones = np.ones(n_texts, dtype=rows.dtype)
    member = sp.csr_matrix((ones, np.arange(n_texts), indptr), shape=(lengths.size, n_texts))
    return (member @ rows).tocsr()


def _count_chunk(texts: list[str], lengths: np.ndarray, cache: AnalysisCache | None) -> LocalCounts:
    """Counts of one chunk, in a worker: one row per owner of `lengths` (ones: one row per text)."""
    if cache is None:
        local = local_counts(texts, lengths)
    else:
        vocab = Vocabulary()
        local = LocalCounts(count_with_cache(texts, lengths, vocab, cache), vocab.words)
    local.block_totals = block_totals(local.counts)
    return local


# The texts of the batches being counted, by batch number: the forked workers inherit them with the parent's
# memory, so only (batch, first text, end text) is sent to a worker, not the texts (pickling and piping ~40M
# characters to the workers cost the parent 0.2-0.6 CPU seconds of a 100,000-expert fit, scratch).
_forked_texts: dict[int, Sequence[str]] = {}
_batch_numbers = itertools.count()

#: Chunks of about this many texts: small enough that the parent's intake of the results streams, large enough to
#: keep the per-chunk overhead (a task's round trip, mapping the chunk's words) small.
CHUNK_TEXTS = 20_000
#: Chunks counted or being read at once, each with a slot of shared memory for its counts (`_ResultSlots`).
RESULT_SLOTS = 5


@dataclass
class _SlotCounts:
    """A chunk's counts left in its result slot: what the parent needs to read them there (the words and block
    totals are small and travel pickled)."""

    slot: int
    shape: tuple[int, int]
    nnz: int
    data_dtype: str
    indptr_dtype: str
    words: list[str]
    block_totals: np.ndarray | None


class _ResultSlots:
    """Shared memory (anonymous, inherited by the forked workers) into which each worker writes a chunk's count
    arrays, so that they reach the parent without the result pipe. Through the pipe, a chunk's ~30 MB were read
    64 KiB at a time into fresh buffers, gathered into a growing one and unpickled into new arrays, all in the
    parent's result thread: ~74,000 page faults of a 100,000-expert fit, on days when each costs the kernel
    ~12 µs. The slots are written again and again, so their pages are faulted once.

    Chunk i uses slot i % n and is handed to a worker only when the parent has released chunk i - n
    (`_results`), so no slot is written while the parent reads it."""

    def __init__(self, n_slots: int, slot_bytes: int) -> None:
        # page-aligned slots; mmap(-1, ...) is MAP_SHARED | MAP_ANONYMOUS, so a forked worker's writes are seen here
        self.slot_bytes = -(-max(slot_bytes, 1) // mmap.PAGESIZE) * mmap.PAGESIZE
        self.memory = mmap.mmap(-1, n_slots * self.slot_bytes)

    def _view(self, slot: int, offset: int, dtype: np.dtype, count: int) -> np.ndarray:
        return np.frombuffer(self.memory, dtype, count, slot * self.slot_bytes + offset)

    def put(self, slot: int, local: LocalCounts) -> LocalCounts | _SlotCounts:
        """`local`'s counts written into `slot` (in a worker), or `local` itself when they do not fit."""
        counts = local.counts
        parts = (counts.data, counts.indices, counts.indptr)
        if sum(a.nbytes for a in parts) > self.slot_bytes or counts.indices.dtype != np.int32:
            return local
        offset = 0
        for array in parts:
            self._view(slot, offset, array.dtype, array.size)[:] = array
            offset += array.nbytes
        dtypes = counts.data.dtype.str, counts.indptr.dtype.str
        return _SlotCounts(slot, counts.shape, counts.nnz, *dtypes, local.words, local.block_totals)

    def get(self, result: LocalCounts | _SlotCounts) -> LocalCounts:
        """The chunk's counts (in the parent), as views of its slot when it was written there: valid until the
        slot is handed out again."""
        if isinstance(result, LocalCounts):
            return result
        n_rows, nnz = result.shape[0], result.nnz
        data = self._view(result.slot, 0, np.dtype(result.data_dtype), nnz)
        indices = self._view(result.slot, data.nbytes, np.dtype(np.int32), nnz)
        indptr = self._view(result.slot, data.nbytes + indices.nbytes, np.dtype(result.indptr_dtype), n_rows + 1)
        counts = sp.csr_matrix((data, indices, indptr), shape=result.shape, copy=False)
        return LocalCounts(counts, result.words, result.block_totals)


# The result slots of the batches being counted, by batch number, inherited by the workers as the texts are.
_forked_slots: dict[int, _ResultSlots] = {}


def _count_forked_chunk(
    batch: int, first: int, end: int, lengths: np.ndarray, cache: AnalysisCache | None, slot: int
) -> LocalCounts | _SlotCounts:
    """`_count_chunk` of texts first..end-1 of a batch the worker inherited from its parent, its counts written
    into result slot `slot`."""
    local = _count_chunk(list(_forked_texts[batch][first:end]), lengths, cache)
    return _forked_slots[batch].put(slot, local)


def _chunks(lengths: np.ndarray, n_chunks: int) -> list[tuple[int, int, int, int]]:
    """(first owner, end owner, first text, end text) of `n_chunks` runs of whole owners of similar text count."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if ends.size else 0
    cuts = np.searchsorted(ends, np.linspace(0, total, n_chunks + 1)[1:-1], side="left") + 1
    bounds = np.unique(np.concatenate([[0], cuts, [lengths.size]]))
    starts = np.concatenate([[0], ends])
    return [(int(a), int(b), int(starts[a]), int(starts[b])) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _results(
    texts: Sequence[str],
    text_ends: np.ndarray,
    lengths: np.ndarray,
    workers: int,
    cache: AnalysisCache | None,
    each_text: bool,
) -> Iterator[tuple[np.ndarray, LocalCounts, Callable[[], None]]]:
    """(the chunk's owner lengths, its counts, release) for runs of whole owners, in order, counted by `workers`
    processes: a row per owner, or with `each_text` a row per text (`text_ends` is `_text_ends(texts)`). The
    counts may be views of shared memory that stay valid until the consumer calls the chunk's `release`; it must
    call it for every chunk, since a chunk `RESULT_SLOTS` further on is handed to a worker only then."""
    # Load the dictionary and the folding tables once, before the fork, so no worker repeats it.
    textmod.load_tables()
    n_chunks = max(2 * workers, math.ceil(len(texts) / CHUNK_TEXTS))
    plan = _chunks(lengths, n_chunks)
    # a chunk's counts: at most `_capacity` entries of a float32 and an int32, and a row pointer per row
    slot_bytes = max(
        (
            8 * _capacity(int(text_ends[t1] - text_ends[t0])) + 8 * (max(o1 - o0, t1 - t0) + 1)
            for o0, o1, t0, t1 in plan
        ),
        default=0,
    )
    n_slots = max(1, min(RESULT_SLOTS, len(plan)))
    slots = _ResultSlots(n_slots, slot_bytes)
    batch = next(_batch_numbers)
    _forked_texts[batch] = texts  # before the pool forks its workers
    _forked_slots[batch] = slots
    try:
        with ProcessPoolExecutor(workers, get_context("fork"), prepare_worker) as pool:
            counted = [np.ones(t1 - t0, dtype=np.int64) if each_text else lengths[o0:o1] for o0, o1, t0, t1 in plan]
            futures: dict[int, Future[LocalCounts | _SlotCounts]] = {}

            def submit(i: int) -> None:
                if i < len(plan):
                    t0, t1 = plan[i][2], plan[i][3]
                    futures[i] = pool.submit(_count_forked_chunk, batch, t0, t1, counted[i], cache, i % n_slots)

            for i in range(n_slots):
                submit(i)
            for i, (o0, o1, _, _) in enumerate(plan):
                # drop each future once read: it would otherwise keep its chunk's arrays alive to the end
                local = slots.get(futures.pop(i).result())
                yield lengths[o0:o1], local, functools.partial(submit, i + n_slots)
                del local
    finally:
        del _forked_texts[batch]
        del _forked_slots[batch]


def _text_ends(texts: Sequence[str]) -> np.ndarray:
    """Element i is the number of characters in texts 0..i-1 (one more element than `texts`)."""
    ends = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=ends[1:])
    return ends


def _capacity(n_chars: int) -> int:
    """An upper bound on the entries of the counts of texts of `n_chars` characters in all: each character starts
    at most one unigram, one bigram and one word."""
    return 3 * n_chars + 1


class _RowsBuilder:
    """Rows appended block by block into arrays reserved at an upper bound of their size (untouched pages cost
    no memory) and finally trimmed in place (`ndarray.resize`), so the whole matrix is never copied. Values are
    float32, or uint16 counts (`text_counts`)."""

    def __init__(self, capacity: int = 0, dtype: type = np.float32) -> None:
        self.data: np.ndarray = np.empty(capacity, dtype=dtype)
        self.indices = np.empty(capacity, dtype=np.int32)
        self.lengths: list[np.ndarray] = []
        self.nnz = 0

    def add(self, block: sp.csr_matrix, space: ColumnSpace | None = None) -> None:
        """Append `block`'s rows; with `space`, its global ids are stored as compact columns (mapped on the way
        in, so the block's own arrays are never rewritten)."""
        end = self.nnz + block.nnz
        if end > self.data.size:
            size = max(end, int(self.data.size * 1.5))
            self.data.resize(size, refcheck=False)
            self.indices.resize(size, refcheck=False)
        self.data[self.nnz : end] = _saturated(block.data) if self.data.dtype == np.uint16 else block.data
        if space is None:
            self.indices[self.nnz : end] = block.indices
        else:
            space.compact_into(block.indices, self.indices[self.nnz : end])
        self.lengths.append(np.diff(block.indptr))
        self.nnz = end

    def last(self, n_cols: int, values: np.ndarray) -> sp.csr_matrix:
        """The rows added last, with their columns as stored (a copy: another thread may read it while `add` grows
        the arrays) and `values`, the values they were added with (float32 counts even where stored as uint16)."""
        lengths = self.lengths[-1]
        start = self.nnz - int(lengths.sum())
        indptr = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        rows = (values, self.indices[start : self.nnz].copy(), indptr)
        return sp.csr_matrix(rows, shape=(lengths.size, n_cols), copy=False)

    def matrix(self, n_cols: int) -> sp.csr_matrix:
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int64)
        indptr = np.zeros(lengths.size + 1, dtype=np.int64 if self.nnz >= 2**31 else np.int32)
        np.cumsum(lengths, out=indptr[1:])
        self.data.resize(self.nnz, refcheck=False)
        self.indices.resize(self.nnz, refcheck=False)
        out = sp.csr_matrix((self.data, self.indices, indptr), shape=(lengths.size, n_cols), copy=False)
        out.has_sorted_indices = False
        return out


def _parallel(n_texts: int, workers: int, parallel_min_texts: int) -> bool:
    return n_texts >= max(parallel_min_texts, 1) and workers > 1 and os.name == "posix"


def count_grouped(
    texts: Sequence[str],
    lengths: Sequence[int] | np.ndarray,
    vocab: Vocabulary,
    space: ColumnSpace | None = None,
    workers: int = 2,
    parallel_min_texts: int = 20_000,
    cache: AnalysisCache | None = None,
    each_text: bool = False,
) -> GroupedCounts:
    """Counts of each owner's texts as one row (owner i has the next `lengths[i]` texts): global ids of `vocab`,
    or compact columns of `space` (which grows) when given. Batches of `parallel_min_texts` texts or more use
    `workers` processes, while this process maps each finished chunk's words and columns. With `cache`, texts
    it has analysed before are read from it, not analysed again.

    `each_text`: every text is also counted on its own (`GroupedCounts.texts`), and an owner's row is the sum of
    its texts' rows, made chunk by chunk as the workers deliver them rather than in one pass at the end."""
    owner_lengths = np.asarray(lengths, dtype=np.int64)
    if not _parallel(len(texts), workers, parallel_min_texts):
        counted = np.ones(len(texts), dtype=np.int64) if each_text else owner_lengths
        if cache is None:
            rows = count_batch(texts, counted, vocab)
        else:
            rows = count_with_cache(texts, counted, vocab, cache)
        totals = block_totals(rows)
        if space is not None:
            rows = space.compact_inplace(rows)
        if not each_text:
            return GroupedCounts(rows, totals)
        return GroupedCounts(text_counts(owner_sums(rows, owner_lengths)), totals, text_counts(rows))
    text_ends = _text_ends(texts)
    capacity = _capacity(int(text_ends[-1]))
    built = _RowsBuilder(capacity, np.uint16 if each_text else np.float32)
    owners = _RowsBuilder(capacity, np.uint16) if each_text else None
    totals = np.zeros(N_BLOCKS)
    # a chunk's owners are summed in a thread while the next chunk's columns are mapped (both release the GIL)
    with ThreadPoolExecutor(1) as summing:
        # the chunk being summed, and how to release it once summed
        summing_chunk: tuple[Future[sp.csr_matrix], Callable[[], None]] | None = None

        def take_summed() -> None:
            """Append the chunk being summed to the owners' rows, then release its slot."""
            if owners is not None and summing_chunk is not None:
                owners.add(summing_chunk[0].result())
                summing_chunk[1]()

        for chunk_lengths, local, release in _results(texts, text_ends, owner_lengths, workers, cache, each_text):
            assert local.block_totals is not None
            totals += local.block_totals
            block = vocab.globalize(local)
            del local
            built.add(block, space)
            if owners is None:
                release()
                continue
            # the owners are summed from the float32 counts as the worker made them
            chunk = built.last(N_COLS if space is None else space.n_cols, block.data)
            del block
            take_summed()
            summing_chunk = summing.submit(owner_sums, chunk, chunk_lengths), release
            del chunk
        take_summed()
    n_cols = N_COLS if space is None else space.n_cols
    if owners is None:
        return GroupedCounts(built.matrix(n_cols), totals)
    return GroupedCounts(owners.matrix(n_cols), totals, built.matrix(n_cols))
