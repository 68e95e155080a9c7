"""Memory settings for the index build: glibc's malloc reuses freed memory, new memory comes in small pages, and
Python's cyclic garbage collector waits until the build is done.

An index build makes many large NumPy temporaries (a chunk's counts, its weights, a block of postings), each freed
before the next is made. By default glibc returns such blocks to the system when they are freed, and the kernel
must zero fresh pages for the next one: page zeroing was the largest single item of a 100,000-expert fit's
profile (`perf`: `clear_page_erms`), and the analysis workers spent 4.8 of their 13.6 CPU seconds in the kernel.

Two settings of glibc's, both `mallopt(3)`:
- the analysis workers (`keep_freed_memory`, run as each starts) take every block from the heap and never trim it:
  they live for one build, and what they hold goes back when they exit;
- the building process (`reusing_freed_memory`, around a build large enough for the analysis workers; a small
  one would pay `malloc_trim`'s walk of the heap, tens of milliseconds in a large process, for nothing) takes
  blocks up to 32 MiB from the heap (the most glibc would move its own threshold to) and keeps the heap's free
  top while the build runs; afterwards the top is trimmed again and `malloc_trim` hands back the free pages
  inside the heap, so a service's resident size after the build is what it holds. The 32 MiB threshold stays
  (setting it stops glibc from moving it, and a busy process's threshold ends there anyway).

Where the C library is not glibc (no `mallopt`), nothing changes.

Python's own small objects (an analysis worker makes each chunk's words as hundreds of thousands of short strings
and drops them before the next chunk) come from arenas of 1 MiB that Python maps and unmaps itself, outside
glibc's heap: each chunk's words came from freshly mapped arenas, whose pages the kernel zeroes again. The workers
keep up to `KEPT_ARENAS` emptied arenas for reuse instead (`matching._kernels.keep_freed_arenas`). In a
100,000-expert fit the workers' page faults fell from 250-257k to 128-132k, their kernel time by ~0.6 s, and the
fit's wall time from 9.76-9.82 s to 9.33-9.34 s (alternated runs on a day when first touches of new memory cost
1.5-2.2 ms/MB; scratch), with the same peak (1,802-1,849 against 1,805-1,806 MB).

Transparent huge pages (`small_pages`): NumPy advises the kernel to back its large arrays with 2 MiB pages
(`madvise(MADV_HUGEPAGE)`), and on these virtual machines a huge page the process touches first is often one whose
memory the host has taken back (free guest memory is handed to the host in 2 MiB blocks, the very blocks a huge
page is made of), which the host must find and zero again: 10-12 ms/MB on a slow day, against 0.4-0.5 ms/MB for 4
KiB pages (scratch: a fresh process filling 512 MB after 15 s idle, two alternations). A 100,000-expert fit touches
~2 GB of new NumPy memory in the building process: its kernel time was 11-14 s with huge pages and 1.5-2.8 s
without, the fit 20.5-22.5 s in four fits with them against 14.5-16.1 s in ten without (scratch, alternated, on
2026-12-01; the benchmark before and after is in docs/matching.md, "Speed"). So a large build runs with the
process's huge pages off (`prctl(PR_SET_THP_DISABLE)`; the forked analysis workers inherit it) and turns them on
again after: the index built is the same, and ranking, which reuses memory it freed (cheaper in huge pages), keeps
them (a batch of 3,000 needs: 4.6-5.7 s with them against 5.7-5.9 s with huge pages off throughout). On a machine
where huge pages cost no more than small ones the build loses at most what 4 KiB page faults cost over huge ones,
~0.3 ms/MB.

The cyclic garbage collector: a build makes few objects that could form cycles, but enough objects (an entry for
each expert, each chunk's words) that Python ran three full collections in a 100,000-expert fit, 0.33 s in all
with every other thread of the process held up. It is paused while the build runs (`cyclic_gc_paused`). A forked
analysis worker freezes what it inherited (`gc.freeze`, in `prepare_worker`), so that no collection in the
worker walks, and so copies, the parent's objects.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from matching import _kernels

# mallopt parameters and defaults (glibc's malloc.h and mallopt(3))
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4
DEFAULT_TRIM_THRESHOLD = 128 * 1024
LARGEST_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
BUILD_TRIM_THRESHOLD = 1 << 30
#: Emptied arenas a worker keeps (1 MiB each): a bound only, since an arena is kept only after being in use, so a
#: worker never holds more arena memory than at its peak; a chunk's words take a few dozen.
KEPT_ARENAS = 256


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018 - only glibc has it
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def keep_freed_memory() -> None:
    """For a short-lived worker process: every block from the heap, and the heap never trimmed."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_MAX, 0)
        libc.mallopt(M_TRIM_THRESHOLD, BUILD_TRIM_THRESHOLD)


@contextmanager
def reusing_freed_memory() -> Iterator[None]:
    """While the block runs, blocks up to 32 MiB come from the heap and its free top is kept; afterwards the
    default trimming comes back and the free pages are returned (`malloc_trim`)."""
    libc = _libc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, LARGEST_MMAP_THRESHOLD)
    libc.mallopt(M_TRIM_THRESHOLD, BUILD_TRIM_THRESHOLD)
    try:
        yield
    finally:
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
        libc.malloc_trim(0)


# prctl(2) options (linux/prctl.h)
PR_SET_THP_DISABLE = 41
PR_GET_THP_DISABLE = 42


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    """The C library's `prctl`, or None where there is none (not Linux)."""
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def huge_pages_disabled() -> bool | None:
    """Whether this process has transparent huge pages turned off (`PR_GET_THP_DISABLE`); None where it cannot
    tell."""
    prctl = _prctl()
    if prctl is None:
        return None
    state = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0)
    return None if state < 0 else bool(state)


@contextmanager
def small_pages() -> Iterator[None]:
    """While the block runs, memory the process touches first comes in 4 KiB pages, not transparent huge pages;
    afterwards the process's setting is what it was. Nothing changes where `prctl` cannot do it."""
    before = huge_pages_disabled()
    prctl = _prctl()
    if before is None or before or prctl is None or prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0:
        yield
        return
    try:
        yield
    finally:
        prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector is off while the block runs (and on again after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prepare_worker() -> None:
    """Run in each forked analysis worker as it starts: keep freed memory and emptied arenas, freeze the inherited
    objects."""
    keep_freed_memory()
    _kernels.keep_freed_arenas(KEPT_ARENAS)
    gc.freeze()
