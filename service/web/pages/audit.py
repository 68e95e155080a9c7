"""操作记录 page (city officials): who changed which record, when, filtered and paged."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from sqlmodel import Field, SQLModel

from service.api.deps import SessionDep
from service.audit import ACTION_LABELS, ENTITY_LABELS, ActionName, EntityName
from service.domain import audit_log
from service.errors import AppError
from service.models import Account
from service.models.common import MAX_RECORD_ID
from service.vocab import Role
from service.web.forms import FormState, parse_into
from service.web.routing import PageRoute
from service.web.session import page_guard
from service.web.templating import render

router = APIRouter(prefix="/official/audit", route_class=PageRoute, include_in_schema=False)
CityAccount = Annotated[Account, page_guard(Role.city_official)]
PAGE_SIZE = 50
LABELS = {
    "entity": "记录类型",
    "entity_id": "记录编号",
    "username": "操作账号",
    "action": "操作",
    "date_from": "起始日期",
    "date_to": "截止日期",
}
#: where a record of each kind is shown to a city official
RECORD_PAGES = {"need": "/official/needs/{}", "campaign": "/official/campaigns/{}"}


class AuditQuery(SQLModel):
    entity: EntityName | None = None
    entity_id: int | None = Field(default=None, ge=1, le=MAX_RECORD_ID)
    username: str | None = Field(default=None, max_length=50)
    action: ActionName | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get("")
def audit_page(
    request: Request,
    session: SessionDep,
    account: CityAccount,
    entity: str = "",
    entity_id: str = "",
    username: str = "",
    action: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
) -> Response:
    typed = {
        "entity": entity,
        "entity_id": entity_id,
        "username": username,
        "action": action,
        "date_from": date_from,
        "date_to": date_to,
    }
    form = FormState(values=typed)
    query = parse_into(AuditQuery, typed, form, labels=LABELS)
    page = max(page, 1)
    events: list[object] = []
    total = 0
    if query is not None:
        filters = audit_log.AuditFilters(
            query.entity, query.entity_id, query.username, query.action, query.date_from, query.date_to
        )
        try:
            rows, total = audit_log.list_events(session, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            events = list(rows)
        except AppError as error:
            form.add("date_to", error.message)
    kept = urlencode({k: v for k, v in typed.items() if v})
    return render(
        request,
        "official/audit.html",
        {
            "form": form,
            "labels": LABELS,
            "events": events,
            "total": total,
            "page": page,
            "pages": -(-total // PAGE_SIZE),
            "pager_base": f"/official/audit?{kept}&" if kept else "/official/audit?",
            "export_url": f"/api/v1/audit.xlsx?{kept}" if kept else "/api/v1/audit.xlsx",
            "entities": ENTITY_LABELS,
            "actions": ACTION_LABELS,
            "record_pages": RECORD_PAGES,
        },
        account=account,
        status_code=200 if form.ok else 422,
    )
