"""The committed demo dataset in data/demo/: reproducible, complete, and internally consistent."""

import json
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest

from service.demo import generate
from service.paths import DATA_DIR

DEMO_DIR = DATA_DIR / "demo"
DEMO_TODAY = date(2026, 11, 29)
MOBILE = re.compile(r"1[3-9]\d{9}")

# GB 11643-1999, written out again here so the check does not lean on the generator's own implementation.
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"


def gb11643_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11] == number[17]


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return {
        name: json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("experts", "units", "needs", "leaders", "history")
    }


@pytest.fixture(scope="module")
def district_codes() -> set[str]:
    raw = json.loads((DATA_DIR / "districts.json").read_text(encoding="utf-8"))
    return {d["code"] for d in raw["districts"]}


def by_key(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in records}


def test_committed_files_equal_a_fresh_generation() -> None:
    fresh = generate.render(generate.generate())
    assert sorted(fresh) == sorted(generate.OUTPUT_FILES)
    for name, text in fresh.items():
        committed = (DEMO_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"data/demo/{name} is stale: run .venv/bin/python -m service.demo.generate"


def test_another_seed_gives_other_data() -> None:
    assert generate.render(generate.generate(seed=1)) != generate.render(generate.generate())


def test_counts_meet_minimums(demo: dict[str, Any]) -> None:
    history = demo["history"]
    assert len(demo["experts"]) >= 320
    assert len(demo["units"]) >= 160
    assert len(demo["needs"]) >= 320
    assert len(demo["leaders"]) >= 22
    assert 100 <= len(history["visits"]) <= 140
    assert 60 <= len(history["liaisons_last_year"]) <= 80
    assert 80 <= len(history["contacts"]) <= 100
    assert 30 <= len(history["concerns"]) <= 50


def test_keys_are_unique(demo: dict[str, Any]) -> None:
    for name in ("experts", "units", "needs", "leaders"):
        keys = [r["key"] for r in demo[name]]
        assert len(keys) == len(set(keys)), name
    assert len({e["name"] for e in demo["experts"]}) == len(demo["experts"])
    assert len({u["name"] for u in demo["units"]}) == len(demo["units"])


def test_every_district_has_experts_and_units(demo: dict[str, Any], district_codes: set[str]) -> None:
    assert len(district_codes) == 23
    assert {e["district"] for e in demo["experts"]} == district_codes
    assert {u["district"] for u in demo["units"]} == district_codes


def test_every_category_value_appears(demo: dict[str, Any]) -> None:
    experts = demo["experts"]
    assert {n["service_type"] for n in demo["needs"]} == set(generate.SERVICE_TYPES)
    assert {e["employer_type"] for e in experts} == set(generate.EMPLOYER_TYPES)
    assert {e["title_level"] for e in experts} == set(generate.TITLE_LEVELS)
    assert {e["talent_tier"] for e in experts} == set(generate.TALENT_TIERS)
    assert {u["kind"] for u in demo["units"]} == {"村", "社区", "镇街", "园区", "学校", "企业", "医院", "其他"}
    assert {n["status"] for n in demo["needs"]} == {"open", "draft", "submitted", "done", "withdrawn"}
    assert {e["status"] for e in experts} == {"在库", "暂停", "退出"}


def test_mostly_open_needs_and_available_experts(demo: dict[str, Any]) -> None:
    need_status = Counter(n["status"] for n in demo["needs"])
    assert need_status["open"] > len(demo["needs"]) / 2
    expert_status = Counter(e["status"] for e in demo["experts"])
    assert expert_status["在库"] > 0.8 * len(demo["experts"])
    assert sum(e["available"] for e in demo["experts"]) > 0.7 * len(demo["experts"])
    assert not any(e["available"] for e in demo["experts"] if e["status"] != "在库")


def test_id_numbers_are_valid_and_agree_with_birth_year_and_sex(demo: dict[str, Any]) -> None:
    for expert in demo["experts"]:
        number = expert["id_number"]
        assert gb11643_valid(number), number
        assert number.startswith("5101"), number
        assert int(number[6:10]) == expert["birth_year"], number
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))  # a real calendar date
        assert (int(number[16]) % 2 == 1) == (expert["sex"] == "男"), number
    assert len({e["id_number"] for e in demo["experts"]}) == len(demo["experts"])


def test_phone_numbers_are_mobile_numbers(demo: dict[str, Any]) -> None:
    phones = [e["phone"] for e in demo["experts"]]
    phones += [u["contact_phone"] for u in demo["units"]]
    phones += [leader["assistant_phone"] for leader in demo["leaders"]]
    assert all(MOBILE.fullmatch(p) for p in phones)
    assert len(set(phones)) == len(phones)


def test_some_needs_of_staffed_units_name_their_own_contact(demo: dict[str, Any]) -> None:
    kinds = {u["key"]: u["kind"] for u in demo["units"]}
    named = [n for n in demo["needs"] if "contact_name" in n]
    assert 40 <= len(named) <= len(demo["needs"]) // 2
    assert {kinds[n["unit"]] for n in named} <= {"园区", "学校", "企业", "医院"}
    assert all(n["contact_name"] and MOBILE.fullmatch(n["contact_phone"]) for n in named)


def test_expert_profiles_have_the_documented_shape(demo: dict[str, Any]) -> None:
    for expert in demo["experts"]:
        assert 30 <= len(expert["specialties"]) <= 120, expert["specialties"]
        assert 2 <= len(expert["documents"]) <= 5
        assert {d["kind"] for d in expert["documents"]} <= {"项目", "论文", "服务记录"}
        assert all(d["title"] and d["text"] for d in expert["documents"])
        assert expert["fields"]
        assert expert["field_labels"]
        assert 5 <= expert["yearly_capacity"] <= 12
        assert 1940 < expert["birth_year"] < 2000


def test_titles_follow_level_and_employer(demo: dict[str, Any]) -> None:
    for expert in demo["experts"]:
        if expert["employer_type"] == "高校":
            assert expert["title"] in ("教授", "副教授", "讲师", "助教")
        if expert["title_level"] == "正高":
            assert expert["title"] in {ladder[0] for ladder in generate.LADDERS.values()}
        if expert["talent_tier"] == "青年":
            assert expert["birth_year"] >= generate.YOUTH_FROM


def test_codes_exist_in_the_reference_files(demo: dict[str, Any], district_codes: set[str]) -> None:
    raw = json.loads((DATA_DIR / "fields.json").read_text(encoding="utf-8"))
    field_codes = {f["code"] for f in raw["fields"]}
    assert all(set(e["fields"]) <= field_codes for e in demo["experts"])
    assert all(n["field"] in field_codes for n in demo["needs"])
    assert all(set(leader["portfolio"]) <= field_codes for leader in demo["leaders"])
    assert all(n["district"] in district_codes for n in demo["needs"])


def test_needs_belong_to_existing_units_in_their_district(demo: dict[str, Any]) -> None:
    units = by_key(demo["units"])
    for need in demo["needs"]:
        unit = units[need["unit"]]
        assert need["district"] == unit["district"], need["key"]
        assert need["wanted_from"] < need["wanted_to"]
        assert need["experts_wanted"] in (1, 2, 3)
        assert 2 <= need["description"].count("。") <= 5, need["description"]


def test_leader_ranks(demo: dict[str, Any]) -> None:
    ranks = Counter(leader["rank"] for leader in demo["leaders"])
    assert ranks["主要领导"] == 2
    assert 8 <= ranks["常委"] <= 12
    assert ranks["其他市级"] >= 8


def test_visits_reference_fitting_experts_and_served_needs(demo: dict[str, Any]) -> None:
    needs, experts, units = by_key(demo["needs"]), by_key(demo["experts"]), by_key(demo["units"])
    load: Counter[tuple[str, str]] = Counter()
    for visit in demo["history"]["visits"]:
        need, expert = needs[visit["need"]], experts[visit["expert"]]
        assert need["status"] in ("done", "open")
        assert need["field"] in expert["fields"]
        assert expert["employer"] != units[need["unit"]]["name"]
        assert need["wanted_from"] <= visit["date"] < DEMO_TODAY.isoformat()
        assert 1 <= visit["rating"] <= 5
        load[(visit["expert"], visit["date"][:4])] += 1
    assert all(count <= experts[key]["yearly_capacity"] for (key, _), count in load.items())


def test_done_needs_have_visits(demo: dict[str, Any]) -> None:
    visited = {v["need"] for v in demo["history"]["visits"]}
    assert all(n["key"] in visited for n in demo["needs"] if n["status"] == "done")


def test_liaisons_respect_quotas_and_one_leader_per_expert(demo: dict[str, Any]) -> None:
    leaders, experts = by_key(demo["leaders"]), by_key(demo["experts"])
    liaisons = demo["history"]["liaisons_last_year"]
    per_leader = Counter(pair["leader"] for pair in liaisons)
    for key, leader in leaders.items():
        low, high = generate.LIAISON_QUOTA[leader["rank"]]
        assert low <= per_leader[key] <= high, (key, leader["rank"], per_leader[key])
    paired = [pair["expert"] for pair in liaisons]
    assert len(paired) == len(set(paired))
    assert all(key in experts for key in paired)
    assert {pair["year"] for pair in liaisons} == {2025}


def test_contacts_and_concerns_follow_liaisons(demo: dict[str, Any]) -> None:
    history = demo["history"]
    pairs = {(p["leader"], p["expert"]) for p in history["liaisons_last_year"]}
    contacts = {(c["leader"], c["expert"], c["date"]) for c in history["contacts"]}
    for contact in history["contacts"]:
        assert (contact["leader"], contact["expert"]) in pairs
        assert contact["mode"] in generate.CONTACT_MODES
        assert "2025-01-01" <= contact["date"] < DEMO_TODAY.isoformat()
    for concern in history["concerns"]:
        assert (concern["leader"], concern["expert"], concern["raised_on"]) in contacts
        assert concern["category"] in generate.CONCERN_CATEGORIES
        if concern["status"] == "answered":
            assert concern["reply"]
        else:
            assert concern["status"] == "open"
            assert concern["reply"] is None
            assert concern["satisfaction"] is None
    assert {c["status"] for c in history["concerns"]} == {"open", "answered"}


def test_natural_keys_used_by_the_loader_are_unique(demo: dict[str, Any]) -> None:
    """The loader upserts on these keys, so a duplicate would silently merge two records."""
    need_keys = Counter((n["unit"], n["title"]) for n in demo["needs"])
    assert max(need_keys.values()) == 1
    visit_keys = Counter((v["need"], v["expert"]) for v in demo["history"]["visits"])
    assert max(visit_keys.values()) == 1
    contact_keys = Counter((c["leader"], c["expert"], c["date"], c["mode"]) for c in demo["history"]["contacts"])
    assert max(contact_keys.values()) == 1
    assert len({leader["name"] for leader in demo["leaders"]}) == len(demo["leaders"])
