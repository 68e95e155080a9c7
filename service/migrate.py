"""Apply the Alembic migrations (`zhiqiao db upgrade|downgrade|current`) without an alembic.ini on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class MigrationError(RuntimeError):
    """A migration would leave rows pointing at rows that are gone (nothing was changed)."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s")
    return config


@contextmanager
def _migrating(engine: Engine) -> Iterator[tuple[Config, Connection]]:
    """A connection in one transaction for Alembic to work on.

    SQLite cannot alter most columns in place: Alembic copies the table, drops the old one and renames the copy.
    With foreign keys enforced, that DROP fails as soon as another table's row points at the table (a need with a
    visit, a campaign with pairs), so on SQLite the checks are off while the migrations run (the pragma only
    takes effect outside a transaction) and every reference is checked once at the end instead; a dangling one
    rolls the whole migration back."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config, connection
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if dangling:
                        tables = sorted({str(row[0]) for row in dangling})
                        raise MigrationError(
                            f"the migration would leave {len(dangling)} rows pointing at missing rows "
                            f"(tables {', '.join(tables)}); nothing was changed"
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    with _migrating(engine) as (config, _connection):
        step(config)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision`."""
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database behind `engine` back to `revision` (e.g. "-1": one step)."""
    _run(engine, lambda config: command.downgrade(config, revision))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: no migration applied)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@lru_cache(maxsize=1)
def _history() -> tuple[str, frozenset[str]]:
    """This code's head revision and every revision before it."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head() or ""
    return head, frozenset(r.revision for r in script.walk_revisions() if r.revision != head)


def head_revision() -> str:
    """The revision this code expects (the migrations have a single head; tests/service/test_migrations.py)."""
    return _history()[0]


def schema_behind(connection: Connection) -> str | None:
    """Why the database's schema is too old for this code (an upgrade not run after a deploy), or None.

    A database at a revision this code does not know is newer (migrated for the next release while this one still
    serves, which the additive migrations allow): that is no reason to stop serving. A database that no migration
    made (the test suite's create_all) has no revision to compare."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head, older = _history()
    if current is None or current in older:
        return f"database at revision {current or 'none'}, this code needs {head}: run `zhiqiao db upgrade`"
    return None
