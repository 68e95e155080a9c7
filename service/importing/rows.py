"""Each data row checked by the same Create models and validators as the API, errors named by column."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import SQLModel

from service.importing import catalogue, cells
from service.importing.catalogue import ImportKind
from service.importing.report import RejectedRow
from service.importing.table import Table, TableRow
from service.messages import humanize
from service.models.expert import ExpertCreate
from service.models.need import NeedCreate, UnitCreate
from service.reference import field_codes_by_name, fields

Converter = Callable[[Any, str], Any]


def _text(value: Any, _header: str) -> Any:
    return cells.text(value)


def _integer(value: Any, _header: str) -> Any:
    return cells.integer(value)


def _birth_year(value: Any, _header: str) -> Any:
    return cells.birth_year(value)


def _field_items(value: Any, _header: str) -> Any:
    names_with_separators = [f.name for f in fields().values() if cells.has_separator(f.name)]
    return cells.items(value, whole=names_with_separators)


def _party(value: Any, _header: str) -> Any:
    return cells.party_member(value)


def _day(value: Any, header: str) -> Any:
    return cells.day(value, header)


def _digits(value: Any, header: str) -> Any:
    return cells.digits(value, header)


def _need_field(value: Any, header: str) -> Any:
    """A need's one 领域 as its code: the model's column holds codes (10 characters), and our exports write the
    name, which may be longer (环境科学技术及资源科学技术)."""
    raw = cells.text(value)
    if raw is None or raw in fields():
        return raw
    code = field_codes_by_name().get(raw)
    if code is None:
        raise cells.CellError(catalogue.unknown_field(header, raw))
    return code


_CONVERTERS: dict[ImportKind, dict[str, Converter]] = {
    ImportKind.experts: {
        "birth_year": _birth_year,
        "yearly_capacity": _integer,
        "fields": _field_items,
        "party_member": _party,
        "phone": _digits,
        "id_number": _digits,
    },
    ImportKind.units: {"contact_phone": _digits},
    ImportKind.needs: {
        "wanted_from": _day,
        "wanted_to": _day,
        "experts_wanted": _integer,
        "field": _need_field,
        "contact_phone": _digits,
    },
}
_MODELS: dict[ImportKind, type[SQLModel]] = {
    ImportKind.experts: ExpertCreate,
    ImportKind.units: UnitCreate,
    ImportKind.needs: NeedCreate,
}
#: Personal data: a blank or masked cell never erases what the database holds.
_PERSONAL = frozenset({"phone", "id_number", "contact_phone"})
#: Columns read beside the model: the need's unit (by name) and its workflow state.
_BESIDE_MODEL = frozenset({"unit_name", "status"})

NEED_STATE_BY_TEXT: dict[str, str] = {
    **{code: code for code in catalogue.NEED_STATE_LABELS},
    **{label: code for code, label in catalogue.NEED_STATE_LABELS.items()},
}


@dataclass
class ParsedRow:
    """A row that passed the field checks; the planner still decides create, update or reject."""

    number: int
    model: Any  # ExpertCreate | UnitCreate | NeedCreate
    update_fields: frozenset[str]
    masked: dict[str, str] = field(default_factory=dict)
    unit_name: str | None = None
    need_status: str | None = None


def parse_rows(table: Table) -> Iterator[ParsedRow | RejectedRow]:
    """Every data row of `table` as a ParsedRow, or a RejectedRow naming the column and the reason."""
    for row in table.rows:
        if row.problem:
            yield RejectedRow(row=row.number, reason=row.problem)
            continue
        yield _parse(table, row)


def _parse(table: Table, row: TableRow) -> ParsedRow | RejectedRow:
    kind = table.kind
    converters = _CONVERTERS[kind]
    problems: list[tuple[str | None, str]] = []
    data: dict[str, Any] = {}
    masked: dict[str, str] = {}
    skip_update: set[str] = set()
    need_status: str | None = None
    unit_name: str | None = None
    for name, raw in row.values.items():
        header = table.headers[name]
        error = cells.excel_error(raw)
        if error is not None:
            problems.append((header, catalogue.formula_error(header, error)))
            continue
        if name in _PERSONAL and (cells.text(raw) is None or cells.is_masked(raw)):
            skip_update.add(name)
            if cells.is_masked(raw):
                masked[name] = cells.text(raw) or ""
            continue
        if kind == ImportKind.needs and name == "unit_name":
            unit_name = cells.text(raw)
            if unit_name is None:
                problems.append((header, f"{header}不能为空"))
            continue
        if kind == ImportKind.needs and name == "status":
            need_status, problem = _need_status(raw)
            if problem:
                problems.append((header, problem))
            continue
        try:
            value = converters.get(name, _text)(raw, header)
        except cells.CellError as error:
            problems.append((header, str(error)))
            continue
        if value is not None:
            data[name] = value
    model: Any = None
    try:
        model = _MODELS[kind].model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            loc = detail.get("loc") or ()
            label = _header_of(table, str(loc[0])) if loc else None
            problems.append((label, humanize({**detail, "loc": (label,)} if label else detail)))
    if problems:
        reasons = "；".join(dict.fromkeys(message for _, message in problems))
        return RejectedRow(row=row.number, reason=reasons, column=problems[0][0])
    update_fields = frozenset(table.present - skip_update - _BESIDE_MODEL)
    return ParsedRow(row.number, model, update_fields, masked, unit_name, need_status)


def _need_status(raw: Any) -> tuple[str | None, str | None]:
    value = cells.text(raw)
    if value is None:
        return None, None
    code = NEED_STATE_BY_TEXT.get(value)
    if code is None:
        return None, catalogue.unknown_need_state(value, list(catalogue.NEED_STATE_LABELS.values()))
    return code, None


def _header_of(table: Table, field_name: str) -> str | None:
    """The file's header for a field, or ours when the file has no such column."""
    if field_name in table.headers:
        return table.headers[field_name]
    return next((c.header for c in catalogue.COLUMNS[table.kind] if c.field == field_name), None)
