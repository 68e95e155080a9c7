"""Everything an official reads in an import: the column headers we accept and every Chinese message.

Headers are matched after removing all whitespace (so “ 姓 名 ” is 姓名) and a leading or trailing `*`
(the “required” mark many templates carry).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service import vocab


class ImportKind(StrEnum):
    experts = "experts"
    units = "units"
    needs = "needs"


KIND_LABELS: dict[str, str] = {
    ImportKind.experts: "专家",
    ImportKind.units: "单位",
    ImportKind.needs: "需求",
}


@dataclass(frozen=True)
class Column:
    """One importable column: its header as we write it, the model field behind it, other accepted headers."""

    header: str
    field: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


EXPERT_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", ("专家姓名",), required=True),
    Column("性别", "sex"),
    Column("出生年份", "birth_year", ("出生年", "出生年度", "出生年月", "出生日期")),
    Column("工作单位", "employer", ("单位", "所在单位", "工作单位名称")),
    Column("单位类型", "employer_type", ("单位性质",)),
    Column("职称", "title", ("专业技术职称", "职务职称")),
    Column("职称级别", "title_level", ("职称等级",)),
    Column("专业领域", "fields", ("领域", "学科领域", "专业")),
    Column("专业特长", "specialties", ("特长", "研究方向")),
    Column("人才层次", "talent_tier", ("人才类别", "人才层级")),
    Column("政治面貌", "party_member"),
    Column("所在区县", "district", ("区县", "所属区县", "区（市）县", "区(市)县", "所在区（市）县"), required=True),
    Column("联系电话", "phone", ("手机", "手机号", "手机号码", "电话", "联系方式")),
    Column("身份证号码", "id_number", ("身份证号", "身份证", "公民身份号码")),
    Column("年度服务次数", "yearly_capacity", ("年度服务次数上限", "每年服务次数")),
    Column("状态", "status", ("专家状态",)),
)

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("单位名称", "name", ("名称", "单位"), required=True),
    Column("单位类别", "kind", ("类别", "单位类型"), required=True),
    Column("所在区县", "district", ("区县", "所属区县", "区（市）县", "区(市)县"), required=True),
    Column("联系人", "contact_name", ("联系人姓名",)),
    Column("联系电话", "contact_phone", ("手机", "手机号", "手机号码", "电话", "联系方式")),
    Column("地址", "address", ("单位地址", "详细地址")),
)

NEED_COLUMNS: tuple[Column, ...] = (
    Column("单位名称", "unit_name", ("单位", "需求单位", "发布单位"), required=True),
    Column("需求标题", "title", ("标题", "需求名称"), required=True),
    Column("需求描述", "description", ("描述", "需求内容", "具体需求")),
    Column("服务类型", "service_type", ("类型",), required=True),
    Column("领域", "field", ("专业领域", "需求领域")),
    Column("期望开始日期", "wanted_from", ("开始日期",)),
    Column("期望结束日期", "wanted_to", ("结束日期",)),
    Column("需要专家人数", "experts_wanted", ("专家人数", "所需专家人数")),
    Column("需求联系人", "contact_name", ("联系人", "联系人姓名")),
    Column("联系人电话", "contact_phone", ("联系电话", "手机", "手机号", "手机号码", "电话", "联系方式")),
    Column("状态", "status", ("需求状态",)),
)

COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.experts: EXPERT_COLUMNS,
    ImportKind.units: UNIT_COLUMNS,
    ImportKind.needs: NEED_COLUMNS,
}

#: Columns our own exports add for reading only; an import skips them without mentioning them.
EXPORT_ONLY_HEADERS: dict[ImportKind, frozenset[str]] = {
    ImportKind.experts: frozenset({"本年度已服务次数", "编号"}),
    ImportKind.units: frozenset({"编号"}),
    ImportKind.needs: frozenset({"编号", "所在区县", "创建时间"}),
}

#: 政治面貌 values that mean a member of the Communist Party of China.
PARTY_MEMBER_VALUES = frozenset({"中共党员", "中共预备党员", "党员", "预备党员", "中国共产党党员"})
PARTY_MEMBER_LABEL = "中共党员"

#: Separators between several 专业领域 in one cell.
LIST_SEPARATORS = "、，,;；/／"

#: Need states in officials' words (the platform's own labels).
NEED_STATE_LABELS = vocab.NEED_STATE_LABELS

#: Need states an import may set; others only when they equal the need's current state.
IMPORTABLE_NEED_STATES = ("draft", "submitted", "open")
#: The state of a need that a file creates without a 状态 column: officials import needs they have collected.
NEW_NEED_STATE = "open"

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: How far down a sheet the header row is looked for (title rows above it are common).
HEADER_SEARCH_ROWS = 10

# Bounds on what one file may hold: a hostile file must be refused after little work, a roster never is.
#: Data rows (non-empty rows below the header) one file may hold.
MAX_DATA_ROWS = 20_000
#: The last column a cell with content may be in (our widest roster has 16 columns).
MAX_COLUMNS = 100
#: Cells read in all (each row counts at least one, so that empty rows count too; formatted empty cells count).
MAX_CELLS = 1_000_000
#: XML elements of the sheet read in all (a cell is two or three).
MAX_SHEET_ELEMENTS = 4 * MAX_CELLS
#: Merged ranges in the sheet.
MAX_MERGED_RANGES = 20_000
#: An .xlsx's members together, unpacked (what the 10 MB of a real roster unpack to, with room to spare).
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
#: The shared strings (every distinct text of the workbook), read whole.
MAX_XLSX_STRINGS_BYTES = 48 * 1024 * 1024
#: Each other XML part openpyxl reads whole (styles, workbook, relations…; Excel's 64,000 formats fit in 4 MB).
MAX_XLSX_PART_BYTES = 8 * 1024 * 1024
#: Elements of a worksheet before its cells (column widths, views…), which openpyxl also reads whole.
MAX_SHEET_HEAD_ELEMENTS = 100_000
#: Rejected rows listed one by one in a report (API, page); the count always covers all of them.
MAX_LISTED_REJECTIONS = 500


# --- messages: files ------------------------------------------------------------------------------------


def file_too_large(limit_bytes: int) -> str:
    return f"文件超过 {limit_bytes // (1024 * 1024)} MB，请拆分后分批导入"


UNSUPPORTED_FILE = "只支持 Excel 工作簿（.xlsx）或 CSV 文件（.csv）"
OLD_XLS = "不支持旧版 Excel 格式（.xls），请在 Excel 中“另存为” .xlsx 后再导入"
EMPTY_FILE = "文件是空的"
UNREADABLE_XLSX = "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式"
UNKNOWN_ENCODING = "无法识别 CSV 文件的编码，请另存为“CSV UTF-8（逗号分隔）”后再导入"


def too_many_rows(limit: int) -> str:
    return f"文件中的数据超过 {limit} 行（不含表头和空行），请拆分后分批导入，每个文件不超过 {limit} 行"


def too_many_columns(limit: int, row: int) -> str:
    return f"第 {row} 行在第 {limit} 列之后还有内容；名单最多 {limit} 列，请删除多余的列后再导入"


def too_many_cells(limit: int) -> str:
    return (
        f"表格的单元格过多（超过 {limit // 10_000} 万个，空行和设置了格式的空白单元格也计算在内），"
        "请删除多余的行和列后再导入，或拆分后分批导入"
    )


def xlsx_unpacks_too_large(limit_bytes: int) -> str:
    return (
        f"该 Excel 文件解压后超过 {limit_bytes // (1024 * 1024)} MB，远大于正常的名单；"
        "请只保留名单所在的工作表，删除图片和多余的行列，另存为新文件后再导入"
    )


def merged_range_too_large(ref: str, limit_rows: int) -> str:
    return f"合并单元格 {ref} 跨越的行数超过 {limit_rows} 行，不是名单中的合并；请取消该合并后再导入"


def too_many_merged_ranges(limit: int) -> str:
    return f"合并单元格过多（超过 {limit} 处）或相互重叠，请取消不需要的合并后再导入"


XLSX_ABNORMAL = "该 Excel 文件中的格式等附加信息异常庞大，不是正常的名单文件；请把名单复制到新建的工作簿，另存后再导入"
UNREADABLE_CSV = "无法读取该 CSV 文件（单元格内容过长或含有无法识别的字符），请在 Excel 中另存为 CSV 后再导入"


def rejections_not_listed(total: int, listed: int) -> str:
    return (
        f"未导入的行共 {total} 行，这里只列出了前 {listed} 行，其余 {total - listed} 行未列出；"
        "改正列出的行后再次导入（可先“只检查”），即可看到其余的行"
    )


#: Said whenever a district official's file has the column: the answer must not depend on its cells.
ID_NUMBER_NOT_READ = (
    "区县组织部门导入专家时不读取“身份证号码”列：该列既不用于匹配，也不写入，已有专家按“姓名 + 工作单位”匹配，"
    "系统中的身份证号码保持不变；身份证号码由市委组织部导入"
)


def other_sheets_not_read(read: str, others: list[str]) -> str:
    names = "、".join(f"“{name}”" for name in others)
    return (
        f"只导入了工作表“{read}”；工作簿中的其他工作表 {names} 也有内容，未导入。"
        "如需导入，请把每个工作表分别复制到新的工作簿（或在 Excel 中切换到该工作表后保存），再分别导入"
    )


def no_header(kind: ImportKind, sheet: str | None = None, others: list[str] | None = None) -> str:
    expected = "、".join(c.header for c in COLUMNS[kind] if c.required)
    where = ""
    if sheet is not None:
        where = f"（读取的是工作表“{sheet}”：只读取打开文件时显示的工作表"
        if others:
            where += "，请在 Excel 中切换到名单所在的工作表后保存，再导入"
        where += "）"
    return (
        f"在前 {HEADER_SEARCH_ROWS} 行中找不到{KIND_LABELS[kind]}表的表头{where}；"
        f"表头应包含：{expected}（可下载导出的表格作为模板）"
    )


def missing_columns(headers: list[str]) -> str:
    return f"缺少必需的列：{'、'.join(headers)}"


def duplicate_column(header: str) -> str:
    return f"表头中“{header}”列出现了多次，请只保留一列"


# --- messages: rows -------------------------------------------------------------------------------------


def merged_across_columns(first: str, last: str) -> str:
    return f"本行的 {first}–{last} 列单元格被合并（如分组标题行），无法按列读取；请取消合并或删除此行"


def duplicate_in_file(first_row: int, key: str) -> str:
    return f"与第 {first_row} 行重复（{key}相同），已保留第 {first_row} 行"


def same_record_in_file(first_row: int) -> str:
    return f"与第 {first_row} 行指向同一条已有记录，已保留第 {first_row} 行"


KEY_ID_NUMBER = "身份证号码"
KEY_NAME_EMPLOYER = "姓名和工作单位"
KEY_UNIT_NAME = "单位名称"
KEY_UNIT_TITLE = "单位名称和需求标题"


def bad_integer(header: str) -> str:
    return f"{header}应为整数"


def number_lost_digits(header: str) -> str:
    return (
        f"{header}在 Excel 中被存成了数字，Excel 只保留数字的前 15 位，后面几位已丢失；"
        f"请把该列设置为“文本”格式，重新填写完整的{header}后再导入"
    )


def scientific_notation(header: str) -> str:
    return (
        f"{header}是 Excel 的科学计数法显示（如 1.38E+10、5.10131E+17），号码已不完整；"
        f"请在 Excel 中把该列设置为“文本”格式，重新填写完整的{header}后再导入"
    )


def formula_error(header: str, error: str) -> str:
    return f"{header}是公式的错误值“{error}”，请在 Excel 中改正公式（或直接填写内容）后再导入"


def unknown_field(header: str, value: str) -> str:
    return f"{header}“{value}”不在学科分类（GB/T 13745）中"


def bad_date(header: str) -> str:
    return f"{header}不是有效日期，应写成 2024-05-01 或 2024/5/1"


def unknown_unit(name: str) -> str:
    return f"单位“{name}”不存在，请先导入或新增该单位"


def unknown_need_state(value: str, allowed: list[str]) -> str:
    return f"状态“{value}”无效，应为：{'、'.join(allowed)}"


def need_state_locked(current: str) -> str:
    return f"需求当前为“{current}”，不能通过导入修改"


def need_state_change_refused(current: str, wanted: str) -> str:
    return f"需求当前为“{current}”，不能通过导入改为“{wanted}”"


def out_of_district(own: str, row_district: str) -> str:
    return f"只能导入本辖区（{own}）的记录，此行属于{row_district}"


def record_in_other_district(own: str, record_district: str) -> str:
    return f"系统中的这条记录属于{record_district}，只能由该区县或市委组织部修改（本辖区：{own}）"


MASKED_VALUE_FOR_NEW = "这是脱敏后的号码（含 *），新增记录时请填写完整号码"


# --- messages: applying ---------------------------------------------------------------------------------


def aborted_integrity(first_row: int, last_row: int) -> str:
    return (
        f"写入第 {first_row}–{last_row} 行时与数据库中的记录冲突（可能是导入期间他人修改了数据），"
        "整个文件未导入，数据库保持导入前的状态；请重新导入"
    )


def aborted_database(first_row: int, last_row: int) -> str:
    return f"写入第 {first_row}–{last_row} 行时数据库出错，整个文件未导入，数据库保持导入前的状态；请稍后重试"


def aborted_record_gone(row: int, kind: ImportKind) -> str:
    return f"第 {row} 行要更新的{KIND_LABELS[kind]}在导入期间已被删除，整个文件未导入；请重新导入"


def new_need_state_refused(wanted: str, allowed: list[str]) -> str:
    return f"新导入需求的状态不能为“{wanted}”，只能为：{'、'.join(allowed)}"


PERIOD_OUT_OF_ORDER = "期望服务时间的结束日期不能早于开始日期"


# --- exports --------------------------------------------------------------------------------------------


class ExportKind(StrEnum):
    experts = "experts"
    units = "units"
    needs = "needs"
    visits = "visits"


#: Sheet title and download name (before the date) of each export.
EXPORT_TITLES: dict[str, str] = {
    ExportKind.experts: "专家名单",
    ExportKind.units: "基层单位名单",
    ExportKind.needs: "需求清单",
    ExportKind.visits: "服务记录",
}
EXPERT_VISITS_THIS_YEAR = "本年度已服务次数"
NEED_DISTRICT = "所在区县"
CREATED_AT = "创建时间"
VISIT_HEADERS: tuple[str, ...] = (
    "需求标题",
    "单位名称",
    "所在区县",
    "专家姓名",
    "状态",
    "服务年度",
    "计划开始日期",
    "计划结束日期",
    "服务日期",
    "服务天数",
    "服务内容",
    "培训人数",
    "推广技术",
    "解决问题数",
    "评分",
    "评价",
    "婉拒原因",
    "退回原因",
    CREATED_AT,
)
