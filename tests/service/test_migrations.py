"""The Alembic migrations, applied to an empty database, give exactly the tables the models declare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import service.models  # noqa: F401  (registers every table on the metadata)
from service.migrate import alembic_config, upgrade
from tests.service.databases import empty_database as own_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Engine]:
    """A database with nothing in it: a new SQLite file, or on the PostgreSQL lane a new database."""
    with own_database(tmp_path, "zhiqiao_migrations") as engine:
        yield engine


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_build_exactly_the_models(empty_database: Engine) -> None:
    assert inspect(empty_database).get_table_names() == []
    upgrade(empty_database)
    tables = set(inspect(empty_database).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    differences = _differences(empty_database)
    assert not differences, "the models and the migrations disagree; add a revision (ask the lead) for:\n" + "\n".join(
        repr(d) for d in differences
    )


def test_database_is_at_the_single_head(empty_database: Engine) -> None:
    """One head (two parallel revisions would leave the schema depending on the order they ran in)."""
    upgrade(empty_database)
    script = ScriptDirectory.from_config(alembic_config(str(empty_database.url)))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    with empty_database.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert tuple(current) == tuple(heads)
