"""Hostile files: a few kilobytes that unpack, merge or repeat into gigabytes must be refused after little
work (counted here in rows read, not in seconds), and a report never lists thousands of rows."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.importing import FileTooLarge, ImportKind, catalogue, import_file, reader
from service.models import Account
from service.vocab import Role
from tests.service.fixtures_excel import EXPERT_HEADERS, UNIT_HEADERS, csv_bytes, expert_row, grid, unit_row, xlsx_bytes
from tests.service.world import World

SHEET = "xl/worksheets/sheet1.xml"
CITY = Account(username="city-test", password_hash="", role=Role.city_official)


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every row (CSV record, sheet row) the reader takes in, by number."""
    seen: list[int] = []
    original = reader._Budget.row

    def counting(self: Any, number: int, cells: Any, width: int) -> Any:
        seen.append(number)
        return original(self, number, cells, width)

    monkeypatch.setattr(reader._Budget, "row", counting)
    return seen


@pytest.fixture
def openpyxl_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(reader, "load_workbook", refuse)


def rewrite(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """`content` (an .xlsx) with one part changed, every other part as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def roster(rows: int = 3) -> bytes:
    return xlsx_bytes(grid(EXPERT_HEADERS, [expert_row(i) for i in range(rows)]))


def with_merges(content: bytes, refs: list[str]) -> bytes:
    cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
    element = f'<mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode()
    return rewrite(content, SHEET, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + element, 1))


def run(session: Session, content: bytes, filename: str = "专家.xlsx", kind: ImportKind = ImportKind.experts) -> Any:
    return import_file(session=session, actor=CITY, kind=kind, content=content, filename=filename, dry_run=True)


# --- merged ranges ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["C3:Z100000", "A3:XFD1048576", "C:C"])
def test_a_merged_range_taller_than_any_roster_is_refused_at_once(
    session: Session, rows_read: list[int], ref: str
) -> None:
    content = with_merges(roster(), [ref])
    assert len(content) < 10_000

    with pytest.raises(FileTooLarge) as refused:
        run(session, content)

    assert refused.value.status_code == 422
    assert ref in refused.value.message
    assert "请取消该合并后再导入" in refused.value.message
    assert rows_read == [1, 2, 3, 4], "the sheet's own rows only, none of the range's"


def test_a_tall_merge_within_the_bounds_costs_only_the_rows_the_sheet_has(session: Session) -> None:
    lines = grid(EXPERT_HEADERS, [expert_row(1, 工作单位="成都大学"), expert_row(2), expert_row(3)])
    content = with_merges(xlsx_bytes(lines), ["D2:D20000", "Q2:Z20000"])  # 工作单位 filled down; Q:Z unmapped

    report = run(session, content)

    assert (report.total_rows, report.created, report.rejected) == (3, 3, [])


def test_too_many_merged_ranges_are_refused(session: Session) -> None:
    refs = [f"Q{n}:R{n}" for n in range(2, catalogue.MAX_MERGED_RANGES + 3)]
    content = with_merges(roster(), refs)
    assert len(content) < 200_000

    with pytest.raises(FileTooLarge, match="合并单元格过多"):
        run(session, content)


def test_values_hidden_under_a_merge_are_not_read(session: Session) -> None:
    """Excel shows only a range's top-left value; a file that carries others under it gets the same import."""
    lines = grid(UNIT_HEADERS, [unit_row(1), unit_row(2, 联系人="藏在合并区域下")])
    content = with_merges(xlsx_bytes(lines), ["D2:D3"])  # 联系人 of row 2 spans row 3

    report = run(session, content, "单位.xlsx", ImportKind.units)

    assert (report.created, report.rejected) == (2, [])


# --- the zip and the parts openpyxl reads whole -----------------------------------------------------------


def zeros(size: int) -> Iterator[bytes]:
    chunk = b"\0" * (1024 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk


def test_a_workbook_unpacking_beyond_the_bound_is_refused_before_it_is_opened(
    session: Session, openpyxl_untouched: None
) -> None:
    out = io.BytesIO(roster())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/image1.png", "w") as f:
        for chunk in zeros(catalogue.MAX_XLSX_UNPACKED_BYTES + 1024 * 1024):
            f.write(chunk)
    content = out.getvalue()
    assert len(content) < 1_000_000

    with pytest.raises(FileTooLarge, match="解压后超过 100 MB"):
        run(session, content)


def test_a_styles_part_of_millions_of_formats_is_refused_before_it_is_opened(
    session: Session, openpyxl_untouched: None
) -> None:
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    count = catalogue.MAX_XLSX_PART_BYTES // len(xf) + 1

    def bloated(xml: bytes) -> bytes:
        xfs = b'<cellXfs count="%d">' % count + xf * count + b"</cellXfs>"
        return re.sub(rb"<cellXfs[^>]*>.*?</cellXfs>", xfs, xml)

    content = rewrite(roster(), "xl/styles.xml", bloated)
    assert len(content) < 100_000

    with pytest.raises(FileTooLarge, match="异常庞大"):
        run(session, content)


def test_a_sheet_head_of_endless_column_settings_is_refused_before_it_is_opened(
    session: Session, openpyxl_untouched: None
) -> None:
    cols = b"<cols>" + b'<col min="1" max="1" width="9"/>' * (catalogue.MAX_SHEET_HEAD_ELEMENTS + 1) + b"</cols>"
    content = rewrite(roster(), SHEET, lambda xml: xml.replace(b"<sheetData>", cols + b"<sheetData>", 1))

    with pytest.raises(FileTooLarge, match="异常庞大"):
        run(session, content)


# --- rows, columns, cells ---------------------------------------------------------------------------------


def test_a_csv_of_millions_of_rows_is_refused_after_the_limit(session: Session, rows_read: list[int]) -> None:
    content = "姓名,所在区县,联系电话\n".encode() + "张三,火星区,1\n".encode() * 2_300_000  # ~40 MB in memory
    with pytest.raises(FileTooLarge) as refused:
        run(session, content, "专家.csv")

    assert refused.value.message == (
        "文件中的数据超过 20000 行（不含表头和空行），请拆分后分批导入，每个文件不超过 20000 行"
    )
    assert len(rows_read) == catalogue.MAX_DATA_ROWS + catalogue.HEADER_SEARCH_ROWS + 1


def test_the_api_answers_a_huge_csv_with_422_in_chinese(client: TestClient, world: World) -> None:
    content = "单位名称,单位类别,所在区县\n".encode() + "某村,村,火星区\n".encode() * 300_000
    answer = client.post(
        "/api/v1/imports/units?dry_run=true",
        files={"file": ("单位.csv", content, "text/csv")},
        headers=world.headers(Role.district_official),
    )

    assert (answer.status_code, answer.json()["code"]) == (422, "file_too_large")
    assert "超过 20000 行" in answer.json()["detail"]


@pytest.mark.parametrize("filename", ["单位.csv", "单位.xlsx"])
def test_the_row_limit_counts_data_rows_only(session: Session, monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    monkeypatch.setattr(catalogue, "MAX_DATA_ROWS", 50)

    def file(data_rows: int) -> bytes:
        lines: list[list[Any]] = [["2025 年基层单位名单"], *grid(UNIT_HEADERS, [unit_row(i) for i in range(data_rows)])]
        lines[4:4] = [[None]] * 5  # empty rows do not count
        return csv_bytes(lines) if filename.endswith(".csv") else xlsx_bytes(lines)

    report = run(session, file(50), filename, ImportKind.units)
    assert (report.total_rows, report.created) == (50, 50)
    with pytest.raises(FileTooLarge, match="超过 50 行"):
        run(session, file(51), filename, ImportKind.units)


def test_a_flood_of_empty_rows_is_refused_after_the_cell_limit(session: Session, rows_read: list[int]) -> None:
    content = "单位名称,单位类别,所在区县\n某村,村,蒲江\n".encode() + b"\n" * 3_000_000

    with pytest.raises(FileTooLarge, match="单元格过多"):
        run(session, content, "单位.csv", ImportKind.units)

    # The two rows of three cells, then one cell for each empty record, up to the first beyond the limit.
    assert len(rows_read) == 2 + (catalogue.MAX_CELLS - 6) + 1


def test_a_sheet_of_a_million_empty_rows_is_refused_after_the_cell_limit(
    session: Session, rows_read: list[int]
) -> None:
    empty_rows = b"<row/>" * (catalogue.MAX_CELLS + 1)
    content = rewrite(roster(), SHEET, lambda xml: xml.replace(b"</sheetData>", empty_rows + b"</sheetData>", 1))
    assert len(content) < 100_000

    with pytest.raises(FileTooLarge, match="单元格过多"):
        run(session, content)

    assert len(rows_read) < catalogue.MAX_CELLS


@pytest.mark.parametrize("filename", ["单位.csv", "单位.xlsx"])
def test_content_beyond_the_last_column_is_refused(session: Session, filename: str) -> None:
    def file(width: int) -> bytes:
        lines = grid(UNIT_HEADERS, [unit_row(1), unit_row(2)])
        lines[2] = lines[2] + [None] * (width - len(lines[2]) - 1) + ["备注"]
        return csv_bytes(lines) if filename.endswith(".csv") else xlsx_bytes(lines)

    assert run(session, file(catalogue.MAX_COLUMNS), filename, ImportKind.units).created == 2
    with pytest.raises(FileTooLarge) as refused:
        run(session, file(catalogue.MAX_COLUMNS + 1), filename, ImportKind.units)
    assert refused.value.message == "第 3 行在第 100 列之后还有内容；名单最多 100 列，请删除多余的列后再导入"


def test_a_cell_in_the_last_excel_column_is_refused_without_building_the_row_between(session: Session) -> None:
    cell = b'<c r="XFD3" t="inlineStr"><is><t>x</t></is></c>'
    content = rewrite(roster(), SHEET, lambda xml: re.sub(rb'(<row r="3"[^>]*>)', rb"\1" + cell, xml, count=1))

    with pytest.raises(FileTooLarge, match="第 3 行在第 100 列之后还有内容"):
        run(session, content)


# --- the report -------------------------------------------------------------------------------------------


def bad_units(count: int) -> bytes:
    return csv_bytes(grid(UNIT_HEADERS, [unit_row(i, 所在区县="火星区") for i in range(count)]))


def test_a_report_lists_the_first_rejected_rows_and_counts_them_all(client: TestClient, world: World) -> None:
    answer = client.post(
        "/api/v1/imports/units?dry_run=true",
        files={"file": ("单位.csv", bad_units(1200), "text/csv")},
        headers=world.headers(Role.city_official),
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total_rows"], body["created"], body["updated"], body["rejected_count"]) == (1200, 0, 0, 1200)
    assert [r["row"] for r in body["rejected"]] == list(range(2, 2 + catalogue.MAX_LISTED_REJECTIONS))
    assert body["notes"] == [
        "未导入的行共 1200 行，这里只列出了前 500 行，其余 700 行未列出；改正列出的行后再次导入（可先“只检查”），"
        "即可看到其余的行"
    ]
    assert len(answer.content) < 100_000


def test_every_rejected_row_is_listed_up_to_the_limit_and_on_request_beyond_it(session: Session) -> None:
    report = run(session, bad_units(catalogue.MAX_LISTED_REJECTIONS), "单位.csv", ImportKind.units)
    assert (len(report.rejected), report.rejected_count, report.notes) == (500, 500, [])

    everything = import_file(
        session=session,
        actor=CITY,
        kind=ImportKind.units,
        content=bad_units(600),
        filename="单位.csv",
        dry_run=True,
        list_limit=None,
    )
    assert (len(everything.rejected), everything.rejected_count, everything.notes) == (600, 600, [])
