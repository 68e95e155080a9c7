"""/api/v1/units"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import Officials, SessionDep, guard
from service.api.paging import Limit, Offset, PathId, Sort
from service.domain import units as service
from service.models import Account
from service.models.common import Page
from service.models.need import UnitCreate, UnitPublic, UnitUpdate
from service.vocab import Role

router = APIRouter(prefix="/units", tags=["units 基层单位"])
OfficialsOrUnit = Annotated[Account, guard(Role.district_official, Role.city_official, Role.unit)]


@router.get("", summary="单位列表")
def list_units(
    session: SessionDep,
    viewer: Officials,
    district: str | None = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    sort: Sort = None,
) -> Page[UnitPublic]:
    rows, total = service.list_units(
        session=session,
        viewer=viewer,
        district=district,
        kind=kind,
        q=q,
        limit=limit,
        offset=offset,
        sort=sort,
    )
    return Page(data=rows, count=total)


@router.post("", status_code=201, summary="新增单位")
def create_unit(session: SessionDep, actor: Officials, body: UnitCreate) -> UnitPublic:
    return service.create_unit(session=session, actor=actor, data=body)


@router.get("/{unit_id}", summary="单位详情")
def get_unit(session: SessionDep, viewer: OfficialsOrUnit, unit_id: PathId) -> UnitPublic:
    return service.get_unit(session=session, viewer=viewer, unit_id=unit_id)


@router.patch("/{unit_id}", summary="修改单位信息")
def update_unit(session: SessionDep, actor: OfficialsOrUnit, unit_id: PathId, body: UnitUpdate) -> UnitPublic:
    return service.update_unit(session=session, actor=actor, unit_id=unit_id, data=body)
