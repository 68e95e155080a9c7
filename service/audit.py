"""操作记录 (留痕): who created, changed or deleted which record, when, and what changed.

Every flush of the ORM passes through one `after_flush` listener (`install`, done when `service.db` is
imported), which writes one `AuditEvent` per audited record in the same transaction: a change that is rolled back
leaves no record of itself, and no change is stored without one. Who acted comes from the request (the account the
API or page guard admitted, `act_as`) or the command line (`acting`); changes with neither are the system's.

What is kept of a change: each changed field with its old and new value, except personal data (phones, ID
numbers, birth years, password hashes), long texts and lists, of which only the fact that they changed is kept:
the log never holds what only some may see. Rows written in bulk without the ORM (an import's inserts) are
recorded by their writer through `record_created`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction, class_mapper
from sqlalchemy.orm.base import NO_VALUE

from service.logging_setup import current_request_id, scrub
from service.models.account import Account
from service.models.audit import AuditEvent
from service.models.campaign import Campaign
from service.models.expert import Expert
from service.models.leader import Concern, Contact, Leader, Liaison
from service.models.need import Need, Unit
from service.models.visit import Visit


@dataclass(frozen=True)
class Actor:
    account_id: int | None
    username: str
    role: str


#: entity key and its Chinese name, by table
ENTITIES: dict[type, tuple[str, str]] = {
    Need: ("need", "需求"),
    Unit: ("unit", "单位"),
    Expert: ("expert", "专家"),
    Visit: ("visit", "服务"),
    Campaign: ("campaign", "匹配活动"),
    Account: ("account", "账号"),
    Leader: ("leader", "市领导"),
    Liaison: ("liaison", "联系关系"),
    Contact: ("contact", "联系记录"),
    Concern: ("concern", "诉求"),
}
ENTITY_LABELS: dict[str, str] = dict(ENTITIES.values())
ACTION_LABELS = {"create": "新建", "update": "修改", "delete": "删除"}
#: the record types and actions a filter of the log may name (the API's and the page's)
EntityName = Literal[
    "need", "unit", "expert", "visit", "campaign", "account", "leader", "liaison", "contact", "concern"
]
ActionName = Literal["create", "update", "delete"]

#: values never kept: personal data and secrets (only the fact that they changed)
PERSONAL = frozenset({"phone", "id_number", "contact_phone", "assistant_phone", "password_hash", "birth_year"})
#: bookkeeping that every write moves
IGNORED = frozenset({"id", "created_at", "updated_at", "version"})
#: longer strings are kept as "changed" only
LONGEST_KEPT = 60

_actor: ContextVar[Actor | None] = ContextVar("zhiqiao_audit_actor", default=None)
_paused: ContextVar[bool] = ContextVar("zhiqiao_audit_paused", default=False)


def act_as(account: Account | None) -> None:
    """The account of the request under way (called by the API's and the pages' guard)."""
    if account is not None:
        _actor.set(Actor(account.id, account.username, str(account.role)))


@contextmanager
def acting(account: Account | None) -> Iterator[None]:
    """Within the block, changes are the account's (a command run with --account); None: the system's."""
    token = _actor.set(Actor(account.id, account.username, str(account.role)) if account is not None else None)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def paused() -> Iterator[None]:
    """Within the block nothing is recorded: the demo loader's thousands of invented records."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


#: the field that names a record of these tables (the others are named by what they link)
NAME_FIELDS: dict[type, str] = {
    Need: "title",
    Campaign: "name",
    Unit: "name",
    Expert: "name",
    Leader: "name",
    Account: "username",
}


def _label(record: Any) -> str:
    name_field = NAME_FIELDS.get(type(record))
    if name_field is not None:
        text = getattr(record, name_field, "")
    elif isinstance(record, Visit):
        text = f"需求{record.need_id}·专家{record.expert_id}"
    elif isinstance(record, Liaison):
        text = f"领导{record.leader_id}·专家{record.expert_id}·{record.year}年"
    else:  # a contact or a concern
        text = f"联系关系{record.liaison_id}"
    return scrub(str(text or ""))[:100]


def _kept(value: Any) -> tuple[bool, Any]:
    """(whether the value is kept, its JSON form)."""
    if value is None or isinstance(value, bool | int | float):
        return True, value
    if isinstance(value, Enum):
        return True, value.value
    if isinstance(value, datetime | date):
        return True, value.isoformat()
    if isinstance(value, str):
        return len(value) <= LONGEST_KEPT, scrub(value)  # a number typed into a title is masked, as in the logs
    return False, None


def _pair(name: str, old: Any, new: Any) -> list[Any]:
    if name in PERSONAL:
        return [None, None]
    kept_old, old_json = _kept(old)
    kept_new, new_json = _kept(new)
    return [old_json, new_json] if kept_old and kept_new else [None, None]


def _set_on_create(name: str, value: Any) -> bool:
    """Whether a new record's field is listed: given a value, and not bookkeeping."""
    return name not in IGNORED and value not in (None, "", [], {})


def _created(record: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name in _columns(type(record)):
        value = getattr(record, name, None)
        if _set_on_create(name, value):
            out[name] = _pair(name, None, value)
    return out


def _updated(record: Any) -> dict[str, list[Any]]:
    # `committed_state` holds the loaded value of each attribute changed since (read once per changed field,
    # where asking every column for its history cost the flush of an import of 2,000 rows as much again)
    state = inspect(record)
    columns = _columns(type(record))
    out: dict[str, list[Any]] = {}
    changed = state.committed_state
    for name in columns:
        if name in IGNORED or name not in changed:
            continue
        old = None if changed[name] is NO_VALUE else changed[name]
        new = state.dict.get(name)
        if old == new and name not in PERSONAL:
            continue
        out[name] = _pair(name, old, new)
    return out


_COLUMNS: dict[type, tuple[str, ...]] = {}


def _columns(model: type) -> tuple[str, ...]:
    """The table's columns in their declared order (the order a record's changes are listed in)."""
    known = _COLUMNS.get(model)
    if known is None:
        known = _COLUMNS[model] = tuple(attr.key for attr in class_mapper(model).column_attrs)
    return known


def _row(
    action: str, model: type, record_id: int, label: str, changes: dict[str, list[Any]], actor: Actor | None
) -> dict[str, Any]:
    return {
        "account_id": actor.account_id if actor else None,
        "username": actor.username if actor else "",
        "role": actor.role if actor else "",
        "action": action,
        "entity": ENTITIES[model][0],
        "entity_id": record_id,
        "label": label,
        "changes": changes,
        "request_id": _request_id(),
    }


def _event(action: str, record: Any, changes: dict[str, list[Any]], actor: Actor | None) -> dict[str, Any]:
    return _row(action, type(record), int(record.id), _label(record), changes, actor)


def _request_id() -> str:
    value = current_request_id()
    return "" if value == "-" else value[:40]


def _after_flush(session: OrmSession, _context: UOWTransaction) -> None:
    if _paused.get():
        return
    actor = _actor.get()
    rows: list[dict[str, Any]] = []
    for record in session.new:
        if type(record) in ENTITIES:
            rows.append(_event("create", record, _created(record), actor))
    deleted = session.deleted
    for record in session.dirty:
        if type(record) in ENTITIES and record not in deleted:
            changes = _updated(record)
            if changes:
                rows.append(_event("update", record, changes, actor))
    for record in deleted:
        if type(record) in ENTITIES:
            rows.append(_event("delete", record, {}, actor))
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def record_created(session: OrmSession, model: type, rows: Sequence[dict[str, Any]], ids: Sequence[int]) -> None:
    """Audit records inserted in bulk without the ORM (`rows` their values, `ids` their new ids, in order)."""
    if _paused.get() or model not in ENTITIES or not ids:
        return
    actor = _actor.get()
    events = [
        _row(
            "create",
            model,
            record_id,
            scrub(str(values.get(NAME_FIELDS.get(model, ""), "") or ""))[:100],
            {name: _pair(name, None, value) for name, value in values.items() if _set_on_create(name, value)},
            actor,
        )
        for values, record_id in zip(rows, ids, strict=True)
    ]
    session.connection().execute(insert(AuditEvent), events)


def install() -> None:
    """Listen to every ORM session's flushes (once; `service.db`, through which every session gets its engine,
    does it as it is imported)."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
