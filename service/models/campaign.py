"""Campaign 千名专家下基层 round: solver-proposed need–expert pairs an official edits and publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.common import RecordId, created_at_field, json_list_field
from service.validation import check_choice, check_district, check_field, required_text
from service.vocab import SERVICE_TYPES


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    district: str | None = Field(default=None, max_length=10, description="None: city-wide")
    year: int
    status: str = Field(default="draft", max_length=12, description="draft | published")
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = created_at_field()
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: The needs and experts the official selected (ids, resolved from filters when the selection was made).
    need_ids: list[int] = json_list_field()
    expert_ids: list[int] = json_list_field()
    #: The answer of the last run: places filled/total and the needs left short (see domain/campaigns.py).
    last_run: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    last_run_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class CampaignPair(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "need_id", "expert_id", name="uq_campaign_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    need_id: int = Field(foreign_key="need.id")
    expert_id: int = Field(foreign_key="expert.id")
    score: float = 0.0
    locked: bool = False
    removed: bool = False
    proposed: bool = True
    #: Why the matcher scored the pair (shared terms, field, district, text score).
    reasons: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    #: The visit created when the pair was published; None while it is only a proposal.
    visit_id: int | None = Field(default=None, foreign_key="visit.id")


# ---- API shapes ------------------------------------------------------------------------------------------


class NeedSelection(SQLModel):
    """Which needs take part: explicit ids, or every open need matching the filters (within the campaign)."""

    ids: list[RecordId] | None = Field(default=None, max_length=10000, description="需求编号；给出时忽略其余条件")
    district: str | None = None
    field: str | None = None
    service_type: str | None = None

    _district = field_validator("district")(check_district)
    _field = field_validator("field")(check_field)
    _service_type = field_validator("service_type")(check_choice(SERVICE_TYPES, "服务类型"))


class ExpertSelection(SQLModel):
    """Which experts take part: explicit ids, or every available expert (在库, accepting) matching the filters."""

    ids: list[RecordId] | None = Field(default=None, max_length=100000, description="专家编号；给出时忽略其余条件")
    district: str | None = None
    field: str | None = None

    _district = field_validator("district")(check_district)
    _field = field_validator("field")(check_field)


class CampaignCreate(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=2000, le=2100)
    district: str | None = Field(default=None, description="省略：全市（区县组织部门为本区县）")
    needs: NeedSelection = Field(default_factory=NeedSelection)
    experts: ExpertSelection = Field(default_factory=ExpertSelection)

    _district = field_validator("district")(check_district)
    _name = field_validator("name")(required_text("活动名称"))


class PairReasons(SQLModel):
    shared_terms: list[str] = []
    field_match: bool = False
    district: str | None = Field(default=None, description="same | neighbour | None")
    text_score: float = 0.0


class CampaignPairPublic(SQLModel):
    id: int
    need_id: int
    need_title: str
    need_district: str
    need_district_name: str
    unit_name: str
    expert_id: int
    expert_name: str
    score: float
    reasons: PairReasons
    locked: bool
    removed: bool
    published: bool
    visit_id: int | None
    visit_status: str | None = Field(default=None, description="发布后的服务状态")
    visit_status_label: str = ""
    decline_reason: str = ""


class UnfilledNeed(SQLModel):
    need_id: int
    need_title: str
    missing: int
    reason: str
    reason_label: str


class CampaignRunSummary(SQLModel):
    """The answer of the last run: places filled of the places open, and the needs left short, with why."""

    ran_at: datetime | None
    filled: int
    total: int
    already_accepted: int
    new_pairs: int
    unfilled: list[UnfilledNeed]
    skipped_needs: list[int] = Field(default=[], description="已选但不再征集专家的需求")


class AcceptanceCounts(SQLModel):
    draft: int = Field(default=0, description="方案中尚未发布")
    awaiting: int = Field(default=0, description="已发布，待专家确认")
    accepted: int = 0
    declined: int = 0


class CampaignPublic(SQLModel):
    id: int
    name: str
    district: str | None
    district_name: str
    year: int
    status: str
    status_label: str
    created_at: datetime
    published_at: datetime | None
    need_count: int
    expert_count: int
    acceptance: AcceptanceCounts
    last_run: CampaignRunSummary | None


class CampaignDetail(CampaignPublic):
    need_ids: list[int]
    expert_ids: list[int]
    pair_count: int = Field(description="未移除的配对总数")
    pairs: list[CampaignPairPublic] = Field(
        description="未移除的配对，按生成先后，一页（默认前 100 个；pairs_limit、pairs_offset 翻页，或用 /pairs）"
    )
    removed_pairs: list[CampaignPairPublic]
