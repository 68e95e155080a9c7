"""/api/v1/audit — 操作记录: who created, changed or deleted which record, when (city officials)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from service import clock, exporting
from service.api.deps import CityOfficial, SessionDep
from service.api.paging import IdFilter, Limit, Offset
from service.audit import ActionName, EntityName
from service.domain import audit_log as service
from service.errors import ERROR_RESPONSES
from service.models.audit import AuditEventPublic
from service.models.common import Page

router = APIRouter(prefix="/audit", tags=["audit 操作记录"])


async def _filters(
    entity: Annotated[EntityName | None, Query(description="记录类型")] = None,
    entity_id: IdFilter = None,
    username: Annotated[str | None, Query(max_length=50, description="操作账号")] = None,
    action: Annotated[ActionName | None, Query(description="操作")] = None,
    date_from: Annotated[date | None, Query(description="起始日期（含）")] = None,
    date_to: Annotated[date | None, Query(description="截止日期（含）")] = None,
) -> service.AuditFilters:
    """The filters the list and its .xlsx take, read the same way for both."""
    return service.AuditFilters(entity, entity_id, username, action, date_from, date_to)


Filters = Annotated[service.AuditFilters, Depends(_filters)]


@router.get("", summary="操作记录（新的在前；市委组织部）")
def list_events(
    session: SessionDep, viewer: CityOfficial, filters: Filters, limit: Limit = 50, offset: Offset = 0
) -> Page[AuditEventPublic]:
    rows, total = service.list_events(session, filters, limit, offset)
    return Page(data=rows, count=total)


@router.get(
    ".xlsx",
    summary=f"操作记录导出为 Excel（筛选同列表，新的在前，至多 {service.EXPORT_ROWS} 条）",
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "Excel 工作簿（.xlsx），文件名见 Content-Disposition",
            "content": {exporting.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
def export_events(session: SessionDep, viewer: CityOfficial, filters: Filters) -> Response:
    content = exporting.rows_to_xlsx("操作记录", *service.export_rows(session, filters))
    filename = f"操作记录_{clock.today():%Y%m%d}.xlsx"
    headers = {"Content-Disposition": exporting.content_disposition(filename)}
    return Response(content=content, media_type=exporting.XLSX_MEDIA_TYPE, headers=headers)
