"""Account: a login, its role and its scope (a unit, an expert, a leader, a district or the city)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from service.models.common import created_at_field
from service.vocab import Role


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    district: str | None = Field(default=None, max_length=10)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    expert_id: int | None = Field(default=None, foreign_key="expert.id")
    leader_id: int | None = Field(default=None, foreign_key="leader.id")
    display_name: str = Field(default="", max_length=50)
    active: bool = True
    #: Carried in every token as `ver`; a token of an older version is refused. Moved on by logout, a password
    #: reset, a deactivation and a change of role or scope, so that these end the account's sessions.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at_field()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class AccountPublic(SQLModel):
    id: int
    username: str
    role: str
    district: str | None
    unit_id: int | None
    expert_id: int | None
    leader_id: int | None
    display_name: str
    active: bool


class Token(SQLModel):
    access_token: str
    token_type: str = "bearer"
