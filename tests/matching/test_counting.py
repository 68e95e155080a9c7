"""Counting many texts: worker processes give the same counts as one process; owners' rows are their sums."""

from __future__ import annotations

import mmap
import weakref

import numpy as np
import pytest
import scipy.sparse as sp

from matching import counting
from matching.counting import TEXT_COUNT_MAX, count_grouped, owner_sums, text_counts
from matching.features import N_COLS, UNI, WORD_BASE, ColumnSpace, Vocabulary, count_batch, local_counts

TEXTS = ["水稻栽培技术", "稻田病虫害绿色防控", "rice farming networks", "", "生猪养殖，疫病防控", "果树 栽培 技术 培训"]
LENGTHS = [2, 1, 0, 3]
ONE_EACH = np.ones(len(TEXTS), dtype=np.int64)


def test_owner_rows_are_the_sums_of_their_texts() -> None:
    vocab = Vocabulary()  # one vocabulary, so that both count the same word in the same column
    owners = count_grouped(TEXTS, LENGTHS, vocab, workers=1).owners
    counts = count_batch(TEXTS, ONE_EACH, vocab)
    assert owners.shape[0] == len(LENGTHS)
    assert (owners[0] != counts[0] + counts[1]).nnz == 0
    assert owners[2].nnz == 0
    assert (owners[3] != counts[3] + counts[4] + counts[5]).nnz == 0


def test_owner_sums_add_up_the_text_rows_of_each_owner() -> None:
    vocab = Vocabulary()
    counts = count_batch(TEXTS, ONE_EACH, vocab)
    summed = owner_sums(counts, np.array(LENGTHS))
    assert (summed != count_grouped(TEXTS, LENGTHS, vocab, workers=1).owners).nnz == 0
    assert summed.dtype == np.float32


def test_block_totals_are_the_owners_tokens_per_block() -> None:
    grouped = count_grouped(TEXTS, LENGTHS, Vocabulary(), workers=1)
    cols, data = grouped.owners.indices, grouped.owners.data
    expected = [data[cols < UNI].sum(), data[(cols >= UNI) & (cols < WORD_BASE)].sum(), data[cols >= WORD_BASE].sum()]
    assert grouped.block_totals.tolist() == expected


def _global(counts: sp.csr_matrix, space: ColumnSpace) -> sp.csr_matrix:
    """Compact-space counts back in global ids (compact ids depend on the order ids were met)."""
    ids = space.global_ids()[counts.indices]
    return sp.csr_matrix((counts.data, ids, counts.indptr), shape=(counts.shape[0], N_COLS))


def test_workers_count_like_one_process() -> None:
    one_vocab, many_vocab, one_space, many_space = Vocabulary(), Vocabulary(), ColumnSpace(), ColumnSpace()
    one = count_grouped(TEXTS, LENGTHS, one_vocab, one_space, workers=1)
    many = count_grouped(TEXTS, LENGTHS, many_vocab, many_space, workers=2, parallel_min_texts=1)
    assert one_vocab.words == many_vocab.words
    assert one.owners.shape == many.owners.shape == (len(LENGTHS), one_space.n_cols)
    assert (_global(one.owners, one_space) != _global(many.owners, many_space)).nnz == 0
    assert one.block_totals.tolist() == many.block_totals.tolist()


def test_workers_read_the_texts_they_inherit_and_the_batch_is_let_go() -> None:
    # workers get (batch, first, end) and read the texts from the memory they forked from; two batches in a row
    # must each see their own texts, and none may stay referenced once counted
    first = count_grouped(TEXTS, ONE_EACH, Vocabulary(), workers=2, parallel_min_texts=1).owners
    other = ["小麦育种", "高血压社区随访管理"]
    second = count_grouped(other, np.ones(2, dtype=np.int64), Vocabulary(), workers=2, parallel_min_texts=1).owners
    assert (first != count_grouped(TEXTS, ONE_EACH, Vocabulary(), workers=1).owners).nnz == 0
    assert (second != count_grouped(other, np.ones(2, dtype=np.int64), Vocabulary(), workers=1).owners).nnz == 0
    assert counting._forked_texts == {}
    assert counting._forked_slots == {}


def test_parallel_counts_in_global_ids_match_in_process_counts() -> None:
    one = count_grouped(TEXTS, ONE_EACH, Vocabulary(), workers=1).owners
    many = count_grouped(TEXTS, ONE_EACH, Vocabulary(), workers=2, parallel_min_texts=1).owners
    assert one.shape == many.shape == (len(TEXTS), N_COLS)
    assert (one != many).nnz == 0


@pytest.mark.parametrize(("workers", "with_space"), [(1, False), (1, True), (2, False), (2, True)])
def test_each_text_gives_text_rows_and_their_sums_per_owner(workers: int, with_space: bool) -> None:
    vocab = Vocabulary()
    space = ColumnSpace() if with_space else None
    grouped = count_grouped(TEXTS, LENGTHS, vocab, space, workers=workers, parallel_min_texts=1, each_text=True)
    assert grouped.texts is not None
    texts, owners = grouped.texts, grouped.owners
    if space is not None:
        texts, owners = _global(texts, space), _global(owners, space)
    # the same vocabulary numbers the words alike when counting again (nothing new to number)
    assert (texts != count_batch(TEXTS, ONE_EACH, vocab)).nnz == 0
    assert owners.shape == (len(LENGTHS), N_COLS)
    assert (owners != count_grouped(TEXTS, LENGTHS, vocab, workers=1).owners).nnz == 0
    assert grouped.block_totals.tolist() == count_grouped(TEXTS, LENGTHS, Vocabulary(), workers=1).block_totals.tolist()
    assert count_grouped(TEXTS, LENGTHS, Vocabulary(), workers=workers, parallel_min_texts=1).texts is None


def test_text_counts_are_uint16_and_saturate_past_its_range() -> None:
    rows = sp.csr_matrix(np.array([[1.0, 0.0, 70_000.0], [0.0, 3.0, 0.0]], dtype=np.float32))
    counts = text_counts(rows)
    assert counts.data.dtype == np.uint16
    assert counts.toarray().tolist() == [[1, 0, TEXT_COUNT_MAX], [0, 3, 0]]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_term_said_past_the_uint16_range_saturates_in_the_text_and_owner_rows_alike(workers: int) -> None:
    texts = ["水" * 70_000, "水稻"]
    grouped = count_grouped(texts, [2], Vocabulary(), workers=workers, parallel_min_texts=1, each_text=True)
    assert grouped.texts is not None
    assert grouped.texts.data.dtype == grouped.owners.data.dtype == np.uint16
    water, rice = ord("水") - 0x3400, ord("稻") - 0x3400
    assert grouped.texts[0, water] == TEXT_COUNT_MAX
    assert grouped.texts[1, water] == 1
    # the owner's row is the sum of the float32 counts (70,001), saturated as it is stored; the rest stay exact
    assert grouped.owners[0, water] == TEXT_COUNT_MAX
    assert grouped.owners[0, rice] == 1


@pytest.mark.parametrize("each_text", [False, True])
def test_more_chunks_than_result_slots_reuse_the_slots_and_count_alike(
    monkeypatch: pytest.MonkeyPatch, each_text: bool
) -> None:
    # one text a chunk and two slots: every slot is written three times, each time after the parent let go of it
    monkeypatch.setattr(counting, "CHUNK_TEXTS", 1)
    monkeypatch.setattr(counting, "RESULT_SLOTS", 2)
    one_vocab, many_vocab, one_space, many_space = Vocabulary(), Vocabulary(), ColumnSpace(), ColumnSpace()
    one = count_grouped(TEXTS, LENGTHS, one_vocab, one_space, workers=1, each_text=each_text)
    many = count_grouped(TEXTS, LENGTHS, many_vocab, many_space, workers=2, parallel_min_texts=1, each_text=each_text)
    assert one_vocab.words == many_vocab.words
    assert (_global(one.owners, one_space) != _global(many.owners, many_space)).nnz == 0
    if each_text:
        assert one.texts is not None
        assert many.texts is not None
        assert (_global(one.texts, one_space) != _global(many.texts, many_space)).nnz == 0
    assert one.block_totals.tolist() == many.block_totals.tolist()


def test_a_result_slot_gives_back_the_counts_written_into_it() -> None:
    local = local_counts(TEXTS)
    slots = counting._ResultSlots(2, 1 << 16)
    for slot in (1, 0):
        written = slots.put(slot, local)
        assert isinstance(written, counting._SlotCounts)
        read = slots.get(written)
        assert read.words == local.words
        assert read.counts.shape == local.counts.shape
        assert (read.counts != local.counts).nnz == 0
        assert np.shares_memory(read.counts.data, np.frombuffer(slots.memory, np.uint8))


def test_counts_too_large_for_their_slot_travel_as_they_are() -> None:
    local = local_counts(["".join(chr(0x4E00 + i) for i in range(3000))])  # ~6,000 entries, one page a slot
    slots = counting._ResultSlots(1, 64)
    assert slots.slot_bytes == mmap.PAGESIZE
    assert slots.put(0, local) is local
    assert slots.get(local) is local


def test_a_stream_of_chunks_given_up_midway_lets_its_batch_go(monkeypatch: pytest.MonkeyPatch) -> None:
    # the consumer stops after one chunk without releasing it: the pool still ends and nothing stays referenced
    monkeypatch.setattr(counting, "CHUNK_TEXTS", 1)
    monkeypatch.setattr(counting, "RESULT_SLOTS", 2)
    stream = counting._results(TEXTS, counting._text_ends(TEXTS), ONE_EACH, 2, None, each_text=False)
    first_lengths, first, _release = next(stream)
    assert first_lengths.tolist() == [1]
    assert first.counts.shape[0] == 1
    stream.close()
    assert counting._forked_texts == {}
    assert counting._forked_slots == {}


def test_the_result_slots_are_let_go_once_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # no view of a slot may outlive the build: the shared memory (a few hundred MB in a large build) goes with it
    made: list[weakref.ref[mmap.mmap]] = []

    class Watched(counting._ResultSlots):
        def __init__(self, n_slots: int, slot_bytes: int) -> None:
            super().__init__(n_slots, slot_bytes)
            made.append(weakref.ref(self.memory))

    monkeypatch.setattr(counting, "_ResultSlots", Watched)
    monkeypatch.setattr(counting, "CHUNK_TEXTS", 1)
    monkeypatch.setattr(counting, "RESULT_SLOTS", 2)
    for each_text in (False, True):
        grouped = count_grouped(TEXTS, LENGTHS, Vocabulary(), workers=2, parallel_min_texts=1, each_text=each_text)
        assert grouped.owners.nnz > 0
    assert len(made) == 2
    assert all(ref() is None for ref in made)


@pytest.mark.parametrize("lengths", [[], [0, 0]])
def test_no_texts_give_empty_owner_rows_whatever_the_parallel_threshold(lengths: list[int]) -> None:
    grouped = count_grouped([], lengths, Vocabulary(), workers=2, parallel_min_texts=0, each_text=True)
    assert grouped.owners.shape == (len(lengths), N_COLS)
    assert grouped.owners.nnz == 0
    assert grouped.texts is not None
    assert grouped.texts.shape == (0, N_COLS)
