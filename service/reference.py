"""Reference data shipped in data/: districts (with neighbours) and discipline fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from service.paths import DATA_DIR


@dataclass(frozen=True)
class District:
    code: str
    name: str
    kind: str
    neighbours: tuple[str, ...]


@dataclass(frozen=True)
class DisciplineField:
    code: str
    name: str
    category: str


@lru_cache(maxsize=1)
def districts() -> dict[str, District]:
    """All districts by code, in the order they are listed."""
    raw = json.loads((DATA_DIR / "districts.json").read_text(encoding="utf-8"))["districts"]
    return {d["code"]: District(d["code"], d["name"], d["kind"], tuple(d["neighbours"])) for d in raw}


@lru_cache(maxsize=1)
def district_codes_by_name() -> dict[str, str]:
    """Name → code, accepting the short name too (锦江区 and 锦江)."""
    out: dict[str, str] = {}
    for d in districts().values():
        out[d.name] = d.code
        short = d.name.removesuffix("区").removesuffix("县").removesuffix("市")
        if len(short) >= 2:
            out.setdefault(short, d.code)
    return out


@lru_cache(maxsize=1)
def fields() -> dict[str, DisciplineField]:
    raw = json.loads((DATA_DIR / "fields.json").read_text(encoding="utf-8"))["fields"]
    return {f["code"]: DisciplineField(f["code"], f["name"], f["category"]) for f in raw}


@lru_cache(maxsize=1)
def field_codes_by_name() -> dict[str, str]:
    return {f.name: f.code for f in fields().values()}


def neighbours_map() -> dict[str, tuple[str, ...]]:
    """District code → neighbouring codes, in the shape the matching engine takes."""
    return {code: d.neighbours for code, d in districts().items()}


def district_name(code: str | None) -> str:
    if code is None:
        return ""
    d = districts().get(code)
    return d.name if d else code
