"""API fixtures: the app, a client and the small world of tests/service/world.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.service.world import World, make_world


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


@pytest.fixture
def kept_session(engine: Engine) -> Iterator[Session]:
    """A session on the app's engine whose objects stay readable after commit, for tests that change world
    objects and commit them (on SQLite the reader session's open read would block the app's writes)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
