"""API fixtures: the app, a client and the small world of tests/service/world.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.auth import limiter
from service.app import create_app
from tests.service.world import World, make_world


@pytest.fixture
def app(engine: object) -> FastAPI:
    limiter.reset()
    return create_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)
