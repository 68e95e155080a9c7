"""Lists and reports as Excel workbooks (.xlsx) for officials: Chinese headers, frozen header row, real dates.

The expert, unit and need sheets use the import headers, so an exported file can be edited and imported
again (rows then update the records they came from). Personal data is masked by the same rules as the API
(`service.domain.access.expert_view`).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import Session, col, select

from service import clock
from service.domain import experts as expert_service
from service.domain import needs as need_service
from service.domain import units as unit_service
from service.domain import visits as visit_service
from service.importing import catalogue
from service.importing.catalogue import ExportKind
from service.models import Account, Need, Unit
from service.models.expert import ExpertPublic
from service.models.need import NeedPublic, UnitPublic
from service.models.visit import VisitPublic
from service.reference import district_name, fields
from service.vocab import need_state_label, visit_state_label

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PAGE = 500
_WIDTH_SAMPLE_ROWS = 2000
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def rows_to_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet named `title`: bold frozen header row, widths fitted to the text, dates formatted as dates."""
    materialised = [list(r) for r in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_column_widths(headers, materialised), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in materialised:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        # Control characters are not allowed in a worksheet; they carry nothing a reader needs.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            # officials read times in China Standard Time; Excel cells carry no time zone
            value = value.astimezone(clock.CHINA_TIME).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=datetime.combine(value, time.min))
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.startswith("="):
        # Text that looks like a formula stays text: a roster must not run formulas (formula injection).
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value).split("\n", 1)[0]
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(headers: Sequence[str], rows: list[list[Any]]) -> list[float]:
    widths = []
    for index, header in enumerate(headers):
        longest = max(
            [_display_width(header)] + [_display_width(r[index]) for r in rows[:_WIDTH_SAMPLE_ROWS] if index < len(r)]
        )
        widths.append(float(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)))
    return widths


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("_", title)[:31] or "Sheet1"


def download_name(kind: ExportKind, today: date | None = None) -> str:
    """专家名单_20240501.xlsx"""
    return f"{catalogue.EXPORT_TITLES[kind]}_{(today or clock.today()):%Y%m%d}.xlsx"


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987 `filename*`)."""
    ascii_name = filename.encode("ascii", "ignore").decode().strip("_") or "export.xlsx"
    if not ascii_name.endswith(".xlsx"):
        ascii_name = "export.xlsx"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- the sheets -----------------------------------------------------------------------------------------


def _field_names(codes: Iterable[str | None]) -> str:
    table = fields()
    return "、".join(table[c].name if c in table else str(c) for c in codes if c)


def _need_state(status: str) -> str:
    return need_state_label(status)


def _visit_state(status: str) -> str:
    return visit_state_label(status)


def _pages(fetch: Any) -> list[Any]:
    """Every row a paged list function returns, page by page (the list functions apply scope and masking)."""
    out: list[Any] = []
    offset = 0
    while True:
        rows, total = fetch(limit=_PAGE, offset=offset)
        out.extend(rows)
        offset += _PAGE
        if offset >= total or not rows:
            return out


def expert_rows(experts: Iterable[ExpertPublic]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the expert sheet (the import columns, then visits this year)."""
    headers = [c.header for c in catalogue.EXPERT_COLUMNS] + [catalogue.EXPERT_VISITS_THIS_YEAR]
    formatters: dict[str, Any] = {
        "fields": _field_names,
        "party_member": lambda v: catalogue.PARTY_MEMBER_LABEL if v else "",
        "district": district_name,
    }
    rows = []
    for expert in experts:
        row = [formatters.get(c.field, lambda v: v)(getattr(expert, c.field)) for c in catalogue.EXPERT_COLUMNS]
        rows.append([*row, expert.visits_this_year])
    return headers, rows


def unit_rows(units: Iterable[UnitPublic]) -> tuple[list[str], list[list[Any]]]:
    headers = [c.header for c in catalogue.UNIT_COLUMNS]
    rows = [
        [district_name(u.district) if c.field == "district" else getattr(u, c.field) for c in catalogue.UNIT_COLUMNS]
        for u in units
    ]
    return headers, rows


def need_rows(needs: Iterable[NeedPublic]) -> tuple[list[str], list[list[Any]]]:
    headers = [c.header for c in catalogue.NEED_COLUMNS] + [catalogue.NEED_DISTRICT, catalogue.CREATED_AT]
    rows = []
    for need in needs:
        values: dict[str, Any] = {
            **need.model_dump(),
            "field": _field_names([need.field]),
            "status": _need_state(need.status),
        }
        row = [values[c.field] for c in catalogue.NEED_COLUMNS]
        rows.append([*row, district_name(need.district), need.created_at])
    return headers, rows


def visit_rows(session: Session, visits: Sequence[VisitPublic]) -> tuple[list[str], list[list[Any]]]:
    need_ids = sorted({v.need_id for v in visits})
    where: dict[int, tuple[str, str]] = {}
    for start in range(0, len(need_ids), _PAGE):
        statement = (
            select(Need.id, Unit.name, Need.district)
            .join(Unit, Unit.id == Need.unit_id)  # type: ignore[arg-type]
            .where(col(Need.id).in_(need_ids[start : start + _PAGE]))
        )
        for need_id, unit_name, district in session.exec(statement):
            where[int(need_id or 0)] = (unit_name, district)
    rows = []
    for v in visits:
        unit_name, district = where.get(v.need_id, ("", ""))
        rows.append(
            [
                v.need_title,
                unit_name,
                district_name(district),
                v.expert_name,
                _visit_state(v.status),
                v.year,
                v.scheduled_from,
                v.scheduled_to,
                v.service_date,
                v.service_days,
                v.content,
                v.people_trained,
                v.technologies,
                v.problems_solved,
                v.rating,
                v.comment,
                v.decline_reason,
                v.returned_reason,
                v.created_at,
            ]
        )
    return list(catalogue.VISIT_HEADERS), rows


def export_experts(*, session: Session, viewer: Account, filters: expert_service.ExpertFilters) -> bytes:
    """The experts `viewer` may list, phone and ID masked unless entitled."""
    experts = _pages(
        lambda limit, offset: expert_service.list_experts(
            session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort="id"
        )
    )
    return rows_to_xlsx(catalogue.EXPORT_TITLES[ExportKind.experts], *expert_rows(experts))


def export_units(
    *, session: Session, viewer: Account, district: str | None = None, kind: str | None = None, q: str | None = None
) -> bytes:
    units = _pages(
        lambda limit, offset: unit_service.list_units(
            session=session,
            viewer=viewer,
            district=district,
            kind=kind,
            q=q,
            limit=limit,
            offset=offset,
            sort="id",
        )
    )
    return rows_to_xlsx(catalogue.EXPORT_TITLES[ExportKind.units], *unit_rows(units))


def export_needs(*, session: Session, viewer: Account, filters: need_service.NeedFilters) -> bytes:
    needs = _pages(
        lambda limit, offset: need_service.list_needs(
            session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort="id"
        )
    )
    return rows_to_xlsx(catalogue.EXPORT_TITLES[ExportKind.needs], *need_rows(needs))


def export_visits(*, session: Session, viewer: Account, filters: visit_service.VisitFilters) -> bytes:
    visits = _pages(
        lambda limit, offset: visit_service.list_visits(
            session=session, viewer=viewer, filters=filters, limit=limit, offset=offset, sort="id"
        )
    )
    return rows_to_xlsx(catalogue.EXPORT_TITLES[ExportKind.visits], *visit_rows(session, visits))


def export_kind(*, session: Session, viewer: Account, kind: ExportKind) -> bytes:
    """The whole list of `kind` that `viewer` may see, unfiltered (the CLI's export)."""
    if kind == ExportKind.experts:
        return export_experts(session=session, viewer=viewer, filters=expert_service.ExpertFilters())
    if kind == ExportKind.units:
        return export_units(session=session, viewer=viewer)
    if kind == ExportKind.needs:
        return export_needs(session=session, viewer=viewer, filters=need_service.NeedFilters())
    return export_visits(session=session, viewer=viewer, filters=visit_service.VisitFilters())
