"""Writing a plan: every accepted row in ONE transaction, search outbox included; all or nothing."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel

from service import audit
from service.domain.common import apply_update, enqueue_index
from service.importing import catalogue
from service.importing.catalogue import ImportKind
from service.importing.planner import ImportPlan, PlannedChange
from service.importing.report import ImportAborted, ImportReport
from service.models import Expert, Need, OutboxEntry, Unit
from service.models.common import utcnow

logger = logging.getLogger("zhiqiao.importing")

_TABLES: dict[ImportKind, type[SQLModel]] = {
    ImportKind.experts: Expert,
    ImportKind.units: Unit,
    ImportKind.needs: Need,
}
#: The search index each kind feeds (units are not indexed on their own).
_INDEXES: dict[ImportKind, str] = {ImportKind.experts: "experts", ImportKind.needs: "needs"}
#: Rows written per flush: a database error is then located to a range of rows.
FLUSH_ROWS = 200


class _RecordGone(Exception):
    def __init__(self, row: int) -> None:
        self.row = row


def apply_plan(session: Session, plan: ImportPlan, *, list_limit: int | None = None) -> ImportReport:
    """Write `plan` and commit; on any database error roll everything back and raise ImportAborted.

    The report lists at most `list_limit` rejected rows (None: all; see ImportPlan.report)."""
    table = _TABLES[plan.kind]
    index_name = _INDEXES.get(plan.kind)
    writes = [c for c in plan.changes if c.record_id is None or c.values]
    first, last = (writes[0].row, writes[-1].row) if writes else (0, 0)
    try:
        for start in range(0, len(writes), FLUSH_ROWS):
            batch = writes[start : start + FLUSH_ROWS]
            first, last = batch[0].row, batch[-1].row
            created_ids = _insert(session, table, [c.values for c in batch if c.record_id is None])
            with session.no_autoflush:
                updated = [_update(session, table, c) for c in batch if c.record_id is not None]
            session.flush()
            if index_name is not None:
                _enqueue_created(session, index_name, created_ids)
                for record in updated:
                    enqueue_index(session, index_name, record)
        first, last = (writes[0].row, writes[-1].row) if writes else (0, 0)
        session.commit()
    except _RecordGone as gone:
        session.rollback()
        raise ImportAborted(catalogue.aborted_record_gone(gone.row, plan.kind)) from None
    except IntegrityError as error:
        session.rollback()
        logger.warning("import of %s aborted at rows %d-%d: %s", plan.kind, first, last, error.orig)
        raise ImportAborted(catalogue.aborted_integrity(first, last)) from None
    except SQLAlchemyError as error:
        session.rollback()
        logger.exception("import of %s failed at rows %d-%d", plan.kind, first, last)
        raise ImportAborted(catalogue.aborted_database(first, last)) from error
    return plan.report(dry_run=False, list_limit=list_limit)


def _insert(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """New records in one ORM bulk INSERT (column defaults apply); their ids, in the order of `rows`.

    Thousands of rows: building one ORM object per row would cost more than the whole rest of the import.
    """
    if not rows:
        return []
    primary_key = table.id  # type: ignore[attr-defined]
    statement = insert(table).returning(primary_key, sort_by_parameter_order=True)
    ids = [int(i) for i in session.scalars(statement, rows)]
    audit.record_created(session, table, rows, ids)  # the ORM's flush, which records the updates, never saw these
    return ids


def _enqueue_created(session: Session, index_name: str, record_ids: list[int]) -> None:
    """The outbox rows `enqueue_index` would write, for records inserted in bulk (same transaction)."""
    if record_ids:
        session.execute(insert(OutboxEntry), [{"index_name": index_name, "record_id": i} for i in record_ids])


def _update(session: Session, table: type[SQLModel], change: PlannedChange) -> Any:
    record = session.get(table, change.record_id)
    if record is None:
        raise _RecordGone(change.row)
    apply_update(record, change.values)
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()  # type: ignore[attr-defined]
    if hasattr(record, "version"):
        record.version += 1  # type: ignore[attr-defined]  # a form opened before the import is refused, not saved over it
    session.add(record)
    return record
