"""Fixtures of the workflow tests: a session whose objects stay readable after commit."""

from __future__ import annotations

import pytest
from sqlmodel import Session


@pytest.fixture
def session(kept_session: Session) -> Session:
    return kept_session
