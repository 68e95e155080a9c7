"""Campaign 千名专家下基层 round: solver-proposed need–expert pairs an official edits and publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.common import created_at_field, json_list_field


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
