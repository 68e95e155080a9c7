"""Workbooks and CSV files built in memory for the import/export tests (no binary fixtures in git)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook, load_workbook

EXPERT_HEADERS = [
    "姓名",
    "性别",
    "出生年份",
    "工作单位",
    "单位类型",
    "职称",
    "职称级别",
    "专业领域",
    "专业特长",
    "人才层次",
    "政治面貌",
    "所在区县",
    "联系电话",
    "身份证号码",
    "年度服务次数",
    "状态",
]
UNIT_HEADERS = ["单位名称", "单位类别", "所在区县", "联系人", "联系电话", "地址"]
NEED_HEADERS = [
    "单位名称",
    "需求标题",
    "需求描述",
    "服务类型",
    "领域",
    "期望开始日期",
    "期望结束日期",
    "需要专家人数",
    "状态",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(seq: int, district: str = "510131") -> str:
    """A valid 18-digit ID number (check digit computed), distinct for every `seq` below 36 million."""
    birth = date(1960, 1, 1) + timedelta(days=seq // 1000)
    body = f"{district}{birth:%Y%m%d}{seq % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def phone(seq: int) -> str:
    return f"138{seq:08d}"


def expert_row(seq: int, **overrides: Any) -> dict[str, Any]:
    """A good expert row, header → value; `overrides` replace cells (keys are headers)."""
    row: dict[str, Any] = {
        "姓名": f"专家{seq}",
        "性别": "男" if seq % 2 else "女",
        "出生年份": 1960 + seq % 40,
        "工作单位": "四川农业大学",
        "单位类型": "高校",
        "职称": "教授",
        "职称级别": "正高",
        "专业领域": "农学、520",
        "专业特长": "猕猴桃栽培",
        "人才层次": "地方级领军",
        "政治面貌": "中共党员" if seq % 3 == 0 else "群众",
        "所在区县": "蒲江县",
        "联系电话": phone(seq),
        "身份证号码": id_number(seq),
        "年度服务次数": 8,
        "状态": "在库",
    }
    row.update(overrides)
    return row


def unit_row(seq: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "单位名称": f"蒲江县第{seq}村",
        "单位类别": "村",
        "所在区县": "蒲江",
        "联系人": f"联系人{seq}",
        "联系电话": phone(seq),
        "地址": f"寿安镇{seq}号",
    }
    row.update(overrides)
    return row


def need_row(unit_name: str, seq: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "单位名称": unit_name,
        "需求标题": f"技术指导需求{seq}",
        "需求描述": "希望专家现场指导",
        "服务类型": "技术服务",
        "领域": "农学",
        "期望开始日期": date(2025, 3, 1),
        "期望结束日期": "2025/6/30",
        "需要专家人数": 2,
        "状态": "",
    }
    row.update(overrides)
    return row


def grid(headers: Sequence[str], rows: Sequence[dict[str, Any] | None]) -> list[list[Any]]:
    """Header line then one list per row, in header order; None gives an empty row."""
    out: list[list[Any]] = [list(headers)]
    for row in rows:
        out.append([None] * len(headers) if row is None else [row.get(h) for h in headers])
    return out


def xlsx_bytes(lines: Sequence[Sequence[Any]], *, merges: Sequence[str] = (), fast: bool = False) -> bytes:
    """An .xlsx whose first sheet holds `lines` from A1; `merges` like "D2:D4" are merged after writing."""
    buffer = io.BytesIO()
    if fast:
        assert not merges, "write-only workbooks cannot merge cells"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("名单")
        for line in lines:
            sheet.append(list(line))
        workbook.save(buffer)
        return buffer.getvalue()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in lines:
        sheet.append(list(line))
    for cells in merges:
        sheet.merge_cells(cells)
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return text.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> tuple[Any, list[list[Any]]]:
    """The first sheet of a workbook and its values, row by row."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]
