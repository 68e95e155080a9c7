"""/api/v1/visits"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from service.api.deps import SessionDep, guard
from service.api.paging import IdFilter, Limit, Offset, PathId, Sort, YearFilter
from service.domain import visits as service
from service.models import Account
from service.models.common import Page
from service.models.visit import (
    ServiceRecord,
    VisitCreate,
    VisitDecline,
    VisitPublic,
    VisitRating,
    VisitReturn,
    VisitSchedule,
)
from service.vocab import Role

router = APIRouter(prefix="/visits", tags=["visits 服务"])
Anyone = Annotated[Account, guard(Role.unit, Role.expert, Role.district_official, Role.city_official)]
Proposer = Annotated[Account, guard(Role.expert, Role.district_official, Role.city_official)]
ExpertOnly = Annotated[Account, guard(Role.expert)]
UnitOnly = Annotated[Account, guard(Role.unit)]
Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]


@router.get("", summary="服务列表")
def list_visits(
    session: SessionDep,
    viewer: Anyone,
    status: str | None = None,
    need_id: IdFilter = None,
    expert_id: IdFilter = None,
    campaign_id: IdFilter = None,
    year: YearFilter = None,
    district: str | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[VisitPublic]:
    filters = service.VisitFilters(status, need_id, expert_id, campaign_id, year, district)
    rows, total = service.list_visits(
        session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort=sort
    )
    return Page(data=rows, count=total)


@router.post("", status_code=201, summary="安排专家（组织部门），或专家自荐")
def propose_visit(session: SessionDep, actor: Proposer, body: VisitCreate) -> VisitPublic:
    return service.propose_visit(session=session, actor=actor, need_id=body.need_id, expert_id=body.expert_id)


@router.get("/{visit_id}", summary="服务详情")
def get_visit(session: SessionDep, viewer: Anyone, visit_id: PathId) -> VisitPublic:
    return service.get_visit(session=session, viewer=viewer, visit_id=visit_id)


@router.post("/{visit_id}/accept", summary="专家接受（占用本年度服务名额）")
def accept_visit(session: SessionDep, actor: ExpertOnly, visit_id: PathId) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="accept")


@router.post("/{visit_id}/decline", summary="专家婉拒（须填写原因）")
def decline_visit(session: SessionDep, actor: ExpertOnly, visit_id: PathId, body: VisitDecline) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="decline", reason=body.reason)


@router.post("/{visit_id}/schedule", summary="排期")
def schedule_visit(session: SessionDep, actor: Proposer, visit_id: PathId, body: VisitSchedule) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="schedule", schedule=body)


@router.post("/{visit_id}/record", summary="填写服务记录")
def record_visit(session: SessionDep, actor: Proposer, visit_id: PathId, body: ServiceRecord) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="record", record=body)


@router.post("/{visit_id}/confirm", summary="单位确认服务并评价")
def confirm_visit(session: SessionDep, actor: UnitOnly, visit_id: PathId, body: VisitRating) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="confirm", rating=body)


@router.post("/{visit_id}/return", summary="单位退回服务记录（须写明原因；服务回到已排期或已接受，记录保留待更正）")
def return_visit(session: SessionDep, actor: UnitOnly, visit_id: PathId, body: VisitReturn) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="return", reason=body.reason)


@router.post("/{visit_id}/cancel", summary="取消服务")
def cancel_visit(session: SessionDep, actor: Officials, visit_id: PathId) -> VisitPublic:
    return service.act_on_visit(session=session, actor=actor, visit_id=visit_id, action="cancel")
