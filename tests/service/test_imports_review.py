"""Imports as officials meet them with real files: numbers Excel mangled, full-width input, hidden and second
sheets, formula errors, headers with notes, and the export → import round trip of needs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.domain.needs import NeedFilters
from service.exporting import export_needs
from service.importing import BadUpload, ImportKind
from service.models import Expert, Need, Unit
from tests.service.fixtures_excel import (
    EXPERT_HEADERS,
    NEED_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    expert_row,
    grid,
    id_number,
    need_row,
    unit_row,
    xlsx_bytes,
)
from tests.service.test_imports import count, official, rejected_by_row, run

FULL_WIDTH = str.maketrans("0123456789X-", "０１２３４５６７８９Ｘ－")


def full_width(value: str) -> str:
    return value.translate(FULL_WIDTH)


def as_excel_number(number: str) -> float:
    """An 18-digit ID number as Excel stores it in a number cell: 15 significant digits, the rest lost."""
    return float(f"{int(number):.14e}")


def workbook_bytes(build: Callable[[Workbook], None]) -> bytes:
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def patched(content: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The .xlsx with one zip member's bytes changed (what another program would have written)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == member else data)
    return buffer.getvalue()


# --- numbers Excel stored as numbers --------------------------------------------------------------------


def test_an_id_number_stored_as_a_number_is_refused_instead_of_imported_with_wrong_digits(session: Session) -> None:
    # 510131196001012538 and …2546 are two people; as Excel numbers both become 510131196001012992, which
    # happens to pass the check digit: before, the first was stored with a wrong number and the second was
    # called its duplicate.
    first, second = id_number(253), id_number(254)
    assert as_excel_number(first) == as_excel_number(second)
    rows = [
        expert_row(1, 身份证号码=as_excel_number(first)),
        expert_row(2, 身份证号码=as_excel_number(second)),
        expert_row(3, 身份证号码=int(id_number(3))),
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, rows)))

    assert (report.created, report.rejected_count) == (0, 3)
    for reason, column in rejected_by_row(report).values():
        assert column == "身份证号码"
        assert "存成了数字" in reason, reason
        assert "“文本”格式" in reason, reason
    assert count(session, Expert) == 0


def test_numbers_in_scientific_notation_from_a_csv_are_explained(session: Session) -> None:
    rows = [expert_row(1, 身份证号码="5.10131E+17"), expert_row(2, 联系电话="1.38E+10", 身份证号码="")]
    report = run(session, ImportKind.experts, csv_bytes(grid(EXPERT_HEADERS, rows)), filename="专家.csv")

    rejected = rejected_by_row(report)
    assert rejected[2][1] == "身份证号码"
    assert "科学计数法" in rejected[2][0]
    assert rejected[3][1] == "联系电话"
    assert "科学计数法" in rejected[3][0]


def test_full_width_digits_text_markers_and_a_trailing_point_zero_are_read_as_the_number(session: Session) -> None:
    rows = [
        expert_row(1, 联系电话=full_width("13800000001"), 身份证号码=full_width(id_number(1))),
        expert_row(2, 联系电话="'13800000002", 身份证号码="'" + id_number(2)),
        expert_row(3, 联系电话='="13800000003"', 身份证号码=f'="{id_number(3)}"'),
        expert_row(4, 联系电话="13800000004.0", 出生年份="1975.0", 年度服务次数="8.0"),
        expert_row(5, 联系电话=full_width("028-88880000"), 身份证号码=id_number(9).lower()),
    ]
    report = run(session, ImportKind.experts, csv_bytes(grid(EXPERT_HEADERS, rows)), filename="专家.csv")

    assert (report.created, report.rejected) == (5, [])
    stored = session.exec(select(Expert.phone, Expert.id_number, Expert.birth_year).order_by(Expert.id)).all()  # type: ignore[arg-type]
    assert [tuple(s) for s in stored] == [
        ("13800000001", id_number(1), 1961),
        ("13800000002", id_number(2), 1962),
        ("13800000003", id_number(3), 1963),
        ("13800000004", id_number(4), 1975),
        ("028-88880000", id_number(9), 1965),
    ]
    assert id_number(9).endswith("X")
    again = run(session, ImportKind.experts, csv_bytes(grid(EXPERT_HEADERS, rows)), filename="专家.csv")
    assert (again.created, again.updated, again.rejected) == (0, 5, [])


def test_the_birth_year_is_read_from_a_year_and_month_or_a_date(session: Session) -> None:
    lines: list[list[Any]] = [
        ["姓名", "所在区县", "出生年月"],
        ["专家1", "蒲江县", 1975.05],  # 1975.05 typed into Excel is a number
        ["专家2", "蒲江县", 1968.1],  # 1968.10, likewise
        ["专家3", "蒲江县", "1980年3月"],
        ["专家4", "蒲江县", date(1972, 7, 1)],
        ["专家5", "蒲江县", "197210"],
        ["专家6", "蒲江县", "1966-05"],
        ["专家7", "蒲江县", 1977],
        ["专家8", "蒲江县", "七十年代"],
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(lines))

    assert (report.created, rejected_by_row(report)) == (7, {9: ("出生年份应为整数", "出生年份")})
    years = session.exec(select(Expert.birth_year).order_by(Expert.id)).all()  # type: ignore[arg-type]
    assert list(years) == [1975, 1968, 1980, 1972, 1972, 1966, 1977]


def test_unit_phones_are_read_the_same_way(session: Session) -> None:
    rows = [unit_row(1, 联系电话=full_width("13800000001")), unit_row(2, 联系电话="13800000002.0")]
    report = run(session, ImportKind.units, csv_bytes(grid(UNIT_HEADERS, rows), "gbk"), filename="单位.csv")

    assert (report.created, report.rejected) == (2, [])
    phones = session.exec(select(Unit.contact_phone).order_by(Unit.id)).all()  # type: ignore[arg-type]
    assert list(phones) == ["13800000001", "13800000002"]


def test_dates_as_officials_write_them(session: Session) -> None:
    run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1)])))
    rows = [
        need_row("蒲江县第1村", 1, 期望开始日期="20260305", 期望结束日期="2026年3月5号"),
        need_row("蒲江县第1村", 2, 期望开始日期="２０２６／３／５", 期望结束日期="2026 年 3 月 5 日"),
    ]
    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, rows)))

    assert (report.created, report.rejected) == (2, [])
    periods = session.exec(select(Need.wanted_from, Need.wanted_to)).all()
    assert {tuple(p) for p in periods} == {(date(2026, 3, 5), date(2026, 3, 5))}


# --- sheets ---------------------------------------------------------------------------------------------


def test_a_hidden_sheet_is_never_read_even_when_it_comes_first(session: Session) -> None:
    def build(workbook: Workbook) -> None:
        hidden = workbook.active
        assert hidden is not None
        hidden.title = "字典"
        hidden.append(["姓名", "所在区县"])
        hidden.append(["示例专家", "蒲江县"])
        hidden.sheet_state = "hidden"
        roster = workbook.create_sheet("专家名单")
        roster.append(["姓名", "工作单位", "所在区县"])
        roster.append(["张三", "成都大学", "蒲江县"])

    # Many generators leave the workbook view out (active tab 0): Excel then shows the first visible sheet.
    content = patched(workbook_bytes(build), "xl/workbook.xml", lambda xml: xml.replace(b' activeTab="1"', b""))
    report = run(session, ImportKind.experts, content)

    assert (report.created, report.rejected) == (1, [])
    assert list(session.exec(select(Expert.name)).all()) == ["张三"]


def two_rosters(workbook: Workbook) -> None:
    """A roster split over two sheets, 高校专家 (read) and 医院专家, and an empty Sheet3 as old templates carry."""
    first = workbook.active
    assert first is not None
    first.title = "高校专家"
    first.append(["姓名", "工作单位", "所在区县"])
    first.append(["张三", "四川大学", "蒲江县"])
    second = workbook.create_sheet("医院专家")
    second.append(["姓名", "工作单位", "所在区县"])
    second.append(["李四", "华西医院", "蒲江县"])
    workbook.create_sheet("Sheet3")  # empty: not worth a word


def test_other_sheets_with_content_are_named_in_the_report(session: Session) -> None:
    report = run(session, ImportKind.experts, workbook_bytes(two_rosters))

    assert report.created == 1
    assert len(report.notes) == 1
    assert "高校专家" in report.notes[0]
    assert "医院专家" in report.notes[0]
    assert "Sheet3" not in report.notes[0]
    assert "未导入" in report.notes[0]


def test_the_command_line_prints_the_reports_notes(session: Session, tmp_path: Any) -> None:
    roster = tmp_path / "专家.xlsx"
    roster.write_bytes(workbook_bytes(two_rosters))
    done = CliRunner().invoke(cli_app, ["import", "experts", str(roster), "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "说明：只导入了工作表“高校专家”；工作簿中的其他工作表 “医院专家” 也有内容，未导入" in done.output


def test_a_roster_on_another_sheet_than_the_one_read_is_pointed_to(session: Session) -> None:
    def build(workbook: Workbook) -> None:
        first = workbook.active
        assert first is not None
        first.title = "填表说明"
        first.append(["请按以下要求填写：姓名必填"])
        roster = workbook.create_sheet("专家名单")
        roster.append(["姓名", "工作单位", "所在区县"])
        roster.append(["李四", "成都大学", "蒲江县"])

    with pytest.raises(BadUpload, match="找不到专家表的表头") as refused:
        run(session, ImportKind.experts, workbook_bytes(build))
    assert "读取的是工作表“填表说明”" in refused.value.message
    assert "切换到名单所在的工作表" in refused.value.message


def test_a_single_sheet_gives_no_note(session: Session) -> None:
    report = run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1)])))
    assert (report.created, report.notes) == (1, [])


# --- formula errors -------------------------------------------------------------------------------------


def test_formula_errors_are_rejected_not_imported_as_text(session: Session) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["姓名", "工作单位", "所在区县", "专业特长"])
        sheet.append(["李四", "成都大学", "蒲江县", "#N/A"])
        sheet.append(["王五", "成都大学", "蒲江县", "果树栽培"])
        sheet["D2"].data_type = "e"  # what a VLOOKUP that found nothing leaves behind

    report = run(session, ImportKind.experts, workbook_bytes(build))

    assert report.created == 1
    reason, column = rejected_by_row(report)[2]
    assert column == "专业特长"
    assert "公式" in reason
    assert "#N/A" in reason
    assert list(session.exec(select(Expert.specialties)).all()) == ["果树栽培"]

    lines = grid(UNIT_HEADERS, [unit_row(1, 联系人="#REF!"), unit_row(2)])
    units = run(session, ImportKind.units, csv_bytes(lines), filename="单位.csv")
    assert units.created == 1
    assert rejected_by_row(units)[2][1] == "联系人"


# --- headers --------------------------------------------------------------------------------------------


def test_headers_with_a_note_in_brackets_are_recognised(session: Session) -> None:
    headers = ["序号", "姓名", "工作单位", "所在区县（必填）", "联系电话（手机）", "联系电话(办公)", "身份证号码(18位)"]
    lines: list[list[Any]] = [headers, [1, "张三", "四川大学", "蒲江县", "13900000001", "028-88880000", id_number(7)]]
    report = run(session, ImportKind.experts, xlsx_bytes(lines))

    assert (report.created, report.rejected) == (1, [])
    assert report.ignored_columns == ["序号", "联系电话(办公)"]
    expert = session.exec(select(Expert)).one()
    assert (expert.district, expert.phone, expert.id_number) == ("510131", "13900000001", id_number(7))


def test_an_exact_header_wins_over_one_with_a_note(session: Session) -> None:
    lines: list[list[Any]] = [
        ["姓名", "所在区县", "联系电话（备用）", "联系电话"],
        ["张三", "蒲江县", "028-88880000", "13900000001"],
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(lines))

    assert (report.created, report.ignored_columns) == (1, ["联系电话（备用）"])
    assert session.exec(select(Expert.phone)).one() == "13900000001"


def test_a_header_of_two_rows_under_a_merged_group_title(session: Session) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["2025 年专家库名单"])
        sheet.append(["姓名", "工作单位", "所在区县", "联系方式", None, "备注"])
        sheet.append([None, None, None, "手机", "办公电话", None])
        sheet.append(["张三", "成都大学", "蒲江县", "13800000001", "028-88880000", "新增"])
        sheet.append(["李四", "成都大学", "蒲江县", "13800000002", None, None])
        for cells in ("A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3"):
            sheet.merge_cells(cells)

    report = run(session, ImportKind.experts, workbook_bytes(build))

    assert (report.total_rows, report.created, report.rejected) == (2, 2, [])
    assert report.ignored_columns == ["办公电话", "备注"]
    phones = session.exec(select(Expert.phone).order_by(Expert.id)).all()  # type: ignore[arg-type]
    assert list(phones) == ["13800000001", "13800000002"]


def test_a_data_row_under_a_merged_header_cell_stays_a_data_row(session: Session) -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["姓名", "所在区县", "联系电话", "备注", None])
        sheet.append(["张三", "蒲江县", "13800000001", "新增", "2025"])
        sheet.append([None, None, None, "只有备注", None])
        sheet.merge_cells("D1:E1")

    report = run(session, ImportKind.experts, workbook_bytes(build))

    assert (report.total_rows, report.created) == (2, 1)
    assert rejected_by_row(report)[3][1] == "姓名"


# --- round trip -----------------------------------------------------------------------------------------


def test_needs_whose_field_has_a_long_name_survive_export_and_import(session: Session) -> None:
    run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1)])))
    rows = [
        need_row("蒲江县第1村", 1, 领域="环境科学技术及资源科学技术"),
        need_row("蒲江县第1村", 2, 领域="610"),
        need_row("蒲江县第1村", 3, 领域="火箭与航天发射场工程技术"),
    ]
    created = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, rows)))
    assert created.created == 2
    assert rejected_by_row(created)[4] == ("领域“火箭与航天发射场工程技术”不在学科分类（GB/T 13745）中", "领域")
    assert set(session.exec(select(Need.field)).all()) == {"610"}

    exported = export_needs(session=session, viewer=official(), filters=NeedFilters())
    again = run(session, ImportKind.needs, exported, filename="需求清单.xlsx")

    assert (again.created, again.updated, again.rejected) == (0, 2, [])


def test_a_needs_own_contact_is_imported_exported_and_kept_when_the_export_masks_it(session: Session) -> None:
    run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1)])))
    headers = [*NEED_HEADERS, "需求联系人", "联系人电话（手机）"]
    rows = [
        need_row("蒲江县第1村", 1, 需求联系人=" 王会计 ", **{"联系人电话（手机）": 13900003333}),
        need_row("蒲江县第1村", 2, 需求联系人="李主任", **{"联系人电话（手机）": "139****4444"}),
        need_row("蒲江县第1村", 3),
    ]
    created = run(session, ImportKind.needs, xlsx_bytes(grid(headers, rows)))
    assert created.created == 2
    assert rejected_by_row(created)[3][1] == "联系人电话"  # a masked number cannot start a new need's contact
    stored = {n.title: (n.contact_name, n.contact_phone) for n in session.exec(select(Need))}
    assert stored == {"技术指导需求1": ("王会计", "13900003333"), "技术指导需求3": ("", None)}

    exported = export_needs(session=session, viewer=official(), filters=NeedFilters())
    sheet = load_workbook(io.BytesIO(exported)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert (first["需求联系人"], first["联系人电话"]) == ("王会计", "13900003333")
    # the number masked (as another's export shows it) leaves the stored one as it is
    sheet.cell(row=2, column=header.index("联系人电话") + 1, value="139****3333")
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    again = run(session, ImportKind.needs, buffer.getvalue(), filename="需求清单.xlsx")
    assert (again.created, again.rejected) == (0, [])
    session.expire_all()
    assert session.exec(select(Need.contact_phone).where(Need.title == "技术指导需求1")).one() == "13900003333"
