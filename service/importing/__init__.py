"""Importing rosters from Excel (.xlsx) and CSV: experts, units and needs, with Chinese column headers.

`import_file` is the one entry point: read → map the header → check each row (the API's Create models and
validators) → plan against the database → apply the good rows in one transaction, or nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from service.importing.apply import apply_plan
from service.importing.catalogue import MAX_LISTED_REJECTIONS, MAX_UPLOAD_BYTES, ImportKind
from service.importing.planner import ImportPlan, OnRow, plan_import
from service.importing.reader import read_grid
from service.importing.report import BadHeader, BadUpload, FileTooLarge, ImportAborted, ImportReport, RejectedRow
from service.importing.table import Table, build_table
from service.models import Account

__all__ = [
    "MAX_LISTED_REJECTIONS",
    "MAX_UPLOAD_BYTES",
    "BadHeader",
    "BadUpload",
    "FileTooLarge",
    "ImportAborted",
    "ImportKind",
    "ImportPlan",
    "ImportReport",
    "RejectedRow",
    "apply_plan",
    "import_file",
    "plan_file",
    "plan_import",
    "read_table",
]


def read_table(content: bytes, filename: str, kind: ImportKind) -> Table:
    """The data rows of an uploaded file (BadUpload / BadHeader when the file as a whole is unusable)."""
    return build_table(read_grid(content, filename), kind)


def plan_file(
    *,
    session: Session,
    actor: Account,
    kind: ImportKind,
    content: bytes,
    filename: str,
    on_row: OnRow | None = None,
) -> ImportPlan:
    """What importing the file would do, without writing anything."""
    return plan_import(session, actor, read_table(content, filename, kind), on_row=on_row)


def import_file(
    *,
    session: Session,
    actor: Account,
    kind: ImportKind,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    on_row: OnRow | None = None,
    list_limit: int | None = MAX_LISTED_REJECTIONS,
) -> ImportReport:
    """Import one file as `actor`; with `dry_run` only check it. Raises ImportAborted if the write fails.

    The report lists at most `list_limit` rejected rows (the first ones; its count covers all of them), so that a
    file with thousands of bad rows does not answer with a body of many megabytes; None lists all.
    """
    plan = plan_file(session=session, actor=actor, kind=kind, content=content, filename=filename, on_row=on_row)
    if dry_run:
        session.rollback()
        return plan.report(dry_run=True, list_limit=list_limit)
    return apply_plan(session, plan, list_limit=list_limit)
