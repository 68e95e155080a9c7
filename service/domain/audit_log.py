"""Reading the 操作记录 (written by `service.audit`): the city's whole log, and one need's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from service import clock
from service.audit import ACTION_LABELS, ENTITY_LABELS
from service.domain.common import checked_period
from service.errors import InvalidInput
from service.messages import FIELD_LABELS
from service.models import AuditEvent, Expert, Visit
from service.models.audit import AuditEventPublic
from service.reference import district_name, fields
from service.vocab import CONCERN_STATE_LABELS, NEED_STATE_LABELS, ROLE_LABELS, VISIT_STATE_LABELS

#: a field's name where the catalogue's shared label would mislead (标题/职称), by entity then field
_LABELS: dict[str, dict[str, str]] = {
    "need": {"title": "需求标题", "status": "状态", "unit_id": "发布单位"},
    "expert": {"title": "职称", "status": "在库状态", "name": "姓名"},
    "visit": {"status": "状态", "origin": "来源", "campaign_id": "匹配活动", "score": "匹配度", "year": "服务年度"},
    "campaign": {"name": "活动名称", "status": "状态", "last_run": "匹配结果", "need_ids": "所选需求"},
    "account": {"token_version": "登录会话", "password_hash": "密码"},
    "concern": {"status": "状态", "content": "诉求内容"},
    "liaison": {"kept_from_last_year": "延续上年"},
}
_GENERIC = {"name": "名称", "status": "状态", "district": "区县", "title": "标题"}
_STATES = {"need": NEED_STATE_LABELS, "visit": VISIT_STATE_LABELS, "concern": CONCERN_STATE_LABELS}
_CAMPAIGN_STATES = {"draft": "方案编制中", "published": "已发布"}
#: the most events one .xlsx holds (newest first)
EXPORT_ROWS = 50_000
#: the name under which the changes made with no account (the system, `zhiqiao user …`) are listed
SYSTEM = "系统"
EXPORT_HEADERS = ["时间", "操作账号", "账号类型", "操作", "记录类型", "记录编号", "记录", "改动", "请求编号"]


@dataclass(frozen=True)
class AuditFilters:
    entity: str | None = None
    entity_id: int | None = None
    username: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def check(self) -> None:
        if self.entity is not None and self.entity not in ENTITY_LABELS:
            raise InvalidInput(f"记录类型应为：{'、'.join(ENTITY_LABELS)}")
        if self.action is not None and self.action not in ACTION_LABELS:
            raise InvalidInput(f"操作应为：{'、'.join(ACTION_LABELS)}")
        checked_period(self.date_from, self.date_to)


def field_label(entity: str, name: str) -> str:
    return _LABELS.get(entity, {}).get(name) or _GENERIC.get(name) or FIELD_LABELS.get(name, name)


def _shown(entity: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "status":
        labels = _CAMPAIGN_STATES if entity == "campaign" else _STATES.get(entity, {})
        return labels.get(value, str(value))
    if name == "district":
        return district_name(value) or str(value)
    if name == "field":
        known = fields().get(value)
        return known.name if known is not None else str(value)
    if name == "role":
        return ROLE_LABELS.get(value, str(value))
    return str(value)


def summary_of(event: AuditEvent) -> list[str]:
    """The changes in words, one line per field: 状态：待审核 → 征集中; 联系电话：已修改 (value not kept)."""
    lines = []
    for name, (old, new) in event.changes.items():
        label = field_label(event.entity, name)
        if old is None and new is None:
            lines.append(f"{label}：{'已填写' if event.action == 'create' else '已修改'}")
        elif event.action == "create":
            lines.append(f"{label}：{_shown(event.entity, name, new)}")
        else:
            lines.append(f"{label}：{_shown(event.entity, name, old)} → {_shown(event.entity, name, new)}")
    return lines


def public(event: AuditEvent) -> AuditEventPublic:
    return AuditEventPublic(
        id=event.id or 0,
        at=clock.stored_instant(event.at),
        account_id=event.account_id,
        username=event.username or SYSTEM,
        role=event.role,
        role_label=ROLE_LABELS.get(event.role, "系统（命令行或后台任务）" if not event.username else ""),
        action=event.action,
        action_label=ACTION_LABELS.get(event.action, event.action),
        entity=event.entity,
        entity_label=ENTITY_LABELS.get(event.entity, event.entity),
        entity_id=event.entity_id,
        label=event.label,
        changes=event.changes,
        summary=summary_of(event),
        request_id=event.request_id,
    )


def _matching(filters: AuditFilters) -> SelectOfScalar[AuditEvent]:
    filters.check()
    statement = select(AuditEvent)
    if filters.entity is not None:
        statement = statement.where(AuditEvent.entity == filters.entity)
    if filters.entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == filters.entity_id)
    if filters.username:
        name = filters.username.strip()
        # the changes made with no account are listed as 系统, and found by that name too
        names = [name, ""] if name == SYSTEM else [name]
        statement = statement.where(col(AuditEvent.username).in_(names))
    if filters.action is not None:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.date_from is not None:
        statement = statement.where(col(AuditEvent.at) >= clock.day_start(filters.date_from))
    if filters.date_to is not None:
        statement = statement.where(col(AuditEvent.at) < clock.day_start(filters.date_to + timedelta(days=1)))
    return statement


def list_events(session: Session, filters: AuditFilters, limit: int, offset: int) -> tuple[list[AuditEventPublic], int]:
    """The log, newest first (city officials: `service/api/audit.py` guards it)."""
    statement = _matching(filters)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(statement.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)).all()
    return [public(e) for e in rows], int(total)


def export_rows(session: Session, filters: AuditFilters) -> tuple[list[str], list[list[Any]]]:
    """The sheet of the .xlsx: the newest `EXPORT_ROWS` events the filters select, one row each."""
    statement = _matching(filters).order_by(col(AuditEvent.id).desc()).limit(EXPORT_ROWS)
    rows = []
    for event in session.exec(statement):
        shown = public(event)
        rows.append(
            [
                shown.at,
                shown.username,
                shown.role_label,
                shown.action_label,
                shown.entity_label,
                shown.entity_id,
                shown.label,
                "；".join(shown.summary),
                shown.request_id,
            ]
        )
    return EXPORT_HEADERS, rows


def need_history(session: Session, need_id: int, limit: int = 100) -> list[AuditEventPublic]:
    """What was done to a need and to its visits, newest first (the need page of an official who may see it)."""
    visit_ids = list(session.exec(select(Visit.id).where(Visit.need_id == need_id)).all())
    where: ColumnElement[bool] = (col(AuditEvent.entity) == "need") & (col(AuditEvent.entity_id) == need_id)
    if visit_ids:
        where = or_(where, (col(AuditEvent.entity) == "visit") & col(AuditEvent.entity_id).in_(visit_ids))
    rows = session.exec(select(AuditEvent).where(where).order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    experts = dict(
        session.exec(
            select(Visit.id, Expert.name)
            .join(Expert, col(Expert.id) == Visit.expert_id)
            .where(Visit.need_id == need_id)
        ).all()
    )
    events = [public(e) for e in rows]
    # on the need's page a visit is its expert's, by name
    return [
        e.model_copy(update={"label": f"专家{experts[e.entity_id]}"})
        if e.entity == "visit" and e.entity_id in experts
        else e
        for e in events
    ]
