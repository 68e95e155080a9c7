"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, DateTime
from sqlmodel import Field, SQLModel

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def json_list_field() -> Any:
    return Field(default_factory=list, sa_type=JSON)


class Page(SQLModel, Generic[T]):
    """The list envelope: one page of rows and the total that matched."""

    data: list[T]
    count: int
