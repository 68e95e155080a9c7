"""Expert 专家: the people who serve the grassroots."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from service.config import get_settings
from service.models.common import created_at_field, json_list_field, required_choice
from service.validation import (
    check_choice,
    check_district,
    check_documents,
    check_field_labels,
    check_fields,
    check_id_number,
    check_phone,
    required_text,
)
from service.vocab import EMPLOYER_TYPES, EXPERT_STATUSES, SEXES, TALENT_TIERS, TITLE_LEVELS


def _default_yearly_capacity() -> int:
    """The programme's rule for an expert whose capacity is not given (a setting, read when the record is made)."""
    return get_settings().visits_per_expert_per_year


class ExpertBase(SQLModel):
    name: str = Field(min_length=1, max_length=50, index=True)
    sex: str | None = Field(default=None, max_length=2)
    birth_year: int | None = Field(default=None, ge=1920, le=2010)
    employer: str = Field(default="", max_length=100)
    employer_type: str | None = Field(default=None, max_length=10)
    title: str = Field(default="", max_length=50, description="职称，如 研究员、主任医师")
    title_level: str | None = Field(default=None, max_length=4)
    fields: list[str] = json_list_field()
    field_labels: list[str] = json_list_field()
    specialties: str = Field(default="", max_length=2000, sa_column=Column(Text, nullable=False, default=""))
    documents: list[dict[str, str]] = json_list_field()
    talent_tier: str | None = Field(default=None, max_length=10)
    party_member: bool = False
    district: str = Field(max_length=10, index=True)
    available: bool = True
    yearly_capacity: int = Field(
        default_factory=_default_yearly_capacity,
        ge=0,
        le=100,
        description="年度服务次数上限；省略时为 ZHIQIAO_VISITS_PER_EXPERT_PER_YEAR（默认 10）",
    )
    status: str = Field(default="在库", max_length=4)

    _sex = field_validator("sex")(check_choice(SEXES, "性别"))
    _employer_type = field_validator("employer_type")(check_choice(EMPLOYER_TYPES, "单位类型"))
    _title_level = field_validator("title_level")(check_choice(TITLE_LEVELS, "职称级别"))
    _tier = field_validator("talent_tier")(check_choice(TALENT_TIERS, "人才层次"))
    _status = field_validator("status")(required_choice(EXPERT_STATUSES, "状态"))
    _district = field_validator("district")(check_district)
    _fields = field_validator("fields")(check_fields)


class Expert(ExpertBase, table=True):
    __table_args__ = (Index("ix_expert_employer", "employer"),)

    id: int | None = Field(default=None, primary_key=True)
    phone: str | None = Field(default=None, sa_column=Column(String(20)))
    id_number: str | None = Field(default=None, sa_column=Column(String(18), unique=True))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    #: Counts edits of the expert's record (update_expert, imports): an edit made from an older version is refused.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class ExpertCreate(ExpertBase):
    phone: str | None = None
    id_number: str | None = None

    _phone = field_validator("phone")(check_phone)
    _id_number = field_validator("id_number")(check_id_number)
    _name = field_validator("name")(required_text("姓名"))
    _documents = field_validator("documents")(check_documents)
    _field_labels = field_validator("field_labels")(check_field_labels)


class ExpertUpdate(SQLModel):
    """Every field optional: PATCH changes only what is sent."""

    name: str | None = Field(default=None, min_length=1, max_length=50)
    sex: str | None = None
    birth_year: int | None = Field(default=None, ge=1920, le=2010)
    employer: str | None = Field(default=None, max_length=100)
    employer_type: str | None = None
    title: str | None = Field(default=None, max_length=50)
    title_level: str | None = None
    fields: list[str] | None = None
    field_labels: list[str] | None = None
    specialties: str | None = Field(default=None, max_length=2000)
    documents: list[dict[str, str]] | None = None
    talent_tier: str | None = None
    party_member: bool | None = None
    district: str | None = None
    available: bool | None = None
    yearly_capacity: int | None = Field(default=None, ge=0, le=100)
    status: str | None = None
    phone: str | None = None
    id_number: str | None = None
    version: int | None = Field(
        default=None,
        ge=1,
        description="编辑前读到的版本号（version）：专家信息已被他人修改时拒绝保存（409）；省略则不核对",
    )

    _sex = field_validator("sex")(check_choice(SEXES, "性别"))
    _employer_type = field_validator("employer_type")(check_choice(EMPLOYER_TYPES, "单位类型"))
    _title_level = field_validator("title_level")(check_choice(TITLE_LEVELS, "职称级别"))
    _tier = field_validator("talent_tier")(check_choice(TALENT_TIERS, "人才层次"))
    _status = field_validator("status")(check_choice(EXPERT_STATUSES, "状态"))
    _district = field_validator("district")(check_district)
    _fields = field_validator("fields")(check_fields)
    _phone = field_validator("phone")(check_phone)
    _name = field_validator("name")(required_text("姓名"))
    _id_number = field_validator("id_number")(check_id_number)
    _documents = field_validator("documents")(check_documents)
    _field_labels = field_validator("field_labels")(check_field_labels)


class ExpertPublic(ExpertBase):
    """An expert as shown to a viewer: phone and ID number masked unless the viewer is entitled."""

    id: int
    phone: str | None = None
    id_number: str | None = None
    party_member: bool | None = None  # type: ignore[assignment]  # None: not shown to this viewer
    visits_this_year: int = 0
    version: int = Field(default=1, description="编辑版本号：每次修改专家信息加 1")
