"""Assertions shared by the workflow tests."""

from __future__ import annotations

import re
from typing import Any

from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

API = "/api/v1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,}")


def stored(engine: Engine, model: type[SQLModel], record_id: int | None) -> dict[str, Any]:
    """The row as it is in the database now, read in a transaction of its own."""
    with Session(engine) as fresh:
        record = fresh.get(model, record_id)
        assert record is not None
        return record.model_dump()


def refused(answer: Response, status: int) -> str:
    """Assert `answer` is a refusal with `status` and a Chinese message; return the message."""
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert CHINESE.search(detail), detail
    assert not ENGLISH_PHRASE.search(detail), detail
    return str(detail)
