"""Counting the SQL statements an engine sends (the query-count tests and bench_platform)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[int]]:
    """Within the block, `[n]` holds how many statements `engine` has sent."""
    count = [0]

    def _one(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", _one)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", _one)
