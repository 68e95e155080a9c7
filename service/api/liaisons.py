"""/api/v1/leaders, /liaisons, /contacts, /concerns — 领导干部联系专家."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from service.api.deps import CityOfficial, SessionDep, guard
from service.api.paging import IdFilter, Limit, Offset, PathId, Sort, YearFilter
from service.domain import liaisons as service
from service.models import Account
from service.models.common import Page
from service.models.leader import (
    ConcernAssign,
    ConcernCreate,
    ConcernPublic,
    ConcernRate,
    ConcernReply,
    ContactCreate,
    ContactPublic,
    LeaderCreate,
    LeaderPublic,
    LeaderUpdate,
    LiaisonCreate,
    LiaisonPublic,
    LiaisonUpdate,
)
from service.vocab import Role

router = APIRouter(tags=["liaisons 领导干部联系专家"])
CityOrLeader = Annotated[Account, guard(Role.city_official, Role.leader)]
CityLeaderExpert = Annotated[Account, guard(Role.city_official, Role.leader, Role.expert)]
ExpertOnly = Annotated[Account, guard(Role.expert)]


@router.get("/leaders", summary="领导列表")
def list_leaders(
    session: SessionDep,
    viewer: CityOrLeader,
    rank: str | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[LeaderPublic]:
    rows, total = service.list_leaders(session=session, viewer=viewer, rank=rank, limit=limit, offset=offset, sort=sort)
    return Page(data=rows, count=total)


@router.post("/leaders", status_code=201, summary="新增领导")
def create_leader(session: SessionDep, actor: CityOfficial, body: LeaderCreate) -> LeaderPublic:
    return service.create_leader(session=session, actor=actor, data=body)


@router.get("/leaders/{leader_id}", summary="领导详情")
def get_leader(session: SessionDep, viewer: CityOrLeader, leader_id: PathId) -> LeaderPublic:
    return service.get_leader(session=session, viewer=viewer, leader_id=leader_id)


@router.patch("/leaders/{leader_id}", summary="修改领导信息")
def update_leader(session: SessionDep, actor: CityOfficial, leader_id: PathId, body: LeaderUpdate) -> LeaderPublic:
    return service.update_leader(session=session, actor=actor, leader_id=leader_id, data=body)


@router.get("/liaisons", summary="联系关系（含超期未联系标记）")
def list_liaisons(
    session: SessionDep,
    viewer: CityLeaderExpert,
    year: YearFilter = None,
    leader_id: IdFilter = None,
    overdue: bool | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[LiaisonPublic]:
    rows, total = service.list_liaisons(
        session=session,
        viewer=viewer,
        year=year,
        leader_id=leader_id,
        overdue=overdue,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return Page(data=rows, count=total)


@router.post("/liaisons", status_code=201, summary="确定领导联系专家")
def create_liaison(session: SessionDep, actor: CityOfficial, body: LiaisonCreate) -> LiaisonPublic:
    return service.create_liaison(session=session, actor=actor, data=body)


@router.get("/liaisons/{liaison_id}", summary="联系关系详情")
def get_liaison(session: SessionDep, viewer: CityLeaderExpert, liaison_id: PathId) -> LiaisonPublic:
    return service.get_liaison(session=session, viewer=viewer, liaison_id=liaison_id)


@router.patch("/liaisons/{liaison_id}", summary="停用或确认联系关系")
def update_liaison(session: SessionDep, actor: CityOfficial, liaison_id: PathId, body: LiaisonUpdate) -> LiaisonPublic:
    return service.update_liaison(session=session, actor=actor, liaison_id=liaison_id, data=body)


@router.get("/contacts", summary="联系记录")
def list_contacts(
    session: SessionDep,
    viewer: CityLeaderExpert,
    liaison_id: IdFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[ContactPublic]:
    rows, total = service.list_contacts(
        session=session, viewer=viewer, liaison_id=liaison_id, limit=limit, offset=offset, sort=sort
    )
    return Page(data=rows, count=total)


@router.post("/contacts", status_code=201, summary="记录一次联系（走访慰问、交流座谈等）")
def log_contact(session: SessionDep, actor: CityOrLeader, body: ContactCreate) -> ContactPublic:
    return service.log_contact(session=session, actor=actor, data=body)


@router.get("/contacts/{contact_id}", summary="联系记录详情")
def get_contact(session: SessionDep, viewer: CityLeaderExpert, contact_id: PathId) -> ContactPublic:
    return service.get_contact(session=session, viewer=viewer, contact_id=contact_id)


@router.get("/concerns", summary="专家诉求（含超期标记）")
def list_concerns(
    session: SessionDep,
    viewer: CityLeaderExpert,
    status: str | None = None,
    department: str | None = None,
    overdue: bool | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[ConcernPublic]:
    rows, total = service.list_concerns(
        session=session,
        viewer=viewer,
        status=status,
        department=department,
        overdue=overdue,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return Page(data=rows, count=total)


@router.post("/concerns", status_code=201, summary="登记专家在联系中提出的诉求")
def raise_concern(session: SessionDep, actor: CityOrLeader, body: ConcernCreate) -> ConcernPublic:
    return service.raise_concern(session=session, actor=actor, data=body)


@router.get("/concerns/{concern_id}", summary="诉求详情")
def get_concern(session: SessionDep, viewer: CityLeaderExpert, concern_id: PathId) -> ConcernPublic:
    return service.get_concern(session=session, viewer=viewer, concern_id=concern_id)


@router.post("/concerns/{concern_id}/assign", summary="转办承办部门")
def assign_concern(session: SessionDep, actor: CityOfficial, concern_id: PathId, body: ConcernAssign) -> ConcernPublic:
    return service.assign_concern(session=session, actor=actor, concern_id=concern_id, data=body)


@router.post("/concerns/{concern_id}/reply", summary="答复诉求")
def reply_concern(session: SessionDep, actor: CityOfficial, concern_id: PathId, body: ConcernReply) -> ConcernPublic:
    return service.reply_concern(session=session, actor=actor, concern_id=concern_id, data=body)


@router.post("/concerns/{concern_id}/rate", summary="专家评价答复")
def rate_concern(session: SessionDep, actor: ExpertOnly, concern_id: PathId, body: ConcernRate) -> ConcernPublic:
    return service.rate_concern(session=session, actor=actor, concern_id=concern_id, data=body)
