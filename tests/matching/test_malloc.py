"""The build's malloc settings: freed memory is reused while the build runs and handed back after it."""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest

from matching import malloc

pytestmark = pytest.mark.skipif(
    malloc._libc() is None or not os.path.exists("/proc/self/statm"),
    reason="needs glibc's mallopt and /proc (Linux)",
)


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


class BuildFailed(Exception):
    pass


@pytest.mark.parametrize("fails", [False, True])
def test_memory_freed_in_a_build_goes_back_to_the_system_after_it(fails: bool) -> None:
    before = _resident_mb()
    held = 0.0
    with pytest.raises(BuildFailed) if fails else contextlib.nullcontext(), malloc.reusing_freed_memory():
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
