"""Cell values as Excel and CSV give them (text, numbers, dates) turned into what the Create models take."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from service.importing import catalogue

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[ T].*)?$")
_YEAR_MONTH = re.compile(r"(\d{4})[\s\-/.年]*(?:\d{1,2}[\s\-/.月]*(?:\d{1,2}[\s日号]*)?)?")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # 20240501
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial day numbers Excel shows as dates between 1954 and 2119: a bare number in a date column.
_SERIAL_RANGE = (20000, 80000)
_SEPARATORS = re.compile("[" + re.escape(catalogue.LIST_SEPARATORS) + "]")
# A number as text with Excel's or another program's decimal tail (a column with blanks read as floats).
_POINT_ZERO = re.compile(r"^([+-]?\d+)\.0+$")
# Excel's display of a long number in a narrow or General cell (5.10131E+17), saved so into a CSV.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
# Excel's ways of keeping digits as text: ="13812345678" (written by many exporters), or a leading apostrophe.
_TEXT_FORMULA = re.compile(r'^="(.*)"$')
#: Significant digits Excel keeps of a number: a longer one (an 18-digit ID number) has lost its last digits.
EXCEL_DIGITS = 15
#: The error values a formula leaves in a cell (a VLOOKUP that found nothing: #N/A).
EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message is for people."""


def text(value: Any) -> str | None:
    """A cell as trimmed text; None when blank. Whole numbers lose Excel's “.0” (phones stored as numbers)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    result = str(value).strip()
    return result or None


def excel_error(value: Any) -> str | None:
    """The error value (#N/A, #REF!…) a formula left in the cell, as Excel shows it; None for any other value."""
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        return value.strip().upper()
    return None


def digits(value: Any, header: str) -> str | None:
    """A phone or ID number cell as text, in half-width characters, without the marks that keep it text in Excel
    (a leading apostrophe, ="…") and without a “.0” tail. A number of more than 15 digits, or one shown in
    scientific notation, has lost digits in Excel: refused, rather than read as somebody else's number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return text(value)
        if len(str(abs(int(value)))) > EXCEL_DIGITS:
            raise CellError(catalogue.number_lost_digits(header))
        return str(int(value))
    raw = text(value)
    if raw is None:
        return None
    raw = unicodedata.normalize("NFKC", raw).strip()
    quoted = _TEXT_FORMULA.match(raw)
    if quoted:
        raw = quoted[1].strip()
    raw = raw.removeprefix("'").strip()
    if _SCIENTIFIC.match(raw):
        raise CellError(catalogue.scientific_notation(header))
    point_zero = _POINT_ZERO.match(raw)
    if point_zero:
        raw = point_zero[1]
    return raw or None


def integer(value: Any) -> int | str | None:
    """An int when the cell holds a whole number; otherwise the text, for the model to refuse in words."""
    if isinstance(value, bool):
        return text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    result = text(value)
    if result is None:
        return None
    stripped = result.removesuffix("年").removesuffix("次").removesuffix("人").strip()
    point_zero = _POINT_ZERO.match(stripped)
    if point_zero:
        stripped = point_zero[1]
    return int(stripped) if re.fullmatch(r"[+-]?\d+", stripped) else result


def birth_year(value: Any) -> int | str | None:
    """The year of a 出生年份 / 出生年月 cell: 1975, 1975.05 (Excel keeps 年.月 typed so as a number), 1975年5月,
    1975-05-01, 197505, or an Excel date; anything else as integer() gives it, for the model to refuse."""
    if isinstance(value, datetime | date):
        return value.year
    if isinstance(value, float) and not value.is_integer() and 1000 <= value < 10000:
        return int(value)
    raw = text(value)
    if raw is None or isinstance(value, int | float):
        return integer(value)
    match = _YEAR_MONTH.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    return int(match[1]) if match else integer(value)


def day(value: Any, header: str) -> date | None:
    """A date from an Excel date cell, a serial day number, or text like 2024-05-01, 2024/5/1, 2024年5月1日."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        if isinstance(value, float) and not value.is_integer():
            raise CellError(catalogue.bad_date(header))
        value = str(int(value))  # 20240501 typed into a number cell
    raw = text(value)
    if raw is None:
        return None
    raw = unicodedata.normalize("NFKC", raw).strip()  # ２０２４／５／１
    match = _DATE.match(raw) or _COMPACT_DATE.match(raw)
    if match is None:
        raise CellError(catalogue.bad_date(header))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise CellError(catalogue.bad_date(header)) from error


def items(value: Any, whole: Iterable[str] = ()) -> list[str]:
    """Several values in one cell, separated by 、，, ; or /; the `whole` values (“畜牧、兽医科学”) stay intact."""
    raw = text(value)
    if raw is None:
        return []
    found: list[tuple[int, str]] = []
    for name in sorted(whole, key=len, reverse=True):
        position = raw.find(name)
        while position >= 0:
            found.append((position, name))
            raw = raw[:position] + "、" * len(name) + raw[position + len(name) :]
            position = raw.find(name)
    position = 0
    for part in _SEPARATORS.split(raw):
        if part.strip():
            found.append((position, part.strip()))
        position += len(part) + 1
    return [name for _, name in sorted(found)]


def has_separator(value: str) -> bool:
    return _SEPARATORS.search(value) is not None


def party_member(value: Any) -> bool:
    """政治面貌: 中共党员 (and its variants) → True; anything else, or blank → False."""
    raw = text(value)
    return raw is not None and raw.replace(" ", "") in catalogue.PARTY_MEMBER_VALUES


def is_masked(value: Any) -> bool:
    """A phone or ID number as our exports mask it (138****1234)."""
    raw = text(value)
    return raw is not None and ("*" in raw or "＊" in raw)
