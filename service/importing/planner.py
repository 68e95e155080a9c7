"""Deciding, row by row, what a file would do: create, update (matched by natural key) or reject.

Natural keys: an expert by 身份证号码 when the row gives one, else by 姓名 + 工作单位; a unit by 单位名称;
a need by its unit and 需求标题. Nothing is written here: the plan is applied in one transaction by
`service.importing.apply`.

Only a city official's file is read for ID numbers. A district official sees ID numbers masked (first 6 + last
4) and the birth year, which leaves a few dozen candidates: if their import matched, checked or stored the
column, the answer (updated / created / refused / a unique clash on writing) would tell which candidate exists.
So their 身份证号码 column is dropped before any row is checked, with one fixed note, and their experts are
matched by 姓名 + 工作单位.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from service.domain.access import district_scope
from service.domain.experts import capacity_shortfall, places_taken_ahead
from service.domain.needs import TRANSITIONS
from service.importing import catalogue
from service.importing.catalogue import ImportKind
from service.importing.report import ImportReport, RejectedRow
from service.importing.rows import ParsedRow, parse_rows
from service.importing.table import Table
from service.models import Account, Expert, Need, Unit
from service.models.need import NeedBase
from service.reference import district_name
from service.validation import mask_id_number, mask_phone

M = TypeVar("M", bound=SQLModel)
#: Rows per IN (...) lookup: well under SQLite's bound-parameter limit.
_LOOKUP_CHUNK = 500
_NEED_FIELDS = frozenset(NeedBase.model_fields) | {"contact_phone"}

OnRow = Callable[[], None]


@dataclass
class PlannedChange:
    """One accepted row: a new record (`record_id` None, `values` complete) or the changed fields of one."""

    row: int
    record_id: int | None
    values: dict[str, Any]


@dataclass
class ImportPlan:
    kind: ImportKind
    total_rows: int
    changes: list[PlannedChange] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field → header as the file writes it
    notes: list[str] = field(default_factory=list)

    def report(self, *, dry_run: bool, list_limit: int | None = None) -> ImportReport:
        """The report this plan gives when applied (or, for a dry run, would give).

        `list_limit` bounds the rejected rows listed (the first ones by row number); the count covers all, and a
        note says how many were left out. None lists every one (the command line).
        """
        created = sum(1 for c in self.changes if c.record_id is None)
        rejected = sorted(self.rejected, key=lambda r: r.row)
        notes = list(self.notes)
        if list_limit is not None and len(rejected) > list_limit:
            notes.append(catalogue.rejections_not_listed(len(rejected), list_limit))
        return ImportReport(
            kind=self.kind,
            dry_run=dry_run,
            total_rows=self.total_rows,
            created=created,
            updated=len(self.changes) - created,
            rejected_count=len(rejected),
            rejected=rejected if list_limit is None else rejected[:list_limit],
            ignored_columns=self.ignored_columns,
            notes=notes,
        )


def plan_import(session: Session, actor: Account, table: Table, *, on_row: OnRow | None = None) -> ImportPlan:
    """Check every row of `table` against the file and the database, as `actor` (whose district limits it)."""
    notes: list[str] = list(table.notes)
    if table.kind == ImportKind.experts and district_scope(actor) is not None and "id_number" in table.headers:
        table = _without_column(table, "id_number")
        notes.append(catalogue.ID_NUMBER_NOT_READ)
    plan = ImportPlan(
        kind=table.kind,
        total_rows=len(table.rows),
        ignored_columns=table.ignored_columns,
        headers=table.headers,
        notes=notes,
    )
    parsed: list[ParsedRow] = []
    for outcome in parse_rows(table):
        if isinstance(outcome, RejectedRow):
            plan.rejected.append(outcome)
        else:
            parsed.append(outcome)
        if on_row is not None:
            on_row()
    planner = {
        ImportKind.experts: _plan_experts,
        ImportKind.units: _plan_units,
        ImportKind.needs: _plan_needs,
    }[table.kind]
    planner(session, actor, parsed, plan)
    plan.changes.sort(key=lambda c: c.row)
    return plan


def _without_column(table: Table, field_name: str) -> Table:
    """`table` as if the file had no column for `field_name`: its cells are never read, the field never
    updated; the column is listed among those not imported."""
    return replace(
        table,
        headers={f: h for f, h in table.headers.items() if f != field_name},
        rows=[replace(row, values={f: v for f, v in row.values.items() if f != field_name}) for row in table.rows],
        ignored_columns=[*table.ignored_columns, table.headers[field_name]],
    )


class _Scope:
    """A district official's limit: rows and existing records outside their district are refused."""

    def __init__(self, actor: Account) -> None:
        self.district = district_scope(actor)

    def refuse_row(self, district: str) -> str | None:
        if self.district is None or district == self.district:
            return None
        return catalogue.out_of_district(district_name(self.district), district_name(district))

    def refuse_record(self, district: str) -> str | None:
        if self.district is None or district == self.district:
            return None
        return catalogue.record_in_other_district(district_name(self.district), district_name(district))


class _Seen:
    """First occurrence of each natural key and of each existing record targeted, for duplicate reports."""

    def __init__(self) -> None:
        self.keys: dict[tuple[Any, ...], int] = {}
        self.records: dict[int, int] = {}

    def duplicate(self, key: tuple[Any, ...], label: str) -> str | None:
        first = self.keys.get(key)
        return catalogue.duplicate_in_file(first, label) if first is not None else None

    def same_record(self, record_id: int | None) -> str | None:
        first = self.records.get(record_id) if record_id is not None else None
        return catalogue.same_record_in_file(first) if first is not None else None

    def accept(self, key: tuple[Any, ...], record_id: int | None, row: int) -> None:
        self.keys[key] = row
        if record_id is not None:
            self.records[record_id] = row


def _fetch_in(session: Session, model: type[M], column: Any, values: Iterable[Any]) -> list[M]:
    wanted = sorted({v for v in values if v is not None}, key=str)
    found: list[M] = []
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.extend(session.exec(select(model).where(col(column).in_(chunk))).all())
    return found


def _changes(record: SQLModel, model: SQLModel, names: Iterable[str]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name in names:
        new = getattr(model, name)
        if getattr(record, name) != new:
            changed[name] = new
    return changed


def _reject(plan: ImportPlan, row: ParsedRow, reason: str, field_name: str | None = None) -> None:
    """Reject `row`; `field_name` names the offending column (shown with the file's own header)."""
    column = plan.headers.get(field_name) if field_name else None
    plan.rejected.append(RejectedRow(row=row.number, reason=reason, column=column))


# --- experts --------------------------------------------------------------------------------------------


def _plan_experts(session: Session, actor: Account, rows: Sequence[ParsedRow], plan: ImportPlan) -> None:
    by_id = {e.id_number: e for e in _fetch_in(session, Expert, Expert.id_number, (r.model.id_number for r in rows))}
    by_name: dict[tuple[str, str], list[Expert]] = {}
    for expert in sorted(_fetch_in(session, Expert, Expert.name, (r.model.name for r in rows)), key=_id):
        by_name.setdefault((expert.name, expert.employer), []).append(expert)
    scope, seen = _Scope(actor), _Seen()
    known = [*by_id.values(), *(e for namesakes in by_name.values() for e in namesakes)]
    places_taken = places_taken_ahead(session, {_id(e) for e in known}) if "yearly_capacity" in plan.headers else {}
    for row in rows:
        data = row.model
        refused = scope.refuse_row(data.district)
        if refused:
            _reject(plan, row, refused, "district")
            continue
        if data.id_number:
            key: tuple[Any, ...] = ("id", data.id_number)
            key_label = catalogue.KEY_ID_NUMBER
        else:
            key, key_label = ("name", data.name, data.employer), catalogue.KEY_NAME_EMPLOYER
        duplicate = seen.duplicate(key, key_label)
        if duplicate:
            _reject(plan, row, duplicate)
            continue
        existing = _match_expert(row, by_id, by_name.get((data.name, data.employer), []))
        if existing is None and "phone" in row.masked:
            _reject(plan, row, catalogue.MASKED_VALUE_FOR_NEW, "phone")
            continue
        if existing is None and "id_number" in row.masked:
            _reject(plan, row, catalogue.MASKED_VALUE_FOR_NEW, "id_number")
            continue
        refused = scope.refuse_record(existing.district) if existing is not None else None
        if refused:
            _reject(plan, row, refused)
            continue
        same = seen.same_record(_id(existing) if existing else None)
        if same:
            _reject(plan, row, same)
            continue
        if existing is None:
            seen.accept(key, None, row.number)
            plan.changes.append(PlannedChange(row.number, None, data.model_dump()))
            continue
        changes = _changes(existing, data, row.update_fields)
        if changes.get("yearly_capacity") is not None:
            short = capacity_shortfall(existing.name, changes["yearly_capacity"], places_taken.get(_id(existing), {}))
            if short:
                _reject(plan, row, short, "yearly_capacity")
                continue
        seen.accept(key, existing.id, row.number)
        plan.changes.append(PlannedChange(row.number, existing.id, changes))


def _id(record: Any) -> int:
    return int(record.id or 0)


def _match_expert(row: ParsedRow, by_id: dict[Any, Expert], namesakes: list[Expert]) -> Expert | None:
    """By ID number first; else the namesake at the same employer (whose masked numbers agree, if masked)."""
    data = row.model
    if data.id_number:
        found = by_id.get(data.id_number)
        if found is not None:
            return found
        # The roster may be adding ID numbers to experts registered without one.
        return next((e for e in namesakes if e.id_number is None), None)
    masked_id = row.masked.get("id_number")
    masked_phone = row.masked.get("phone")
    for expert in namesakes:
        if masked_id is not None and mask_id_number(expert.id_number) != masked_id:
            continue
        if masked_phone is not None and mask_phone(expert.phone) != masked_phone:
            continue
        return expert
    return None


# --- units ----------------------------------------------------------------------------------------------


def _plan_units(session: Session, actor: Account, rows: Sequence[ParsedRow], plan: ImportPlan) -> None:
    by_name = {u.name: u for u in _fetch_in(session, Unit, Unit.name, (r.model.name for r in rows))}
    scope, seen = _Scope(actor), _Seen()
    for row in rows:
        data = row.model
        refused = scope.refuse_row(data.district)
        if refused:
            _reject(plan, row, refused, "district")
            continue
        key = ("name", data.name)
        duplicate = seen.duplicate(key, catalogue.KEY_UNIT_NAME)
        if duplicate:
            _reject(plan, row, duplicate)
            continue
        existing = by_name.get(data.name)
        if existing is None and "contact_phone" in row.masked:
            _reject(plan, row, catalogue.MASKED_VALUE_FOR_NEW, "contact_phone")
            continue
        refused = scope.refuse_record(existing.district) if existing is not None else None
        if refused:
            _reject(plan, row, refused)
            continue
        seen.accept(key, existing.id if existing else None, row.number)
        if existing is None:
            plan.changes.append(PlannedChange(row.number, None, data.model_dump()))
        else:
            plan.changes.append(PlannedChange(row.number, existing.id, _changes(existing, data, row.update_fields)))


# --- needs ----------------------------------------------------------------------------------------------


def _plan_needs(session: Session, actor: Account, rows: Sequence[ParsedRow], plan: ImportPlan) -> None:
    units = {u.name: u for u in _fetch_in(session, Unit, Unit.name, (r.unit_name for r in rows))}
    existing_needs = {
        (n.unit_id, n.title): n for n in _fetch_in(session, Need, Need.unit_id, (u.id for u in units.values()))
    }
    importable = [catalogue.NEED_STATE_LABELS[s] for s in catalogue.IMPORTABLE_NEED_STATES]
    editable = {str(s) for s in TRANSITIONS["edit_by_official"]}
    scope, seen = _Scope(actor), _Seen()
    for row in rows:
        data = row.model
        unit = units.get(row.unit_name or "")
        if unit is None:
            _reject(plan, row, catalogue.unknown_unit(row.unit_name or ""), "unit_name")
            continue
        refused = scope.refuse_row(unit.district)
        if refused:
            _reject(plan, row, refused, "unit_name")
            continue
        key = ("need", unit.id, data.title)
        duplicate = seen.duplicate(key, catalogue.KEY_UNIT_TITLE)
        if duplicate:
            _reject(plan, row, duplicate)
            continue
        wanted = row.need_status
        existing = existing_needs.get((_id(unit), data.title))
        if existing is None and "contact_phone" in row.masked:
            _reject(plan, row, catalogue.MASKED_VALUE_FOR_NEW, "contact_phone")
            continue
        if existing is None:
            if wanted is not None and wanted not in catalogue.IMPORTABLE_NEED_STATES:
                _reject(
                    plan,
                    row,
                    catalogue.new_need_state_refused(catalogue.NEED_STATE_LABELS[wanted], importable),
                    "status",
                )
                continue
            values = {name: getattr(data, name) for name in _NEED_FIELDS}
            values |= {"unit_id": unit.id, "district": unit.district, "status": wanted or catalogue.NEW_NEED_STATE}
            seen.accept(key, None, row.number)
            plan.changes.append(PlannedChange(row.number, None, values))
            continue
        changes = _changes(existing, data, row.update_fields & _NEED_FIELDS)
        problem = _need_update_problem(existing, changes, wanted, editable)
        if problem:
            _reject(plan, row, *problem)
            continue
        if wanted is not None and wanted != existing.status:
            changes["status"] = wanted
        seen.accept(key, existing.id, row.number)
        plan.changes.append(PlannedChange(row.number, existing.id, changes))


def _need_update_problem(
    need: Need, changes: dict[str, Any], wanted: str | None, editable: set[str]
) -> tuple[str, str | None] | None:
    current = catalogue.NEED_STATE_LABELS.get(need.status, need.status)
    if wanted is not None and wanted != need.status:
        movable = catalogue.IMPORTABLE_NEED_STATES
        if need.status not in movable or wanted not in movable:
            return catalogue.need_state_change_refused(current, catalogue.NEED_STATE_LABELS[wanted]), "status"
    if changes and need.status not in editable:
        return catalogue.need_state_locked(current), None
    start = changes.get("wanted_from", need.wanted_from)
    end = changes.get("wanted_to", need.wanted_to)
    if start and end and end < start:
        return catalogue.PERIOD_OUT_OF_ORDER, "wanted_to"
    return None
