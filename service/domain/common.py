"""Helpers shared by the service functions: fetching, paging and sorting, the search outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import String, cast, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.db import in_batches
from service.errors import Conflict, InvalidInput, NotFound
from service.messages import FIELD_LABELS
from service.models import OutboxEntry, Visit
from service.models.common import MAX_RECORD_ID
from service.validation import blank_as_none
from service.vocab import VISIT_HOLDS_PLACE

M = TypeVar("M", bound=SQLModel)

_LABELS = {
    "Expert": "专家",
    "Unit": "单位",
    "Need": "需求",
    "Visit": "服务",
    "Leader": "领导",
    "Liaison": "联系关系",
    "Contact": "联系记录",
    "Concern": "诉求",
    "Account": "账号",
    "Campaign": "活动",
}


def get_or_404(session: Session, model: type[M], record_id: int) -> M:
    """The record with this id, or NotFound (also for ids no row can have, which some drivers cannot bind)."""
    record = session.get(model, record_id) if 0 < record_id <= MAX_RECORD_ID else None
    if record is None:
        raise NotFound(f"{_LABELS.get(model.__name__, '记录')} {record_id} 不存在")
    return record


def get_for_update(session: Session, model: type[M], record_id: int) -> M:
    """The record with this id read afresh and locked until the transaction ends, or NotFound.

    Two requests that change the same record (or the places under it) take turns: the second waits here for
    the first to commit, then reads what it wrote (PostgreSQL, READ COMMITTED: SELECT ... FOR UPDATE). On SQLite
    the app's transactions already take turns (BEGIN IMMEDIATE, `service.db`) and FOR UPDATE is left out.
    Values the session read before are replaced by the row's current ones (`populate_existing`).

    Writers lock in one order, so that two of them never wait for each other: a campaign, then its needs (by
    id), a unit, then a need, then its visits, then an expert; a leader, then an expert or a liaison; a liaison,
    then a contact; a concern alone."""
    if not 0 < record_id <= MAX_RECORD_ID:
        raise NotFound(f"{_LABELS.get(model.__name__, '记录')} {record_id} 不存在")
    key = getattr(model, "id")  # noqa: B009 - every table has an integer id; the generic type does not say so
    statement = select(model).where(key == record_id).with_for_update().execution_options(populate_existing=True)
    record = session.exec(statement).first()
    if record is None:
        raise NotFound(f"{_LABELS.get(model.__name__, '记录')} {record_id} 不存在")
    return record


def check_version(record: Any, expected: int | None, what: str) -> None:
    """Refuse an edit made from an older version of `record` (`expected`, the version the editor read; None: not
    checked): two people editing it at once would otherwise each save over the other's changes unseen."""
    current = getattr(record, "version", None)
    if expected is not None and current != expected:
        raise Conflict(
            f"该{what}在您编辑期间已被他人修改（您编辑的是第 {expected} 版，当前为第 {current} 版），"
            "为免覆盖对方的修改，本次未保存。请刷新页面，查看最新内容后重新修改"
        )


def paginate(
    session: Session,
    statement: SelectOfScalar[M],
    *,
    limit: int,
    offset: int,
    sort: str | None,
    sortable: Mapping[str, Any],
    default_sort: str,
) -> tuple[list[M], int]:
    """One page of `statement` and the total count; `sort` is a column name, `-name` for descending."""
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    key = sort or default_sort
    column = sortable.get(key.lstrip("-"))
    if column is None:
        raise InvalidInput(f"不支持按“{key}”排序，可选：{'、'.join(sortable)}")
    order = column.desc() if key.startswith("-") else column.asc()
    tie_break = next(iter(sortable.values()))
    rows = session.exec(statement.order_by(order, tie_break).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def enqueue_index(session: Session, index_name: str, record: SQLModel) -> None:
    """Record, in the caller's transaction, that `record` must be re-indexed (or removed) in search."""
    if getattr(record, "id", None) is None:
        session.flush()
    record_id = getattr(record, "id", None)
    assert record_id is not None, "a flushed record has an id"
    session.add(OutboxEntry(index_name=index_name, record_id=int(record_id)))


def apply_update(record: SQLModel, changes: Mapping[str, Any]) -> None:
    """Copy a PATCH's `changes` onto `record`; a null for a column that must hold a value is refused (422)."""
    table = getattr(type(record), "__table__", None)
    if table is not None:
        for key, value in changes.items():
            column = table.columns.get(key)
            if value is None and column is not None and not column.nullable:
                raise InvalidInput(f"{FIELD_LABELS.get(key, key)}不能为空")
    for key, value in changes.items():
        setattr(record, key, value)


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """`column` holds `text` as typed: LIKE's wildcards % and _ in it match themselves, not everything."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return col(column).like(f"%{escaped}%", escape="\\")


def json_list_contains(column: Any, value: str) -> ColumnElement[bool]:
    """`value` is an element of the JSON list of strings in `column` (portable: SQLite and PostgreSQL)."""
    escaped = value.replace("\\", "").replace('"', "").replace("%", "").replace("_", "")
    return cast(column, String).like(f'%"{escaped}"%')


def checked_filter(check: Callable[[str | None], str | None], value: str | None) -> str | None:
    """A list filter's value through the check its field has on input (a district's name read as its code, a
    status or a choice of the vocabulary): "" or None is no filter; a value the check refuses answers 422 with
    its message, instead of an empty list that looks like "nothing there"."""
    try:
        return blank_as_none(check)(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from error


def checked_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("筛选的结束日期不能早于开始日期")


def names_by_id(session: Session, key: Any, value: Any, ids: Iterable[int]) -> dict[int, Any]:
    """`value` of the rows whose `key` (an id column) is in `ids`, by id: one query per `IN_BATCH` ids, where a
    lookup per row (`session.get`) would send one each."""
    out: dict[int, Any] = {}
    for batch in in_batches(ids):
        out.update((int(i), v) for i, v in session.exec(select(key, value).where(key.in_(batch))))
    return out


def place_counts(session: Session, key: Any, ids: Iterable[int], *conditions: Any) -> dict[int, int]:
    """How many visits hold a place (accepted and on), grouped by `key` (Visit.need_id: a need's places taken;
    Visit.expert_id with a year condition: an expert's places used), for the `ids` that have any."""
    out: dict[int, int] = {}
    for batch in in_batches(ids):
        statement = (
            select(key, func.count())
            .where(key.in_(batch), col(Visit.status).in_(VISIT_HOLDS_PLACE), *conditions)
            .group_by(key)
        )
        out.update((int(i), int(n)) for i, n in session.exec(statement))
    return out
