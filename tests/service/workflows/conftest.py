"""Fixtures of the workflow tests: one app for the whole run, and a session whose objects stay readable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.api.auth import limiter
from service.app import create_app

APP = create_app()


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    limiter.reset()
    return APP


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """World objects stay readable after commit (on SQLite a read transaction would block the app)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
