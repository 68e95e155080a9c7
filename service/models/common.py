"""Column helpers shared by the tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

import pydantic
from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from service.validation import check_choice

T = TypeVar("T")

#: The largest id the database holds (INTEGER on SQLite and PostgreSQL); larger ones are refused as input.
MAX_RECORD_ID = 2_147_483_647
#: A reference to a record in a request body.
RecordId = Annotated[int, pydantic.Field(ge=1, le=MAX_RECORD_ID)]


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored with its time zone, read back as UTC on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | date | None, dialect: Dialect) -> datetime | date | None:
        # A plain date (a day filter such as created_from) is compared as it is.
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def required_choice(choices: Sequence[str], label: str) -> Callable[[str], str]:
    """Like `check_choice`, for a field that must have a value: an empty one is refused, not stored as null."""
    check = check_choice(choices, label)

    def _check(value: str) -> str:
        checked = check(value)
        if checked is None:
            raise ValueError(f"{label}不能为空，应为：{'、'.join(choices)}")
        return checked

    return _check


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


def json_list_field() -> Any:
    return Field(default_factory=list, sa_type=JSON)


class Page(SQLModel, Generic[T]):
    """The list envelope: one page of rows and the total that matched."""

    data: list[T]
    count: int
