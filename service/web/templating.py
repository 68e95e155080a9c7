"""Jinja2 set-up for the pages: autoescaping, filters for the domain's codes, and one `render` helper."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from service import clock
from service.config import get_settings
from service.models import Account
from service.reference import district_name, districts, fields
from service.vocab import ROLE_LABELS, STATE_LABELS, VISIT_DONE_LABEL, NeedStatus, VisitStatus
from service.web.session import csrf_token
from service.web.text import NAV, NOTICES, SITE_TITLE

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
# Autoescape everything: user text (a need titled "<script>…") is always shown as text.
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True))

_MARK_ONLY = re.compile(r"</?mark>")


def field_name(code: str | None) -> str:
    if not code:
        return ""
    found = fields().get(code)
    return found.name if found else code


# vocab.STATE_LABELS has one key "open" for both needs (征集中) and concerns (办理中); pages tell them apart.
_NEED_OPEN_LABEL = "征集中"
_CONCERN_LABELS = {"open": "办理中", "answered": "已答复", "closed": "已办结"}


def need_state(status: str) -> str:
    return _NEED_OPEN_LABEL if status == NeedStatus.open else STATE_LABELS.get(status, status)


def concern_state(status: str) -> str:
    return _CONCERN_LABELS.get(status, status)


def visit_state(status: str) -> str:
    return VISIT_DONE_LABEL if status == VisitStatus.done else STATE_LABELS.get(status, status)


def badge_class(status: str) -> str:
    """A colour family per state: waiting, active, finished, stopped."""
    if status in (NeedStatus.submitted, VisitStatus.proposed, "open_concern"):
        return "badge-wait"
    if status in (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service, VisitStatus.accepted):
        return "badge-active"
    if status in (VisitStatus.scheduled, VisitStatus.done):
        return "badge-active"
    if status in (NeedStatus.done, VisitStatus.confirmed, "answered", "closed"):
        return "badge-done"
    return "badge-stop"


def marked(text: str | None) -> Markup:
    """Search highlights: HTML-escaped text with <mark> tags; anything else is escaped again to be safe."""
    if not text:
        return Markup("")
    if "<" in _MARK_ONLY.sub("", text):
        return Markup(escape(text))
    return Markup(text)


def cn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.city_date(value)
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime | None) -> str:
    """A stored instant as the city's date and time: 2026年12月1日 18:05."""
    if value is None:
        return ""
    moment = clock.stored_instant(value).astimezone(clock.CHINA_TIME)
    return f"{cn_date(moment.date())} {moment:%H:%M}"


def figure(value: object) -> str:
    """A report cell: a dash for a missing figure, whole numbers without decimals, others to two places."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


templates.env.filters.update(
    district=district_name,
    field=field_name,
    need_state=need_state,
    concern_state=concern_state,
    visit_state=visit_state,
    badge=badge_class,
    marked=marked,
    cn_date=cn_date,
    cn_datetime=cn_datetime,
    figure=figure,
)
templates.env.globals.update(
    SITE_TITLE=SITE_TITLE,
    ROLE_LABELS=ROLE_LABELS,
    all_districts=districts,
    all_fields=fields,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    account: Account | None = None,
    status_code: int = 200,
    csrf: str | None = None,
) -> HTMLResponse:
    """A page from `name`, with the header's account, the role's navigation, the CSRF token and any notice."""
    notice = NOTICES.get(request.query_params.get("msg", ""))
    base: dict[str, Any] = {
        "account": account,
        "nav": NAV.get(account.role, []) if account else [],
        "csrf": csrf if csrf is not None else csrf_token(request),
        "notice": notice,
        "current_path": request.url.path,
        "is_production": get_settings().environment == "production",
    }
    # Every page is answered Cache-Control: no-store (service.app.NoStore): the back button after a form asks the
    # server again instead of showing a volunteer button that is gone, and nothing personal stays in the cache.
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)
