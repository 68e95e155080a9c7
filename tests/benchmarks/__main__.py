"""Run the benchmarks: `python -m tests.benchmarks [NAME ...]` (NAME is a module without `bench_`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import tests.benchmarks as package


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("bench_"))
    wanted = {f"bench_{a.removeprefix('bench_')}" for a in argv}
    for name in names:
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"tests.benchmarks.{name}")
        print(f"\n### {name}  ({module.__doc__.strip().splitlines()[0] if module.__doc__ else ''})", flush=True)
        started = time.perf_counter()
        module.run()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
