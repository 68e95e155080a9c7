"""Visit 服务: one expert serving one need, from proposal to the unit's rating."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import field_validator
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.common import RecordId, UtcDateTime, created_at_field
from service.validation import required_text
from service.vocab import VisitOrigin, VisitStatus


class Visit(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("need_id", "expert_id", name="uq_visit_need_expert"),
        Index("ix_visit_expert_year_status", "expert_id", "year", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    expert_id: int = Field(foreign_key="expert.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    origin: str = Field(default=VisitOrigin.official, max_length=12)
    status: str = Field(default=VisitStatus.proposed, max_length=12, index=True)
    year: int = Field(index=True, description="the service year whose capacity the visit uses")
    score: float | None = None
    decline_reason: str = Field(default="", max_length=500)
    #: Why the need's unit returned the service record (not recognised as given); cleared when it is recorded again.
    returned_reason: str = Field(default="", max_length=500)
    scheduled_from: date | None = None
    scheduled_to: date | None = None
    service_date: date | None = None
    service_days: float | None = None
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    people_trained: int | None = None
    technologies: str = Field(default="", max_length=1000)
    problems_solved: int | None = None
    rating: int | None = None
    comment: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime))


class VisitCreate(SQLModel):
    need_id: RecordId
    expert_id: RecordId | None = Field(default=None, description="专家自荐时省略")


class VisitDecline(SQLModel):
    reason: str = Field(min_length=1, max_length=500, description="婉拒原因")


class VisitReturn(SQLModel):
    reason: str = Field(min_length=1, max_length=500, description="退回原因（如：专家未到场、记录内容与实际不符）")


class VisitSchedule(SQLModel):
    scheduled_from: date
    scheduled_to: date | None = None


class ServiceRecord(SQLModel):
    service_date: date
    service_days: float = Field(gt=0, le=60)
    content: str = Field(min_length=1, max_length=5000)
    people_trained: int = Field(default=0, ge=0, le=100000)
    technologies: str = Field(default="", max_length=1000)
    problems_solved: int = Field(default=0, ge=0, le=1000)

    _content = field_validator("content")(required_text("服务内容"))


class VisitRating(SQLModel):
    rating: int = Field(ge=1, le=5, description="评分 1–5")
    comment: str = Field(default="", max_length=1000)


class UnitContact(SQLModel):
    """Whom the expert of an accepted visit calls to agree the dates: the need's contact person and phone, or the
    unit's when the need names none."""

    unit_name: str
    person: str = ""
    phone: str = ""


class VisitPublic(SQLModel):
    id: int
    need_id: int
    need_title: str = ""
    expert_id: int
    expert_name: str = ""
    campaign_id: int | None
    origin: str
    status: str
    year: int
    score: float | None
    decline_reason: str
    returned_reason: str = Field(default="", description="单位退回服务记录的原因；专家重新填写服务记录后清空")
    scheduled_from: date | None
    scheduled_to: date | None
    service_date: date | None
    service_days: float | None
    content: str
    people_trained: int | None
    technologies: str
    problems_solved: int | None
    rating: int | None
    comment: str
    unit_contact: UnitContact | None = Field(default=None, description="仅服务的专家本人在接受后可见")
    created_at: datetime
