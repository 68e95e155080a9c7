"""A database of its own for tests that run the migrations themselves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from service.db import make_engine
from tests.conftest import ON_POSTGRES, POSTGRES_URL


@contextmanager
def empty_database(folder: Path, prefix: str) -> Iterator[Engine]:
    """A database with nothing in it: a new SQLite file in `folder`, or on the PostgreSQL lane a new database
    beside the lane's (named `prefix`_…), dropped afterwards."""
    if not ON_POSTGRES:
        engine = make_engine(f"sqlite:///{folder / f'{prefix}.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
