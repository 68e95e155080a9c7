"""Cell values as Excel and CSV give them (text, numbers, dates) turned into what the Create models take."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from service.importing import catalogue

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial day numbers Excel shows as dates between 1954 and 2119: a bare number in a date column.
_SERIAL_RANGE = (20000, 80000)
_SEPARATORS = re.compile("[" + re.escape(catalogue.LIST_SEPARATORS) + "]")


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
    return int(stripped) if re.fullmatch(r"[+-]?\d+", stripped) else result


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
        raise CellError(catalogue.bad_date(header))
    raw = text(value)
    if raw is None:
        return None
    match = _DATE.match(raw)
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
