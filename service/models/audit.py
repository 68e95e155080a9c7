"""操作记录: one row per record that a request, a command or an import created, changed or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from service.models.common import created_at_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id"),
        Index("ix_audit_event_account", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    #: who: the account (None for the system: a command without --account, the search sync, a migration)
    account_id: int | None = None
    username: str = Field(default="", max_length=50)
    role: str = Field(default="", max_length=20)
    action: str = Field(max_length=10, description="create | update | delete")
    entity: str = Field(max_length=20, description="need | unit | expert | visit | campaign | account | ...")
    entity_id: int
    #: the record's name when it was written (a need's title, an expert's name), so a deleted one stays readable
    label: str = Field(default="", max_length=100)
    #: field -> [old, new]; [null, null] where the values are not kept (personal data, long text, lists)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    request_id: str = Field(default="", max_length=40)


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    account_id: int | None
    username: str
    role: str
    role_label: str
    action: str
    action_label: str
    entity: str
    entity_label: str
    entity_id: int
    label: str
    #: field -> [old, new] with values shown as the pages show them; [null, null] = changed, value not kept
    changes: dict[str, Any]
    #: the changes in words: 状态：待审核 → 征集中; 联系电话：已修改
    summary: list[str]
    request_id: str
