"""Database engine and sessions. The SQL database is the only source of truth."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine
from starlette.requests import Request

from service import audit
from service.config import get_settings

# every flush of an audited table writes its 操作记录 in the same transaction
audit.install()


def make_engine(url: str, *, immediate_transactions: bool = True) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout so that writers queue.

    With `immediate_transactions` (the app's engines) every SQLite transaction starts with BEGIN IMMEDIATE:
    a read-then-write such as a capacity check then cannot fail half-way on a stale snapshot, it waits its
    turn instead. Without it (tools that only look, such as tests re-reading what the app stored) plain
    SELECTs run outside any transaction and never hold the write lock.
    """
    # hide_parameters: a database error's message quotes no row values (phones, ID numbers) into logs
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        if immediate_transactions:
            # pysqlite's own transaction handling defers BEGIN; take it over so that BEGIN IMMEDIATE works.
            event.listen(engine, "connect", _manual_transactions)
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def _manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache(maxsize=1)
def get_reader_engine() -> Engine:
    """For requests that only read: on a SQLite file, SELECTs that never take the write lock (so readers do
    not queue behind writers or each other); elsewhere simply the app's engine."""
    url = get_settings().database_url
    if not url.startswith("sqlite") or url in ("sqlite://", "sqlite:///:memory:"):
        return get_engine()
    return make_engine(url, immediate_transactions=False)


#: What an `IN (...)` list holds: ids, or names such as employers.
T = TypeVar("T", int, str)
#: Ids per `IN (...)` list when rows are fetched for many records at once (far below SQLite's bound parameters).
IN_BATCH = 500


def in_batches(values: Iterable[T]) -> Iterator[list[T]]:
    """`values` (distinct, sorted) in lists of at most `IN_BATCH`, one `IN (...)` list each."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_BATCH):
        yield wanted[start : start + IN_BATCH]


_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request; GET and HEAD requests get a reader session."""
    engine = get_reader_engine() if request.method in _READ_ONLY_METHODS else get_engine()
    with Session(engine) as session:
        yield session
