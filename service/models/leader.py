"""领导干部联系专家: Leader, Liaison (a leader–expert pair for a year), Contact and Concern."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import field_validator
from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.common import RecordId, UtcDateTime, created_at_field, json_list_field, required_choice
from service.validation import check_choice, check_fields, check_phone, required_text
from service.vocab import CONCERN_CATEGORIES, CONTACT_MODES, LEADER_RANKS, ConcernStatus


class LeaderBase(SQLModel):
    name: str = Field(min_length=1, max_length=50)
    rank: str = Field(max_length=6)
    position: str = Field(default="", max_length=100)
    portfolio: list[str] = json_list_field()
    assistant: str = Field(default="", max_length=50, description="协办专员")

    _rank = field_validator("rank")(required_choice(LEADER_RANKS, "领导职级"))
    _portfolio = field_validator("portfolio")(check_fields)


class Leader(LeaderBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assistant_phone: str | None = Field(default=None, sa_column=Column(String(20)))
    created_at: datetime = created_at_field()


class LeaderCreate(LeaderBase):
    assistant_phone: str | None = None
    _phone = field_validator("assistant_phone")(check_phone)
    _name = field_validator("name")(required_text("姓名"))


class LeaderUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    rank: str | None = None
    position: str | None = Field(default=None, max_length=100)
    portfolio: list[str] | None = None
    assistant: str | None = Field(default=None, max_length=50)
    assistant_phone: str | None = None

    _rank = field_validator("rank")(check_choice(LEADER_RANKS, "领导职级"))
    _portfolio = field_validator("portfolio")(check_fields)
    _phone = field_validator("assistant_phone")(check_phone)
    _name = field_validator("name")(required_text("姓名"))


class LeaderPublic(LeaderBase):
    id: int
    assistant_phone: str | None = None


class Liaison(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("expert_id", "year", name="uq_liaison_expert_year"),)

    id: int | None = Field(default=None, primary_key=True)
    leader_id: int = Field(foreign_key="leader.id", index=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    year: int = Field(index=True)
    active: bool = True
    confirmed: bool = False
    kept_from_last_year: bool = False
    score: float | None = None
    created_at: datetime = created_at_field()


class LiaisonCreate(SQLModel):
    leader_id: RecordId
    expert_id: RecordId
    year: int = Field(ge=2000, le=2100)
    confirmed: bool = True


class LiaisonUpdate(SQLModel):
    active: bool | None = None
    confirmed: bool | None = None


class LiaisonPublic(SQLModel):
    id: int
    leader_id: int
    leader_name: str = ""
    expert_id: int
    expert_name: str = ""
    year: int
    active: bool
    confirmed: bool
    kept_from_last_year: bool
    last_contact: date | None = None
    contact_overdue: bool = False


class ContactBase(SQLModel):
    liaison_id: RecordId
    date: date
    mode: str = Field(max_length=6)
    summary: str = Field(default="", max_length=2000)

    _mode = field_validator("mode")(required_choice(CONTACT_MODES, "联系方式"))


class Contact(ContactBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    liaison_id: int = Field(foreign_key="liaison.id", index=True)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = created_at_field()


class ContactCreate(ContactBase):
    pass


class ContactPublic(ContactBase):
    id: int


class ConcernBase(SQLModel):
    category: str = Field(max_length=6)
    content: str = Field(min_length=1, max_length=2000)
    department: str = Field(default="", max_length=50, description="承办部门")

    _category = field_validator("category")(required_choice(CONCERN_CATEGORIES, "诉求类别"))

    @field_validator("department")
    @classmethod
    def _department_stripped(cls, value: str) -> str:
        """Spaces alone name no department: the concern stays 待转办 (and cannot be answered yet)."""
        return value.strip()


class Concern(ConcernBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    liaison_id: int = Field(foreign_key="liaison.id", index=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    content: str = Field(sa_column=Column(Text, nullable=False))
    raised_on: date
    due_date: date
    status: str = Field(default=ConcernStatus.open, max_length=10, index=True)
    reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    replied_on: date | None = None
    satisfaction: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))


class ConcernCreate(ConcernBase):
    contact_id: RecordId
    due_date: date | None = Field(default=None, description="省略时为提出之日起 30 天")

    _content = field_validator("content")(required_text("诉求内容"))


class ConcernAssign(SQLModel):
    department: str = Field(min_length=1, max_length=50)
    due_date: date | None = None

    _department = field_validator("department")(required_text("承办部门"))


class ConcernReply(SQLModel):
    reply: str = Field(min_length=1, max_length=2000)

    _reply = field_validator("reply")(required_text("答复"))


class ConcernRate(SQLModel):
    satisfaction: int = Field(ge=1, le=5)


class ConcernPublic(ConcernBase):
    id: int
    contact_id: int | None
    liaison_id: int
    expert_id: int
    expert_name: str = ""
    leader_name: str = ""
    raised_on: date
    due_date: date
    status: str
    reply: str
    replied_on: date | None
    satisfaction: int | None
    overdue: bool = False
