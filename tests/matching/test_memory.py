"""The build's memory settings: freed memory is reused while the build runs and handed back after it; the cyclic
garbage collector waits."""

from __future__ import annotations

import contextlib
import gc
import os
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pytest

from matching import ExpertProfile, MatchEngine, MatchSettings, _kernels, memory

needs_glibc = pytest.mark.skipif(
    memory._libc() is None or not os.path.exists("/proc/self/statm"),
    reason="needs glibc's mallopt and /proc (Linux)",
)


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


class BuildFailed(Exception):
    pass


@needs_glibc
@pytest.mark.parametrize("fails", [False, True])
def test_memory_freed_in_a_build_goes_back_to_the_system_after_it(fails: bool) -> None:
    before = _resident_mb()
    held = 0.0
    with pytest.raises(BuildFailed) if fails else contextlib.nullcontext(), memory.reusing_freed_memory():
        # 8 MiB blocks come from the heap while the build runs; a block allocated after them pins the heap's
        # top, so only malloc_trim (not the ordinary trimming of the top) can return the freed 240 MiB
        blocks = [np.ones(1 << 20) for _ in range(30)]
        pin = np.ones(1 << 10)
        del blocks
        held = _resident_mb()
        if fails:
            raise BuildFailed
    after = _resident_mb()
    assert held > before + 200  # kept for reuse while the build runs
    assert after < held - 200  # handed back when it ends, even when it failed
    del pin


@pytest.mark.parametrize("fails", [False, True])
def test_the_cyclic_collector_waits_for_the_build_and_comes_back(fails: bool) -> None:
    assert gc.isenabled()
    with pytest.raises(BuildFailed) if fails else contextlib.nullcontext(), memory.cyclic_gc_paused():
        assert not gc.isenabled()
        if fails:
            raise BuildFailed
    assert gc.isenabled()


def test_a_paused_collector_stays_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with memory.cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _two_waves_of_words() -> tuple[int, int, int]:
    """In a worker: make and drop 300,000 short strings (a chunk's words) twice; the page faults of each wave and
    the emptied arenas kept after them."""
    faults = []
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        words = [f"word{i:08d}" for i in range(300_000)]
        del words
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return faults[0], faults[1], _kernels.kept_arenas()


def _in_worker(prepare: Callable[[], None]) -> tuple[int, int, int]:
    # a fresh interpreter rather than a fork of this one: a forked child of a long test run inherits arenas with
    # free room, and its first wave's words would fill (and copy) those pages instead of new arenas
    with ProcessPoolExecutor(1, get_context("spawn"), prepare) as pool:
        return pool.submit(_two_waves_of_words).result()


@needs_glibc
def test_an_analysis_worker_reuses_the_arenas_of_its_last_chunks_words() -> None:
    first, second, kept = _in_worker(memory.prepare_worker)
    assert kept >= 10  # ~20 MiB of words went back into the stack, not to the system
    assert second < first / 4  # the next wave found its pages already there
    # without the stack, every wave maps and zeroes its arenas again
    plain_first, plain_second, plain_kept = _in_worker(memory.keep_freed_memory)
    assert plain_kept == 0
    assert plain_second > plain_first / 2
    assert second < plain_second / 4


def test_a_process_keeps_no_arenas_unless_asked() -> None:
    assert _kernels.kept_arenas() == 0


needs_prctl = pytest.mark.skipif(
    memory.huge_pages_disabled() is None, reason="needs prctl(PR_GET_THP_DISABLE) (Linux 3.15 or later)"
)


def _huge_pages_disabled_in_a_fork() -> bool | None:
    with ProcessPoolExecutor(1, get_context("fork")) as pool:
        return pool.submit(memory.huge_pages_disabled).result()


@needs_prctl
@pytest.mark.parametrize("fails", [False, True])
def test_a_build_turns_huge_pages_off_for_itself_and_its_workers_then_on_again(fails: bool) -> None:
    assert memory.huge_pages_disabled() is False
    with pytest.raises(BuildFailed) if fails else contextlib.nullcontext(), memory.small_pages():
        assert memory.huge_pages_disabled() is True
        assert _huge_pages_disabled_in_a_fork() is True  # the analysis workers are forked inside the build
        if fails:
            raise BuildFailed
    assert memory.huge_pages_disabled() is False


@needs_prctl
def test_a_process_that_had_huge_pages_off_keeps_them_off() -> None:
    assert memory._prctl()(memory.PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0  # type: ignore[misc]
    try:
        with memory.small_pages():
            assert memory.huge_pages_disabled() is True
        assert memory.huge_pages_disabled() is True
    finally:
        memory._prctl()(memory.PR_SET_THP_DISABLE, 0, 0, 0, 0)  # type: ignore[misc]


@needs_prctl
@pytest.mark.parametrize("huge_pages_in_build", [False, True])
def test_a_large_build_runs_in_small_pages_unless_told_otherwise(
    huge_pages_in_build: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool | None] = []
    build = MatchEngine._build

    def watched(self: MatchEngine, *args: object) -> MatchEngine:
        seen.append(memory.huge_pages_disabled())
        return build(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(MatchEngine, "_build", watched)
    pool = [ExpertProfile(f"e{i}", f"第{i}号果园管理") for i in range(4)]
    settings = MatchSettings(parallel_min_texts=2, huge_pages_in_build=huge_pages_in_build)
    MatchEngine(settings).fit(pool)
    MatchEngine(MatchSettings(parallel_min_texts=100)).fit(pool)  # a small build changes nothing
    assert seen == [not huge_pages_in_build, False]
    assert memory.huge_pages_disabled() is False
