"""The 考核问效 reports page: per district, per handling department and per leader, with the .xlsx links.

The tables are drawn from the same sheet rows as the Excel exports (`reports.district_sheet` and its siblings),
so the page and the downloaded workbook always show the same figures under the same headers.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlmodel import Field, SQLModel

from service import clock
from service.api.deps import SessionDep
from service.domain import reports
from service.models import Account
from service.validation import check_district
from service.vocab import Role
from service.web.forms import FormState, parse_into
from service.web.routing import PageRoute
from service.web.session import page_guard
from service.web.templating import render

router = APIRouter(prefix="/official/reports", route_class=PageRoute, include_in_schema=False)
OfficialAccount = Annotated[Account, page_guard(Role.district_official, Role.city_official)]

EXPORTS = "/api/v1/reports"


class ReportYear(SQLModel):
    """The year a report covers, within the range the reports API accepts."""

    year: int = Field(ge=2000, le=2100)


def export_links(year: int, district: str | None) -> dict[str, str]:
    """The .xlsx download of each table, for the same year and district (the page cookie signs the API in)."""
    query = urlencode({"year": year, **({"district": district} if district else {})})
    return {name: f"{EXPORTS}/{name}.xlsx?{query}" for name in ("districts", "departments", "liaisons")}


@router.get("")
def report_page(
    request: Request, session: SessionDep, account: OfficialAccount, year: str = "", district: str = ""
) -> Response:
    """The three tables for a year; the city may narrow them to one district."""
    form = FormState(values={"year": year or str(clock.today().year), "district": district})
    chosen = parse_into(ReportYear, form.values, form, labels={"year": "年度"})
    code: str | None = None
    if district and account.role == Role.city_official:
        try:
            code = check_district(district)
        except ValueError as error:
            form.add("district", str(error))
    year_shown = chosen.year if chosen is not None else clock.today().year  # a bad year: this year's, flagged
    by_district = reports.district_report(session=session, viewer=account, year=year_shown, district=code)
    by_department = reports.department_report(session=session, viewer=account, year=year_shown, district=code)
    by_leader = reports.liaison_report(session=session, viewer=account, year=year_shown, district=code)
    return render(
        request,
        "official/reports.html",
        {
            "form": form,
            "year": year_shown,
            "district": code,
            "can_filter_district": account.role == Role.city_official,
            "tables": [
                ("districts", "分区县统计", reports.DISTRICT_HEADERS, reports.district_sheet(by_district)),
                (
                    "departments",
                    "诉求办理（分承办部门）",
                    reports.DEPARTMENT_HEADERS,
                    reports.department_sheet(by_department),
                ),
                ("liaisons", "领导联系专家", reports.LIAISON_HEADERS, reports.liaison_sheet(by_leader)),
            ],
            "since": by_leader.since,
            "exports": export_links(year_shown, code),
        },
        account=account,
        status_code=200 if form.ok else 422,
    )
