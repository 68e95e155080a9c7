"""/api/v1/experts"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import AnyAccount, SessionDep, guard
from service.api.paging import Limit, Offset, PathId, Sort
from service.domain import experts as service
from service.models import Account
from service.models.common import Page
from service.models.expert import ExpertCreate, ExpertPublic, ExpertUpdate
from service.vocab import Role

router = APIRouter(prefix="/experts", tags=["experts 专家"])

Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]
OfficialsOrLeader = Annotated[Account, guard(Role.district_official, Role.city_official, Role.leader)]
OfficialsOrExpert = Annotated[Account, guard(Role.district_official, Role.city_official, Role.expert)]


@router.get("", summary="专家列表（组织部门；市领导仅见所联系专家）")
def list_experts(
    session: SessionDep,
    viewer: OfficialsOrLeader,
    district: str | None = None,
    field: str | None = None,
    status: str | None = None,
    title_level: str | None = None,
    talent_tier: str | None = None,
    available: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[ExpertPublic]:
    filters = service.ExpertFilters(district, field, status, title_level, talent_tier, available, q)
    rows, total = service.list_experts(
        session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort=sort
    )
    return Page(data=rows, count=total)


@router.post("", status_code=201, summary="新增专家")
def create_expert(session: SessionDep, actor: Officials, body: ExpertCreate) -> ExpertPublic:
    return service.create_expert(session=session, actor=actor, data=body)


@router.get("/{expert_id}", summary="专家详情（个人信息按权限脱敏）")
def get_expert(session: SessionDep, viewer: AnyAccount, expert_id: PathId) -> ExpertPublic:
    return service.get_expert(session=session, viewer=viewer, expert_id=expert_id)


@router.patch("/{expert_id}", summary="修改专家信息（组织部门；专家本人可改部分信息）")
def update_expert(session: SessionDep, actor: OfficialsOrExpert, expert_id: PathId, body: ExpertUpdate) -> ExpertPublic:
    return service.update_expert(session=session, actor=actor, expert_id=expert_id, data=body)
