"""Transactional outbox: one row per change to an indexed record, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models.common import created_at_field


class OutboxEntry(SQLModel, table=True):
    __tablename__ = "search_outbox"

    id: int | None = Field(default=None, primary_key=True)
    index_name: str = Field(max_length=20, description="needs | experts")
    record_id: int
    created_at: datetime = created_at_field()
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
