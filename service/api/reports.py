"""/api/v1/reports — 考核问效: per district, per handling department, per leader; as JSON and as .xlsx."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from service import clock, exporting
from service.api.deps import SessionDep, guard
from service.domain import reports as service
from service.errors import ERROR_RESPONSES, InvalidInput
from service.models import Account
from service.reference import district_name
from service.validation import check_district
from service.vocab import Role

router = APIRouter(prefix="/reports", tags=["reports 考核问效"])
Officials = Annotated[Account, guard(Role.district_official, Role.city_official)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="省略为本年度")]
District = Annotated[str | None, Query(max_length=10, description="区县代码或名称；区县组织部门仅本辖区")]

XLSX_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {
        "description": "Excel 工作簿（.xlsx），文件名见 Content-Disposition",
        "content": {exporting.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
}


@dataclass(frozen=True)
class ReportScope:
    """The year and district (a code, or None for the whole city) a report covers."""

    year: int
    district: str | None


async def _scope(year: Year = None, district: District = None) -> ReportScope:
    """Read and check the two query parameters every report route takes, the same way for JSON and .xlsx."""
    try:
        code = check_district(district) if district else None
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    return ReportScope(year or clock.today().year, code)


Scope = Annotated[ReportScope, Depends(_scope)]


def _workbook(
    title: str, viewer: Account, scope: ReportScope, headers: list[str], rows: list[list[object]]
) -> Response:
    """A report as an .xlsx download, named after what it covers (a district official's is always their own)."""
    district = scope.district if viewer.role == Role.city_official else viewer.district
    place = district_name(district) if district else "全市"
    filename = f"{title}_{place}_{scope.year}年.xlsx"
    content = exporting.rows_to_xlsx(f"{title}{scope.year}", headers, rows)
    headers_out = {"Content-Disposition": exporting.content_disposition(filename)}
    return Response(content=content, media_type=exporting.XLSX_MEDIA_TYPE, headers=headers_out)


@router.get("/districts", summary="分区县统计：需求、有效服务、培训人数、评分、参与专家")
def district_report(session: SessionDep, viewer: Officials, scope: Scope) -> service.DistrictReport:
    return service.district_report(session=session, viewer=viewer, year=scope.year, district=scope.district)


@router.get("/departments", summary="分承办部门统计：诉求答复与按期情况")
def department_report(session: SessionDep, viewer: Officials, scope: Scope) -> service.DepartmentReport:
    return service.department_report(session=session, viewer=viewer, year=scope.year, district=scope.district)


@router.get("/liaisons", summary="分领导统计：联系专家与近期联系达标情况")
def liaison_report(session: SessionDep, viewer: Officials, scope: Scope) -> service.LiaisonReport:
    return service.liaison_report(session=session, viewer=viewer, year=scope.year, district=scope.district)


# Each workbook is its JSON twin's report laid out as rows; the twin is called as a plain function.
@router.get("/districts.xlsx", summary="导出分区县统计", response_class=Response, responses=XLSX_RESPONSES)
def district_workbook(session: SessionDep, viewer: Officials, scope: Scope) -> Response:
    rows = service.district_sheet(district_report(session, viewer, scope))
    return _workbook("分区县考核统计", viewer, scope, service.DISTRICT_HEADERS, rows)


@router.get("/departments.xlsx", summary="导出分承办部门统计", response_class=Response, responses=XLSX_RESPONSES)
def department_workbook(session: SessionDep, viewer: Officials, scope: Scope) -> Response:
    rows = service.department_sheet(department_report(session, viewer, scope))
    return _workbook("诉求办理统计", viewer, scope, service.DEPARTMENT_HEADERS, rows)


@router.get("/liaisons.xlsx", summary="导出分领导联系统计", response_class=Response, responses=XLSX_RESPONSES)
def liaison_workbook(session: SessionDep, viewer: Officials, scope: Scope) -> Response:
    rows = service.liaison_sheet(liaison_report(session, viewer, scope))
    return _workbook("领导联系专家统计", viewer, scope, service.LIAISON_HEADERS, rows)
