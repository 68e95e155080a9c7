"""Reading the 操作记录 (written by `service.audit`): the city's whole log, and one need's history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from service import clock
from service.audit import ACTION_LABELS, ENTITY_LABELS
from service.db import IN_BATCH
from service.domain.common import checked_period
from service.errors import InvalidInput
from service.messages import FIELD_LABELS
from service.models import AuditEvent, Concern, Contact, Expert, Leader, Liaison, Need, Visit
from service.models.audit import AuditEventPublic
from service.reference import district_name, fields
from service.vocab import CONCERN_STATE_LABELS, NEED_STATE_LABELS, ROLE_LABELS, VISIT_STATE_LABELS

#: a field's name where the catalogue's shared label would mislead (标题/职称), by entity then field
_LABELS: dict[str, dict[str, str]] = {
    "need": {"title": "需求标题", "status": "状态", "unit_id": "发布单位"},
    "expert": {"title": "职称", "status": "在库状态", "name": "姓名"},
    "visit": {
        "status": "状态",
        "origin": "来源",
        "campaign_id": "匹配活动",
        "score": "匹配度",
        "year": "服务年度",
        "accepted_at": "接受时间",
        "confirmed_at": "确认时间",
        "decline_reason": "婉拒原因",
        "returned_reason": "退回原因",
        "technologies": "推广的技术",
        "problems_solved": "解决问题数",
    },
    "campaign": {
        "name": "活动名称",
        "status": "状态",
        "last_run": "匹配结果",
        "last_run_at": "最近匹配时间",
        "published_at": "发布时间",
        "need_ids": "所选需求",
        "expert_ids": "所选专家",
    },
    "account": {"token_version": "登录会话", "password_hash": "密码"},
    "concern": {"status": "状态", "content": "诉求内容", "raised_on": "提出日期", "replied_on": "答复日期"},
    "liaison": {"kept_from_last_year": "延续上年", "score": "匹配度"},
}
#: a date or an instant as the log keeps it (ISO text)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$")
#: fields the event's own columns already say (the account that created the record is the event's 操作账号)
_UNSHOWN = {"campaign": {"created_by"}}
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


def _instant(value: str) -> str:
    """A stored instant (ISO text with its offset) as the city's date and time: 2026年12月2日 03:06; a date as
    2026年5月1日; other text as it is."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) == 10:  # a date
        return f"{moment.year}年{moment.month}月{moment.day}日"
    moment = clock.stored_instant(moment).astimezone(clock.CHINA_TIME)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def _shown(entity: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and _ISO.match(value):
        return _instant(value)
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
        if name in _UNSHOWN.get(event.entity, ()):
            continue
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
        statement = statement.where(col(AuditEvent.at) < clock.day_end(filters.date_to))
    return statement


def _pair_names(session: Session, liaison_ids: set[int]) -> dict[int, str]:
    """领导·专家 of each liaison pair, by the pair's id."""
    if not liaison_ids:
        return {}
    rows = session.exec(
        select(Liaison.id, Leader.name, Expert.name, Liaison.year)
        .join(Leader, col(Leader.id) == Liaison.leader_id)
        .join(Expert, col(Expert.id) == Liaison.expert_id)
        .where(col(Liaison.id).in_(liaison_ids))
    ).all()
    return {int(pair_id or 0): f"{leader}·{expert}·{year}年" for pair_id, leader, expert, year in rows}


def _named(session: Session, events: list[AuditEventPublic]) -> list[AuditEventPublic]:
    """A visit's, pair's, contact's or concern's label by the names of what it joins (需求标题·专家, 领导·专家·年度)
    instead of the ids the log keeps (需求5·专家16); a record since deleted keeps the stored label."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        wanted.setdefault(e.entity, set()).add(e.entity_id)
    names: dict[tuple[str, int], str] = {}
    if wanted.get("visit"):
        for visit_id, title, expert in session.exec(
            select(Visit.id, Need.title, Expert.name)
            .join(Need, col(Need.id) == Visit.need_id)
            .join(Expert, col(Expert.id) == Visit.expert_id)
            .where(col(Visit.id).in_(wanted["visit"]))
        ).all():
            names["visit", int(visit_id or 0)] = f"{title}·{expert}"
    pair_of: dict[tuple[str, int], int] = {}
    if wanted.get("contact"):
        for contact_id, liaison_id in session.exec(
            select(Contact.id, Contact.liaison_id).where(col(Contact.id).in_(wanted["contact"]))
        ).all():
            pair_of["contact", int(contact_id or 0)] = liaison_id
    if wanted.get("concern"):
        for concern_id, liaison_id in session.exec(
            select(Concern.id, Concern.liaison_id).where(col(Concern.id).in_(wanted["concern"]))
        ).all():
            pair_of["concern", int(concern_id or 0)] = liaison_id
    pairs = _pair_names(session, wanted.get("liaison", set()) | set(pair_of.values()))
    names.update({("liaison", pair_id): name for pair_id, name in pairs.items()})
    names.update({key: pairs[pair_id] for key, pair_id in pair_of.items() if pair_id in pairs})
    return [
        e.model_copy(update={"label": names[e.entity, e.entity_id]}) if (e.entity, e.entity_id) in names else e
        for e in events
    ]


def list_events(session: Session, filters: AuditFilters, limit: int, offset: int) -> tuple[list[AuditEventPublic], int]:
    """The log, newest first (city officials: `service/api/audit.py` guards it)."""
    statement = _matching(filters)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(statement.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)).all()
    return _named(session, [public(e) for e in rows]), int(total)


def export_rows(session: Session, filters: AuditFilters) -> tuple[list[str], list[list[Any]]]:
    """The sheet of the .xlsx: the newest `EXPORT_ROWS` events the filters select, one row each."""
    statement = _matching(filters).order_by(col(AuditEvent.id).desc()).limit(EXPORT_ROWS)
    rows = []
    events = [public(event) for event in session.exec(statement)]
    # named IN_BATCH at a time, so that no query carries more ids than a database takes
    named = [
        shown
        for start in range(0, len(events), IN_BATCH)
        for shown in _named(session, events[start : start + IN_BATCH])
    ]
    for shown in named:
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
