"""Test lanes: a fresh SQLite file per test by default; PostgreSQL when ZHIQIAO_DATABASE_URL points at one
(migrations applied once, every table truncated before each test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import service.models  # noqa: F401  (registers the tables)
from service import config, db

POSTGRES_URL = os.environ.get("ZHIQIAO_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


def pytest_report_header() -> str:
    lane = f"PostgreSQL ({POSTGRES_URL.rsplit('/', 1)[-1]})" if ON_POSTGRES else "SQLite"
    return f"zhiqiao database lane: {lane}"


@pytest.fixture(scope="session")
def one_app() -> FastAPI:
    """One app for the whole run: building its routes takes about a second, and it holds no per-test state
    (settings, engine, search index, match index and account cache are looked up per request or set up when a
    client starts it)."""
    from service.app import create_app

    return create_app()


@pytest.fixture
def app(engine: Engine, one_app: FastAPI) -> FastAPI:
    """The app of a test, on the test's database, with the login rate limit's counts forgotten."""
    from service.api.auth import limiter

    limiter.reset()
    return one_app


@pytest.fixture(scope="session")
def _postgres_migrated() -> bool:
    """On the PostgreSQL lane, an empty schema brought to head by the migrations, once per run."""
    if not ON_POSTGRES:
        return False
    from service.migrate import upgrade

    engine = db.make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return True


@pytest.fixture
def engine(_postgres_migrated: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The database for one test; the app's `get_engine()` returns the same during it."""
    monkeypatch.setenv("ZHIQIAO_LOGIN_RATE_LIMIT", "10000/minute")
    monkeypatch.setenv("ZHIQIAO_SEARCH_SYNC_INTERVAL_SECONDS", "0")  # tests drain the outbox themselves
    monkeypatch.setenv("ZHIQIAO_MATCH_WARM_UP", "false")  # the index is built by the request that needs it
    monkeypatch.setenv("ZHIQIAO_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ZHIQIAO_SEARCH_DB_PATH", str(tmp_path / "search.db"))
    config.get_settings.cache_clear()
    if _postgres_migrated:
        engine = db.get_engine()
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield engine
    else:
        monkeypatch.setenv("ZHIQIAO_DATABASE_URL", f"sqlite:///{tmp_path / 'test.db'}")
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        db.get_reader_engine.cache_clear()
        engine = db.get_engine()
        SQLModel.metadata.create_all(engine)
        yield engine
        engine.dispose()
        db.get_reader_engine().dispose()
        db.get_engine.cache_clear()
        db.get_reader_engine.cache_clear()
    config.get_settings.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """The test's own view of the database. On SQLite it reads outside transactions, so a test can look at
    what the app stored (and the app can write meanwhile) without holding the write lock."""
    if engine.dialect.name != "sqlite":
        with Session(engine) as session:
            yield session
        return
    reader = db.make_engine(engine.url.render_as_string(hide_password=False), immediate_transactions=False)
    with Session(reader) as session:
        yield session
    reader.dispose()
