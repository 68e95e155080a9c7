"""/api/v1/audit — 操作记录: who created, changed or deleted which record, when (city officials)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.api.deps import CityOfficial, SessionDep
from service.api.paging import IdFilter, Limit, Offset
from service.domain import audit_log as service
from service.models.audit import AuditEventPublic
from service.models.common import Page

router = APIRouter(prefix="/audit", tags=["audit 操作记录"])

Entity = Literal["need", "unit", "expert", "visit", "campaign", "account", "leader", "liaison", "contact", "concern"]
Action = Literal["create", "update", "delete"]


@router.get("", summary="操作记录（新的在前；市委组织部）")
def list_events(
    session: SessionDep,
    viewer: CityOfficial,
    entity: Annotated[Entity | None, Query(description="记录类型")] = None,
    entity_id: IdFilter = None,
    username: Annotated[str | None, Query(max_length=50, description="操作账号")] = None,
    action: Annotated[Action | None, Query(description="操作")] = None,
    date_from: Annotated[date | None, Query(description="起始日期（含）")] = None,
    date_to: Annotated[date | None, Query(description="截止日期（含）")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditEventPublic]:
    filters = service.AuditFilters(entity, entity_id, username, action, date_from, date_to)
    rows, total = service.list_events(session, filters, limit, offset)
    return Page(data=rows, count=total)
