"""Page fixtures: the app, a client, the small world of tests/service/world.py, and logging in by cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.deps import SESSION_COOKIE
from service.security import create_access_token
from tests.service.world import World, make_world

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]*)"')


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def login_as(client: TestClient, world: World, role: str) -> None:
    """Put the role's session cookie on the client (as the login form would)."""
    account = world.accounts[role]
    client.cookies.set(SESSION_COOKIE, create_access_token(account.id or 0, account.role))


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    found = _CSRF.search(html)
    assert found is not None, "page has no form token"
    return found.group(1)
