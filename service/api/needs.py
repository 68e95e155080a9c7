"""/api/v1/needs"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Field, SQLModel

from service.api.deps import Officials, SessionDep, guard
from service.api.paging import IdFilter, Limit, Offset, PathId, Sort
from service.domain import needs as service
from service.models import Account
from service.models.common import Page
from service.models.need import NeedCreate, NeedPublic, NeedUpdate
from service.vocab import Role

router = APIRouter(prefix="/needs", tags=["needs 需求"])
Poster = Annotated[Account, guard(Role.unit, Role.district_official, Role.city_official)]
Reader = Annotated[Account, guard(Role.unit, Role.expert, Role.district_official, Role.city_official)]


class ReviewNote(SQLModel):
    note: str = Field(default="", max_length=500, description="审核意见（退回时必填）")


@router.get("", summary="需求列表（单位见本单位；专家见征集中的需求；组织部门见辖区）")
def list_needs(
    session: SessionDep,
    viewer: Reader,
    district: str | None = None,
    field: str | None = None,
    status: str | None = None,
    service_type: str | None = None,
    unit_id: IdFilter = None,
    created_from: date | None = None,
    created_to: date | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[NeedPublic]:
    filters = service.NeedFilters(district, field, status, service_type, unit_id, created_from, created_to, q)
    rows, total = service.list_needs(
        session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort=sort
    )
    return Page(data=rows, count=total)


@router.post("", status_code=201, summary="发布需求（草稿，或 submit=true 直接提交审核）")
def create_need(session: SessionDep, actor: Poster, body: NeedCreate) -> NeedPublic:
    return service.create_need(session=session, actor=actor, data=body)


@router.get("/{need_id}", summary="需求详情")
def get_need(session: SessionDep, viewer: Reader, need_id: PathId) -> NeedPublic:
    return service.get_need(session=session, viewer=viewer, need_id=need_id)


@router.patch("/{need_id}", summary="修改需求（单位仅限草稿和待审核）")
def update_need(session: SessionDep, actor: Poster, need_id: PathId, body: NeedUpdate) -> NeedPublic:
    return service.update_need(session=session, actor=actor, need_id=need_id, data=body)


@router.post("/{need_id}/submit", summary="提交审核")
def submit_need(session: SessionDep, actor: Poster, need_id: PathId) -> NeedPublic:
    return service.change_need_state(session=session, actor=actor, need_id=need_id, action="submit")


@router.post("/{need_id}/approve", summary="审核通过，开始征集专家")
def approve_need(session: SessionDep, actor: Officials, need_id: PathId, body: ReviewNote | None = None) -> NeedPublic:
    note = body.note if body else ""
    return service.change_need_state(session=session, actor=actor, need_id=need_id, action="approve", note=note)


@router.post("/{need_id}/reject", summary="退回修改（须填写原因）")
def reject_need(session: SessionDep, actor: Officials, need_id: PathId, body: ReviewNote) -> NeedPublic:
    return service.change_need_state(session=session, actor=actor, need_id=need_id, action="reject", note=body.note)


@router.post("/{need_id}/withdraw", summary="撤回需求")
def withdraw_need(session: SessionDep, actor: Poster, need_id: PathId) -> NeedPublic:
    return service.change_need_state(session=session, actor=actor, need_id=need_id, action="withdraw")
