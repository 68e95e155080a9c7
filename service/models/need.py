"""Unit 基层单位 and Need 需求: who asks, and what they ask for."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ValidationInfo, field_validator
from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service import clock
from service.models.common import RecordId, created_at_field, required_choice
from service.validation import check_choice, check_district, check_field, check_phone, required_text
from service.vocab import SERVICE_TYPES, UNIT_KINDS, NeedStatus


class UnitBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(max_length=4)
    district: str = Field(max_length=10, index=True)
    contact_name: str = Field(default="", max_length=50)
    address: str = Field(default="", max_length=200)

    _kind = field_validator("kind")(required_choice(UNIT_KINDS, "单位类别"))
    _district = field_validator("district")(check_district)


class Unit(UnitBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), unique=True, nullable=False))
    contact_phone: str | None = Field(default=None, sa_column=Column(String(20)))
    created_at: datetime = created_at_field()


class UnitCreate(UnitBase):
    contact_phone: str | None = None
    _phone = field_validator("contact_phone")(check_phone)
    _name = field_validator("name")(required_text("单位名称"))


class UnitUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: str | None = None
    district: str | None = None
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = None
    address: str | None = Field(default=None, max_length=200)

    _kind = field_validator("kind")(check_choice(UNIT_KINDS, "单位类别"))
    _name = field_validator("name")(required_text("单位名称"))
    _district = field_validator("district")(check_district)
    _phone = field_validator("contact_phone")(check_phone)


class UnitPublic(UnitBase):
    id: int
    contact_phone: str | None = None


def _title_not_blank(value: str | None) -> str | None:
    """Titles are stripped; a blank one is refused (a need is found and listed by its title)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise ValueError("需求标题不能为空")
    return value


def _stripped(value: str | None) -> str:
    """Spaces around a name are dropped; none (null in a PATCH) is the empty name, "use the unit's"."""
    return (value or "").strip()


#: A need's wanted dates lie between the platform's first year and five years ahead: a typed 1900 or 2099 is a
#: slip, and a need wanted that far off would sit in every list as open. Checked on input only (create, edit,
#: import), so that a need stored before the rule still reads.
EARLIEST_WANTED = date(2000, 1, 1)
WANTED_YEARS_AHEAD = 5


def _within_reach(value: date | None) -> date | None:
    if value is None:
        return None
    last_year = clock.today().year + WANTED_YEARS_AHEAD
    if not EARLIEST_WANTED <= value <= date(last_year, 12, 31):
        raise ValueError(f"期望服务日期须在{EARLIEST_WANTED.year}年至{last_year}年之间")
    return value


class NeedBase(SQLModel):
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=5000)
    service_type: str = Field(max_length=4)
    field: str | None = Field(default=None, max_length=10)
    wanted_from: date | None = None
    wanted_to: date | None = None
    experts_wanted: int = Field(default=1, ge=1, le=10)
    contact_name: str = Field(default="", max_length=50, description="本需求的联系人；空则为单位联系人")

    _title = field_validator("title")(_title_not_blank)
    _contact_name = field_validator("contact_name")(_stripped)
    _service_type = field_validator("service_type")(required_choice(SERVICE_TYPES, "服务类型"))
    # before the length check: a field may be named (环境科学技术及资源科学技术), stored as its code
    _field = field_validator("field", mode="before")(check_field)

    @field_validator("wanted_to")
    @classmethod
    def _period_in_order(cls, wanted_to: date | None, info: ValidationInfo) -> date | None:
        # on the end date itself, so that a form shows it beside that field and with the other fields' errors
        wanted_from = info.data.get("wanted_from")
        if wanted_from and wanted_to and wanted_to < wanted_from:
            raise ValueError("期望服务时间的结束日期不能早于开始日期")
        return wanted_to


class Need(NeedBase, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "title", name="uq_need_unit_title"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    district: str = Field(max_length=10, index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=NeedStatus.draft, max_length=12, index=True)
    review_note: str = Field(default="", max_length=500)
    contact_phone: str | None = Field(default=None, sa_column=Column(String(20)))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    #: Counts edits of the need's content (update_need, imports): an edit made from an older version is refused.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class NeedCreate(NeedBase):
    unit_id: RecordId | None = Field(default=None, description="省略时为当前单位账号的单位")
    contact_phone: str | None = Field(default=None, description="本需求联系人的电话；空则为单位联系电话")
    submit: bool = Field(default=False, description="创建后直接提交审核")

    _phone = field_validator("contact_phone")(check_phone)
    _dates = field_validator("wanted_from", "wanted_to")(_within_reach)


class NeedUpdate(SQLModel):
    title: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    service_type: str | None = None
    field: str | None = None
    wanted_from: date | None = None
    wanted_to: date | None = None
    experts_wanted: int | None = Field(default=None, ge=1, le=10)
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = None
    version: int | None = Field(
        default=None, ge=1, description="编辑前读到的版本号（version）：需求已被他人修改时拒绝保存（409）；省略则不核对"
    )

    _title = field_validator("title")(_title_not_blank)
    _contact_name = field_validator("contact_name")(_stripped)
    _service_type = field_validator("service_type")(check_choice(SERVICE_TYPES, "服务类型"))
    # before the length check: a field may be named (环境科学技术及资源科学技术), stored as its code
    _field = field_validator("field", mode="before")(check_field)
    _phone = field_validator("contact_phone")(check_phone)
    _dates = field_validator("wanted_from", "wanted_to")(_within_reach)


class NeedPublic(NeedBase):
    id: int
    unit_id: int
    unit_name: str = ""
    contact_phone: str | None = Field(default=None, description="仅本单位与组织部门可见完整号码，其他人为掩码")
    district: str
    status: str
    review_note: str = ""
    created_at: datetime
    version: int = Field(default=1, description="编辑版本号：每次修改需求内容加 1")
