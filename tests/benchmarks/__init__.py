"""Benchmarks: `make bench` runs every `bench_*.py` module here; none of them run under `make test`."""
