"""/api/v1/exports: lists as Excel workbooks, with the list endpoints' filters and the same masking."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service import exporting
from service.api.deps import SessionDep, guard
from service.api.paging import IdFilter, YearFilter
from service.domain import experts as expert_service
from service.domain import needs as need_service
from service.domain import visits as visit_service
from service.errors import ERROR_RESPONSES
from service.importing.catalogue import ExportKind
from service.models import Account
from service.vocab import Role

router = APIRouter(prefix="/exports", tags=["exports 导出"])
Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]

XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {
        "description": "Excel 工作簿（.xlsx），文件名见 Content-Disposition",
        "content": {exporting.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
}
Q = Annotated[str | None, Query(max_length=100)]


def _download(kind: ExportKind, content: bytes) -> Response:
    headers = {"Content-Disposition": exporting.content_disposition(exporting.download_name(kind))}
    return Response(content=content, media_type=exporting.XLSX_MEDIA_TYPE, headers=headers)


@router.get(
    "/experts.xlsx",
    summary="导出专家名单（联系电话、身份证号码按权限脱敏）",
    response_class=Response,
    responses=XLSX_RESPONSES,
)
def export_experts(
    session: SessionDep,
    viewer: Officials,
    district: str | None = None,
    field: str | None = None,
    status: str | None = None,
    title_level: str | None = None,
    talent_tier: str | None = None,
    available: bool | None = None,
    q: Q = None,
) -> Response:
    filters = expert_service.ExpertFilters(district, field, status, title_level, talent_tier, available, q)
    content = exporting.export_experts(session=session, viewer=viewer, filters=filters)
    return _download(ExportKind.experts, content)


@router.get("/units.xlsx", summary="导出基层单位名单", response_class=Response, responses=XLSX_RESPONSES)
def export_units(
    session: SessionDep, viewer: Officials, district: str | None = None, kind: str | None = None, q: Q = None
) -> Response:
    content = exporting.export_units(session=session, viewer=viewer, district=district, kind=kind, q=q)
    return _download(ExportKind.units, content)


@router.get("/needs.xlsx", summary="导出需求清单", response_class=Response, responses=XLSX_RESPONSES)
def export_needs(
    session: SessionDep,
    viewer: Officials,
    district: str | None = None,
    field: str | None = None,
    status: str | None = None,
    service_type: str | None = None,
    unit_id: IdFilter = None,
    created_from: date | None = None,
    created_to: date | None = None,
    q: Q = None,
) -> Response:
    filters = need_service.NeedFilters(district, field, status, service_type, unit_id, created_from, created_to, q)
    content = exporting.export_needs(session=session, viewer=viewer, filters=filters)
    return _download(ExportKind.needs, content)


@router.get("/visits.xlsx", summary="导出服务记录", response_class=Response, responses=XLSX_RESPONSES)
def export_visits(
    session: SessionDep,
    viewer: Officials,
    status: str | None = None,
    need_id: IdFilter = None,
    expert_id: IdFilter = None,
    campaign_id: IdFilter = None,
    year: YearFilter = None,
    district: str | None = None,
) -> Response:
    filters = visit_service.VisitFilters(status, need_id, expert_id, campaign_id, year, district)
    content = exporting.export_visits(session=session, viewer=viewer, filters=filters)
    return _download(ExportKind.visits, content)
