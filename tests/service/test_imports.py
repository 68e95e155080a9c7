"""Importing experts, units and needs from .xlsx and .csv: row checks, natural keys, one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from service import clock
from service.cli import app as cli_app
from service.importing import (
    BadHeader,
    BadUpload,
    ImportAborted,
    ImportKind,
    ImportReport,
    apply_plan,
    import_file,
    plan_file,
)
from service.models import Account, Expert, Need, OutboxEntry, Unit, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.fixtures_excel import (
    EXPERT_HEADERS,
    NEED_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    expert_row,
    grid,
    id_number,
    need_row,
    phone,
    unit_row,
    xlsx_bytes,
)
from tests.service.world import DISTRICT, World

PUJIANG = "510131"
JINJIANG = "510104"


def official(district: str | None = None) -> Account:
    """An official acting on the import (not stored: the importer only reads role and district)."""
    if district is None:
        return Account(username="city-test", password_hash="", role=Role.city_official)
    return Account(username="district-test", password_hash="", role=Role.district_official, district=district)


def run(
    session: Session,
    kind: ImportKind,
    content: bytes,
    *,
    filename: str = "名单.xlsx",
    actor: Account | None = None,
    dry_run: bool = False,
) -> ImportReport:
    return import_file(
        session=session,
        actor=actor or official(),
        kind=kind,
        content=content,
        filename=filename,
        dry_run=dry_run,
    )


def count(session: Session, model: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def assert_adds_up(report: ImportReport) -> None:
    assert report.total_rows == report.created + report.updated + len(report.rejected)


def rejected_by_row(report: ImportReport) -> dict[int, tuple[str, str | None]]:
    return {r.row: (r.reason, r.column) for r in report.rejected}


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import touches, to compare before and after."""
    session.expire_all()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for model in (Expert, Unit, Need, OutboxEntry):
        rows = session.exec(select(model)).all()
        out[model.__name__] = sorted(tuple(sorted(r.model_dump().items())) for r in rows)  # type: ignore[attr-defined]
    return out


# --- good rows ------------------------------------------------------------------------------------------


def test_experts_are_created_with_values_converted(session: Session) -> None:
    rows = [
        expert_row(1, 专业领域="农学、畜牧、兽医科学/520", 联系电话=13812345678, 出生年份=1975.0),
        expert_row(2, 所在区县="510104", 政治面貌="中共党员", 身份证号码=""),
        expert_row(3, 所在区县="锦江", 专业领域="", 年度服务次数=None, 状态=None),
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, rows)))

    assert (report.total_rows, report.created, report.updated, report.rejected) == (3, 3, 0, [])
    first, second, third = session.exec(select(Expert).order_by(Expert.id)).all()  # type: ignore[arg-type]
    assert first.fields == ["210", "230", "520"]
    assert first.phone == "13812345678"
    assert first.birth_year == 1975
    assert first.district == PUJIANG
    assert first.party_member is False
    assert (second.district, second.party_member, second.id_number) == (JINJIANG, True, None)
    assert (third.district, third.fields, third.yearly_capacity, third.status) == (JINJIANG, [], 10, "在库")
    outbox = session.exec(select(OutboxEntry)).all()
    assert sorted(e.record_id for e in outbox if e.index_name == "experts") == [first.id, second.id, third.id]


def test_units_and_needs_are_created_and_needs_feed_the_outbox(session: Session) -> None:
    units = run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1), unit_row(2)])))
    assert (units.created, units.rejected) == (2, [])
    needs = [need_row("蒲江县第1村", 1), need_row("蒲江县第2村", 2, 状态="草稿", 领域="210")]
    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, needs)))

    assert (report.created, report.rejected) == (2, [])
    first, second = session.exec(select(Need).order_by(Need.id)).all()  # type: ignore[arg-type]
    assert (first.status, first.field, first.district) == (NeedStatus.open, "210", PUJIANG)
    assert (first.wanted_from, first.wanted_to, first.experts_wanted) == (date(2025, 3, 1), date(2025, 6, 30), 2)
    assert second.status == NeedStatus.draft
    indexed = session.exec(select(OutboxEntry.record_id).where(OutboxEntry.index_name == "needs")).all()
    assert sorted(indexed) == [first.id, second.id]


def test_headers_with_synonyms_spaces_and_a_title_row_above(session: Session) -> None:
    headers = [" 姓 名 ", "手机", "区县", "身份证号", "单位", "备注"]
    lines: list[list[Any]] = [
        ["2025 年专家库名单", None, None, None, None, None],
        list(headers),
        ["张三", "13900000001", "蒲江县", id_number(7), "四川大学", "新增"],
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(lines, merges=["A1:F1"]))

    assert (report.created, report.rejected, report.ignored_columns) == (1, [], ["备注"])
    expert = session.exec(select(Expert)).one()
    assert (expert.name, expert.phone, expert.employer) == ("张三", "13900000001", "四川大学")


# --- bad rows -------------------------------------------------------------------------------------------


def test_every_bad_row_comes_back_with_its_excel_row_number_and_reason(session: Session) -> None:
    rows = [
        expert_row(1),  # row 2
        expert_row(2, 姓名=""),  # row 3: missing name
        expert_row(3, 联系电话="1381234"),  # row 4: malformed phone
        expert_row(4, 所在区县="火星区"),  # row 5: unknown district
        None,  # row 6: empty, skipped silently
        expert_row(5, 出生年份="abc"),  # row 7: wrong type
        expert_row(6, 身份证号码=id_number(1), 姓名="另一人"),  # row 8: same ID as row 2
        expert_row(7, 身份证号码="", 姓名="专家1"),  # row 9: no ID, but its name+employer are not keyed by ID
        expert_row(8, 身份证号码="", 姓名="专家1"),  # row 10: same name and employer as row 9
        expert_row(9, 性别="未知", 职称级别="特级"),  # row 11: two problems, both reported
        expert_row(10),  # row 12
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, rows)))

    assert_adds_up(report)
    assert (report.total_rows, report.created, report.updated) == (10, 3, 0)
    rejected = rejected_by_row(report)
    assert sorted(rejected) == [3, 4, 5, 7, 8, 10, 11]
    assert rejected[3] == ("姓名为必填项", "姓名")
    assert rejected[4][0] == "联系电话“1381*34”格式不正确，应为 11 位手机号或带区号的座机号"
    assert rejected[4][1] == "联系电话"
    assert "1381234" not in rejected[4][0], "the reason masks the phone it quotes"
    assert rejected[5] == ("区县“火星区”不是成都市的区（市）县或功能区", "所在区县")
    assert rejected[7] == ("出生年份应为整数", "出生年份")
    assert rejected[8][0] == "与第 2 行重复（身份证号码相同），已保留第 2 行"
    assert rejected[10][0] == "与第 9 行重复（姓名和工作单位相同），已保留第 9 行"
    assert "性别“未知”无效" in rejected[11][0]
    assert "职称级别“特级”无效" in rejected[11][0]
    assert rejected[11][1] == "性别"
    assert count(session, Expert) == 3


def test_out_of_range_values_are_explained(session: Session) -> None:
    rows = [
        expert_row(1, 出生年份=1800),
        expert_row(2, 年度服务次数=500),
        expert_row(3, 身份证号码="510131197001011234"),
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, rows)))

    assert rejected_by_row(report) == {
        2: ("出生年份不能小于 1920", "出生年份"),
        3: ("年度服务次数不能大于 100", "年度服务次数"),
        4: ("身份证号码格式或校验位不正确", "身份证号码"),
    }


def test_merged_cells_fill_down_within_a_column_and_reject_rows_merged_across_columns(session: Session) -> None:
    lines = grid(EXPERT_HEADERS, [expert_row(1, 工作单位="成都大学"), expert_row(2), expert_row(3)])
    lines.insert(1, ["一、高校专家"] + [None] * (len(EXPERT_HEADERS) - 1))  # group title on row 2
    lines.append([None] * len(EXPERT_HEADERS))  # row 6: empty, but covered by the 工作单位 merge below
    employer = "D"  # 工作单位 is the fourth column
    merges = ["A2:P2", f"{employer}3:{employer}6", "Q3:R4"]  # Q:R lie outside the header: cosmetic
    report = run(session, ImportKind.experts, xlsx_bytes(lines, merges=merges))

    assert_adds_up(report)
    assert (report.total_rows, report.created) == (4, 3)
    assert report.rejected[0].row == 2
    assert report.rejected[0].reason == (
        "本行的 A–P 列单元格被合并（如分组标题行），无法按列读取；请取消合并或删除此行"
    )
    employers = session.exec(select(Expert.employer)).all()
    assert list(employers) == ["成都大学"] * 3


def test_needs_with_bad_dates_unknown_unit_and_wrong_state(session: Session, world: World) -> None:
    unit = world.unit.name
    rows = [
        need_row(unit, 1),  # row 2
        need_row(unit, 2, 期望开始日期="2025-13-01"),  # row 3
        need_row(unit, 3, 期望结束日期="明年春天"),  # row 4
        need_row(unit, 4, 期望开始日期="2025年7月1日", 期望结束日期="2025.6.1"),  # row 5: end before start
        need_row("不存在的单位", 5),  # row 6
        need_row(unit, 6, 状态="进行中"),  # row 7
        need_row(unit, 7, 状态="已完成"),  # row 8: a new need cannot start finished
        need_row(unit, 8, 需要专家人数="两个"),  # row 9
        need_row(unit, 9, 服务类型=""),  # row 10
        need_row(unit, 10, 期望开始日期="1926-03-01"),  # row 11: a century typed wrong
    ]
    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, rows)))

    assert_adds_up(report)
    assert report.created == 1
    rejected = rejected_by_row(report)
    assert rejected[3] == ("期望开始日期不是有效日期，应写成 2024-05-01 或 2024/5/1", "期望开始日期")
    assert rejected[4] == ("期望结束日期不是有效日期，应写成 2024-05-01 或 2024/5/1", "期望结束日期")
    assert rejected[5] == ("期望服务时间的结束日期不能早于开始日期", "期望结束日期")
    assert rejected[6] == ("单位“不存在的单位”不存在，请先导入或新增该单位", "单位名称")
    assert rejected[7][0].startswith("状态“进行中”无效")
    assert rejected[7][1] == "状态"
    assert rejected[8][0] == "新导入需求的状态不能为“已完成”，只能为：草稿、待审核、征集中"
    assert rejected[9] == ("需要专家人数应为整数", "需要专家人数")
    assert rejected[10][1] == "服务类型"
    assert rejected[11] == (f"期望服务日期须在2000年至{clock.today().year + 5}年之间", "期望开始日期")


def test_a_missing_required_column_refuses_the_file(session: Session) -> None:
    lines = [["姓名", "工作单位"], ["张三", "四川大学"]]
    with pytest.raises(BadHeader, match="缺少必需的列：所在区县"):
        run(session, ImportKind.experts, xlsx_bytes(lines))
    with pytest.raises(BadUpload, match="找不到专家表的表头"):
        run(session, ImportKind.experts, xlsx_bytes([["编号", "备注"], [1, "x"]]))


def test_files_that_are_not_rosters_are_refused(session: Session) -> None:
    with pytest.raises(BadUpload, match=r"\.xls"):
        run(session, ImportKind.units, b"\xd0\xcf\x11\xe0" + b"\0" * 100, filename="名单.xls")
    with pytest.raises(BadUpload, match="只支持"):
        run(session, ImportKind.units, b"%PDF-1.4", filename="名单.pdf")
    with pytest.raises(BadUpload, match="无法读取"):
        run(session, ImportKind.units, b"PK\x03\x04 not really a zip", filename="名单.xlsx")
    with pytest.raises(BadUpload, match="空"):
        run(session, ImportKind.units, b"", filename="名单.csv")


# --- CSV encodings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(session: Session, encoding: str) -> None:
    rows = [unit_row(1, 地址="寿安镇“五星”路 1 号"), None, unit_row(2, 单位类别="学校")]
    content = csv_bytes(grid(UNIT_HEADERS, rows), encoding=encoding)
    report = run(session, ImportKind.units, content, filename="单位.csv")

    assert (report.total_rows, report.created, report.rejected) == (2, 2, [])
    names = session.exec(select(Unit.name, Unit.address).order_by(Unit.id)).all()  # type: ignore[arg-type]
    assert [tuple(n) for n in names] == [("蒲江县第1村", "寿安镇“五星”路 1 号"), ("蒲江县第2村", "寿安镇2号")]


def test_excel_unicode_text_utf16_tab_separated(session: Session) -> None:
    lines = grid(UNIT_HEADERS, [unit_row(1, 地址="寿安镇, 五星村")])
    content = "\r\n".join("\t".join("" if v is None else str(v) for v in line) for line in lines).encode("utf-16")
    report = run(session, ImportKind.units, content, filename="单位.txt")

    assert (report.created, report.rejected) == (1, [])
    assert session.exec(select(Unit.address)).one() == "寿安镇, 五星村"


def test_csv_row_numbers_count_records_not_physical_lines(session: Session) -> None:
    rows = [unit_row(1, 地址="第一行\n第二行"), unit_row(2, 单位类别="农场")]
    report = run(session, ImportKind.units, csv_bytes(grid(UNIT_HEADERS, rows)), filename="单位.csv")

    assert rejected_by_row(report)[3][1] == "单位类别"


# --- re-import ------------------------------------------------------------------------------------------


def test_reimporting_the_same_file_updates_instead_of_duplicating(session: Session) -> None:
    experts = xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(i) for i in range(1, 6)]))
    units = xlsx_bytes(grid(UNIT_HEADERS, [unit_row(i) for i in range(1, 4)]))
    needs = xlsx_bytes(grid(NEED_HEADERS, [need_row("蒲江县第1村", i) for i in range(1, 4)]))
    for kind, content in ((ImportKind.experts, experts), (ImportKind.units, units), (ImportKind.needs, needs)):
        assert run(session, kind, content).created > 0
    before = (count(session, Expert), count(session, Unit), count(session, Need))

    again = [
        run(session, k, c)
        for k, c in ((ImportKind.experts, experts), (ImportKind.units, units), (ImportKind.needs, needs))
    ]

    assert [(r.created, r.updated, r.rejected) for r in again] == [(0, 5, []), (0, 3, []), (0, 3, [])]
    assert (count(session, Expert), count(session, Unit), count(session, Need)) == before


def test_reimport_with_changes_updates_the_matched_records(session: Session) -> None:
    run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(1), expert_row(2, 身份证号码="")])))
    outbox_before = count(session, OutboxEntry)
    changed = [
        expert_row(1, 职称="研究员", 工作单位="四川省农科院"),  # same ID: name/employer may change
        expert_row(2, 身份证号码="", 职称级别="副高"),  # no ID: matched by name and employer
        expert_row(3),  # new
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, changed)))

    assert (report.created, report.updated, report.rejected) == (1, 2, [])
    first = session.exec(select(Expert).where(Expert.name == "专家1")).one()
    second = session.exec(select(Expert).where(Expert.name == "专家2")).one()
    assert (first.title, first.employer) == ("研究员", "四川省农科院")
    assert second.title_level == "副高"
    assert count(session, OutboxEntry) == outbox_before + 3, "changed and new experts are re-indexed"


def test_a_reimport_may_not_cut_a_yearly_capacity_below_the_places_taken(session: Session) -> None:
    run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(1), expert_row(2)])))
    busy = session.exec(select(Expert).where(Expert.name == "专家1")).one()
    unit = Unit(name="东坡村委会", kind="村", district=PUJIANG)
    session.add(unit)
    session.flush()
    this_year = clock.today().year
    for number in range(3):
        need = Need(unit_id=unit.id or 0, title=f"需求{number}", service_type="技术服务", district=PUJIANG)
        session.add(need)
        session.flush()
        session.add(Visit(need_id=need.id or 0, expert_id=busy.id or 0, year=this_year, status=VisitStatus.done))
    session.commit()
    lowered = [expert_row(1, 年度服务次数=2), expert_row(2, 年度服务次数=2)]
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, lowered)))

    assert_adds_up(report)
    assert report.updated == 1
    assert rejected_by_row(report) == {
        2: (f"专家1{this_year}年已安排3次服务，年度服务次数上限不能少于3", "年度服务次数")
    }
    session.expire_all()
    capacities = dict(session.exec(select(Expert.name, Expert.yearly_capacity)).all())
    assert capacities == {"专家1": 8, "专家2": 2}


def test_a_column_left_out_leaves_the_field_alone_and_a_blank_phone_keeps_the_stored_one(session: Session) -> None:
    run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(1, 专业特长="嫁接")])))
    lines = [
        ["姓名", "工作单位", "所在区县", "身份证号码", "联系电话", "职称"],
        ["专家1", "四川农业大学", "蒲江", id_number(1), "", "研究员"],
    ]
    report = run(session, ImportKind.experts, xlsx_bytes(lines))

    assert (report.updated, report.rejected) == (1, [])
    expert = session.exec(select(Expert)).one()
    assert (expert.specialties, expert.phone, expert.title) == ("嫁接", "13800000001", "研究员")


def test_a_need_in_service_cannot_be_changed_by_import_but_an_identical_row_is_fine(
    session: Session, world: World
) -> None:
    world.need.status = NeedStatus.in_service
    session.add(world.need)
    session.commit()
    same = need_row(world.unit.name, 0, 需求标题=world.need.title, 需求描述=world.need.description, 领域="农学")
    same |= {"期望开始日期": None, "期望结束日期": None, "需要专家人数": 1, "状态": "服务中"}
    changed = {**same, "需要专家人数": 3}
    lines = grid(NEED_HEADERS, [same])
    report = run(session, ImportKind.needs, xlsx_bytes(lines))
    assert (report.updated, report.rejected) == (1, [])

    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, [changed])))
    assert rejected_by_row(report) == {2: ("需求当前为“服务中”，不能通过导入修改", None)}
    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, [{**same, "状态": "征集中"}])))
    assert rejected_by_row(report) == {2: ("需求当前为“服务中”，不能通过导入改为“征集中”", "状态")}


def test_dry_run_reports_without_writing(session: Session) -> None:
    content = xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(1), expert_row(2, 姓名="")]))
    report = run(session, ImportKind.experts, content, dry_run=True)

    assert (report.dry_run, report.created, len(report.rejected)) == (True, 1, 1)
    assert count(session, Expert) == 0
    assert count(session, OutboxEntry) == 0


# --- districts ------------------------------------------------------------------------------------------


def test_a_district_official_imports_only_rows_of_their_district(session: Session) -> None:
    run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(9, 所在区县="锦江区")])))
    rows = [
        expert_row(1),  # row 2: 蒲江, accepted
        expert_row(2, 所在区县="锦江区"),  # row 3: another district
        expert_row(9, 所在区县="蒲江县"),  # row 4: moves 锦江's expert into 蒲江: refused
    ]
    actor = official(PUJIANG)
    report = run(session, ImportKind.experts, xlsx_bytes(grid(EXPERT_HEADERS, rows)), actor=actor)

    assert (report.created, report.updated) == (1, 0)
    rejected = rejected_by_row(report)
    assert rejected[3] == ("只能导入本辖区（蒲江县）的记录，此行属于锦江区", "所在区县")
    assert rejected[4][0] == "系统中的这条记录属于锦江区，只能由该区县或市委组织部修改（本辖区：蒲江县）"
    assert session.exec(select(Expert.district).where(Expert.name == "专家9")).one() == JINJIANG


def test_district_scope_for_units_and_needs(session: Session, world: World) -> None:
    actor = official(DISTRICT)
    units = [unit_row(1), unit_row(2, 所在区县="锦江区")]
    report = run(session, ImportKind.units, xlsx_bytes(grid(UNIT_HEADERS, units)), actor=actor)
    assert (report.created, sorted(rejected_by_row(report))) == (1, [3])
    needs = [need_row(world.unit.name, 1), need_row(world.other_unit.name, 2)]
    report = run(session, ImportKind.needs, xlsx_bytes(grid(NEED_HEADERS, needs)), actor=actor)
    assert report.created == 1
    assert rejected_by_row(report) == {3: ("只能导入本辖区（蒲江县）的记录，此行属于锦江区", "单位名称")}


# --- size and atomicity ---------------------------------------------------------------------------------


def test_five_thousand_rows_with_one_in_ten_bad(session: Session) -> None:
    # A narrow roster (six columns) keeps building and parsing the workbook quick on a shared machine.
    headers = ["姓名", "出生年份", "工作单位", "所在区县", "联系电话", "身份证号码"]
    bad_kinds = [
        {"姓名": ""},
        {"联系电话": "12345"},
        {"所在区县": "不存在县"},
        {"出生年份": "一九七零"},
        {"身份证号码": "51013119700101123"},
    ]
    rows: list[dict[str, Any]] = []
    bad_rows: set[int] = set()
    for seq in range(5000):
        if seq % 10 == 7:
            rows.append(expert_row(seq, **bad_kinds[(seq // 10) % len(bad_kinds)]))
            bad_rows.add(seq + 2)  # header is row 1
        else:
            rows.append(expert_row(seq))
    content = xlsx_bytes(grid(headers, rows), fast=True)

    report = run(session, ImportKind.experts, content)

    assert_adds_up(report)
    assert (report.total_rows, report.created, report.updated) == (5000, 4500, 0)
    assert {r.row for r in report.rejected} == bad_rows
    assert all(r.reason and r.column in headers for r in report.rejected)
    assert count(session, Expert) == 4500
    assert count(session, OutboxEntry) == 4500
    sample = session.exec(select(Expert).where(Expert.name == "专家4999")).one()
    assert (sample.phone, sample.id_number, sample.district) == (phone(4999), id_number(4999), PUJIANG)


def test_a_database_failure_mid_file_leaves_the_database_as_it_was(session: Session, world: World) -> None:
    doomed = Unit(name="即将撤销的村", kind="村", district=DISTRICT)
    session.add(doomed)
    session.commit()
    rows = [need_row(world.unit.name, i) for i in range(250)] + [need_row(doomed.name, i) for i in range(50)]
    plan = plan_file(
        session=session,
        actor=official(),
        kind=ImportKind.needs,
        content=xlsx_bytes(grid(NEED_HEADERS, rows), fast=True),
        filename="需求.xlsx",
    )
    assert len(plan.changes) == 300
    assert not plan.rejected
    # Between checking and writing, someone deletes the unit the last 50 rows belong to.
    session.delete(doomed)
    session.commit()
    before = snapshot(session)

    with pytest.raises(ImportAborted, match="整个文件未导入") as aborted:
        apply_plan(session, plan)

    assert "第 202–301 行" in aborted.value.message
    assert snapshot(session) == before


def test_a_unique_clash_at_write_time_rolls_back_the_rows_already_written(session: Session) -> None:
    rows = [expert_row(i) for i in range(10)]
    plan = plan_file(
        session=session,
        actor=official(),
        kind=ImportKind.experts,
        content=xlsx_bytes(grid(EXPERT_HEADERS, rows)),
        filename="专家.xlsx",
    )
    session.add(Expert(name="抢先登记", district=PUJIANG, id_number=id_number(9)))
    session.commit()
    before = snapshot(session)

    with pytest.raises(ImportAborted):
        apply_plan(session, plan)

    assert snapshot(session) == before
    assert count(session, Expert) == 1


def test_an_updated_record_deleted_before_writing_aborts_the_file(session: Session) -> None:
    content = xlsx_bytes(grid(UNIT_HEADERS, [unit_row(1), unit_row(2)]))
    run(session, ImportKind.units, content)
    plan = plan_file(
        session=session,
        actor=official(),
        kind=ImportKind.units,
        content=xlsx_bytes(grid(UNIT_HEADERS, [unit_row(0), unit_row(1, 联系人="新联系人"), unit_row(2)])),
        filename="单位.xlsx",
    )
    session.delete(session.exec(select(Unit).where(Unit.name == "蒲江县第1村")).one())
    session.commit()
    before = snapshot(session)

    with pytest.raises(ImportAborted, match="第 3 行要更新的单位在导入期间已被删除"):
        apply_plan(session, plan)
    assert snapshot(session) == before


# --- API and CLI ----------------------------------------------------------------------------------------


def upload(content: bytes, filename: str = "专家.xlsx") -> dict[str, Any]:
    media = "text/csv" if filename.endswith(".csv") else "application/octet-stream"
    return {"file": (filename, content, media)}


def test_api_imports_a_multipart_upload(client: TestClient, world: World, session: Session) -> None:
    content = xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(1), expert_row(2, 联系电话="110")]))
    headers = world.headers(Role.city_official)

    dry = client.post("/api/v1/imports/experts?dry_run=true", files=upload(content), headers=headers)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["created"]) == (True, 1)
    answer = client.post("/api/v1/imports/experts", files=upload(content), headers=headers)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kind"], body["total_rows"], body["created"], body["updated"]) == ("experts", 2, 1, 0)
    assert body["rejected"] == [{"row": 3, "reason": body["rejected"][0]["reason"], "column": "联系电话"}]
    assert session.exec(select(func.count()).select_from(Expert).where(Expert.name == "专家1")).one() == 1


def test_api_import_is_for_officials_only(client: TestClient, world: World) -> None:
    content = csv_bytes(grid(UNIT_HEADERS, [unit_row(1)]))
    for role, status in ((Role.unit, 403), (Role.expert, 403), (Role.leader, 403), (None, 401)):
        answer = client.post("/api/v1/imports/units", files=upload(content, "单位.csv"), headers=world.headers(role))
        assert answer.status_code == status, (role, answer.text)
    answer = client.post(
        "/api/v1/imports/units", files=upload(content, "单位.csv"), headers=world.headers(Role.district_official)
    )
    assert answer.json()["created"] == 1


def test_api_refuses_big_or_wrong_files_in_chinese(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = world.headers(Role.city_official)
    wrong = client.post("/api/v1/imports/units", files=upload(b"%PDF-1.4", "名单.pdf"), headers=headers)
    assert (wrong.status_code, wrong.json()["code"]) == (400, "bad_upload")
    assert "只支持" in wrong.json()["detail"]
    missing = client.post(
        "/api/v1/imports/units", files=upload(csv_bytes([["单位名称"], ["某村"]]), "单位.csv"), headers=headers
    )
    assert (missing.status_code, missing.json()["detail"]) == (422, "缺少必需的列：单位类别、所在区县")
    unknown_kind = client.post("/api/v1/imports/visits", files=upload(b"x", "a.csv"), headers=headers)
    assert unknown_kind.status_code == 422

    monkeypatch.setattr("service.api.imports.MAX_UPLOAD_BYTES", 1024 * 1024)
    big = client.post("/api/v1/imports/units", files=upload(b"a" * (1024 * 1024 + 1), "单位.csv"), headers=headers)
    assert (big.status_code, big.json()["detail"]) == (400, "文件超过 1 MB，请拆分后分批导入")


def test_api_reports_an_aborted_import_as_a_conflict(
    client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.importing import apply as apply_module

    def database_refuses(*_args: object) -> list[int]:
        raise IntegrityError("INSERT INTO unit ...", {}, Exception("constraint failed"))

    monkeypatch.setattr(apply_module, "_insert", database_refuses)
    content = csv_bytes(grid(UNIT_HEADERS, [unit_row(1)]))
    headers = world.headers(Role.city_official)
    answer = client.post("/api/v1/imports/units", files=upload(content, "单位.csv"), headers=headers)

    assert (answer.status_code, answer.json()["code"]) == (409, "import_aborted")
    assert "整个文件未导入" in answer.json()["detail"]
    assert count(session, Unit) == 2, "only the world's two units"


def test_cli_import_prints_the_report_and_fails_on_rejected_rows(session: Session, tmp_path: Any) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(grid(UNIT_HEADERS, [unit_row(1)]), encoding="gbk"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes(grid(UNIT_HEADERS, [unit_row(2), unit_row(3, 单位类别="农场")])))
    runner = CliRunner()

    dry = runner.invoke(cli_app, ["import", "units", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "将新增 1 行" in dry.output
    assert count(session, Unit) == 0
    done = runner.invoke(cli_app, ["import", "units", str(bad)])
    assert done.exit_code == 1, done.output
    assert "新增 1 行" in done.output
    assert "第 3 行［单位类别］：单位类别“农场”无效" in done.output
    assert count(session, Unit) == 1
    refused = runner.invoke(cli_app, ["import", "experts", str(good)])
    assert refused.exit_code == 2
