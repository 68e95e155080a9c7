"""A district official's import must not tell whether an ID number exists (the ID-number oracle).

The masked ID (first 6 + last 4) and the birth year leave only the month and day unknown: about 33 candidates
after the check digit. If an import answered differently for the right candidate, one dry run would give the
full number away. Only city officials' imports read the 身份证号码 column.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.importing import ImportKind, ImportReport, catalogue, import_file
from service.models import Account, Expert
from service.vocab import Role
from tests.service.fixtures_excel import csv_bytes
from tests.service.world import DISTRICT, World

WUHOU = "510107"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ATTACK_HEADERS = ["姓名", "工作单位", "所在区县", "身份证号码", "联系电话"]


def with_check_digit(body: str) -> str:
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def candidates(real: str) -> list[str]:
    """Every valid ID number with the real one's masked parts (first 6, birth year, last 4): the attacker's list."""
    out = []
    for month in range(1, 13):
        for day in range(1, 32):
            number = with_check_digit(f"{real[:10]}{month:02d}{day:02d}{real[14:17]}")
            if number[-1] == real[-1]:
                out.append(number)
    return out


REAL_LOCAL = with_check_digit("51013119780523041")  # an expert of 蒲江县, the official's district
REAL_ELSEWHERE = with_check_digit("51010719820914052")  # an expert of 武侯区


@pytest.fixture
def experts(session: Session) -> tuple[Expert, Expert]:
    local = Expert(
        name="陈静",
        employer="蒲江县人民医院",
        district=DISTRICT,
        phone="13800000000",
        id_number=REAL_LOCAL,
        birth_year=1978,
    )
    elsewhere = Expert(
        name="刘洋",
        employer="四川大学华西医院",
        district=WUHOU,
        phone="13900000000",
        id_number=REAL_ELSEWHERE,
        birth_year=1982,
    )
    session.add(local)
    session.add(elsewhere)
    session.commit()
    return local, elsewhere


def attack(name: str, employer: str, ids: list[str], phone: str) -> bytes:
    return csv_bytes([ATTACK_HEADERS, *([name, employer, "蒲江县", n, phone] for n in ids)])


def dry_run(client: TestClient, world: World, content: bytes, role: Role = Role.district_official) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/imports/experts?dry_run=true",
        files={"file": ("专家.csv", content, "text/csv")},
        headers=world.headers(role),
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_candidates_include_the_real_numbers_and_some_wrong_ones() -> None:
    for real in (REAL_LOCAL, REAL_ELSEWHERE):
        found = candidates(real)
        assert real in found
        assert 20 < len(found) < 45


@pytest.mark.parametrize(
    ("name", "employer", "phone"),
    [
        ("陈静", "蒲江县人民医院", "138****0000"),  # the local expert, as the profile shows her
        ("陈静", "蒲江县人民医院", ""),
        ("某某", "某单位", "138****0000"),  # any name: only the ID number would match
        ("某某", "某单位", "13711112222"),
        ("刘洋", "四川大学华西医院", "139****0000"),  # the 武侯区 expert
        ("某某", "某单位", "139****0000"),
    ],
)
def test_a_district_officials_dry_run_answers_the_same_for_the_right_and_a_wrong_id_number(
    client: TestClient, world: World, experts: tuple[Expert, Expert], name: str, employer: str, phone: str
) -> None:
    for real in (REAL_LOCAL, REAL_ELSEWHERE):
        wrong = next(n for n in candidates(real) if n != real)
        right_answer = dry_run(client, world, attack(name, employer, [real], phone))
        wrong_answer = dry_run(client, world, attack(name, employer, [wrong], phone))
        assert right_answer == wrong_answer, (real, name)
        # The whole candidate list: the answer does not depend on where (or whether) the real number sits.
        listed = candidates(real)
        without_real = [n if n != real else wrong for n in listed]
        assert dry_run(client, world, attack(name, employer, listed, phone)) == dry_run(
            client, world, attack(name, employer, without_real, phone)
        )
        assert dry_run(client, world, attack(name, employer, listed, phone)) == dry_run(
            client, world, attack(name, employer, list(reversed(listed)), phone)
        )


def test_the_id_column_is_not_read_for_a_district_official_and_the_report_says_so(
    client: TestClient, world: World, experts: tuple[Expert, Expert]
) -> None:
    body = dry_run(client, world, attack("陈静", "蒲江县人民医院", [REAL_LOCAL], "138****0000"))

    assert (body["created"], body["updated"], body["rejected"]) == (0, 1, [])  # matched by name and employer
    assert body["ignored_columns"] == ["身份证号码"]
    assert body["notes"] == [catalogue.ID_NUMBER_NOT_READ]
    invalid = dry_run(client, world, attack("陈静", "蒲江县人民医院", ["510131197805230419"], "138****0000"))
    assert invalid == body, "not even checked: a malformed number answers the same"


def test_a_district_officials_import_neither_writes_nor_clashes_on_an_id_number(
    session: Session, experts: tuple[Expert, Expert]
) -> None:
    """Writing for real: a new expert's row carrying another expert's number is created without it (no
    unique-constraint failure that would tell the number exists), and a matched expert's number is kept."""
    actor = Account(username="d", password_hash="", role=Role.district_official, district=DISTRICT)
    wrong = next(n for n in candidates(REAL_ELSEWHERE) if n != REAL_ELSEWHERE)
    reports: list[ImportReport] = []
    for seq, number in enumerate((REAL_ELSEWHERE, wrong)):
        content = csv_bytes(
            [
                ATTACK_HEADERS,
                [f"新专家{seq}", "某单位", "蒲江县", number, "13711112222"],
                ["陈静", "蒲江县人民医院", "蒲江县", number, ""],
            ]
        )
        reports.append(
            import_file(session=session, actor=actor, kind=ImportKind.experts, content=content, filename="a.csv")
        )
    assert [(r.created, r.updated, r.rejected) for r in reports] == [(1, 1, []), (1, 1, [])]
    session.expire_all()
    created = session.exec(select(Expert).where(Expert.name.startswith("新专家"))).all()  # type: ignore[attr-defined]
    assert [e.id_number for e in created] == [None, None]
    assert session.exec(select(Expert.id_number).where(Expert.name == "陈静")).one() == REAL_LOCAL


def test_a_city_official_still_matches_by_id_number(
    client: TestClient, world: World, experts: tuple[Expert, Expert]
) -> None:
    wrong = next(n for n in candidates(REAL_ELSEWHERE) if n != REAL_ELSEWHERE)
    right = dry_run(client, world, attack("某某", "某单位", [REAL_ELSEWHERE], "139****0000"), Role.city_official)
    other = dry_run(client, world, attack("某某", "某单位", [wrong], "139****0000"), Role.city_official)

    assert (right["updated"], right["rejected"], right["notes"]) == (1, [], [])
    assert other["updated"] == 0
    assert other["rejected"][0]["reason"] == catalogue.MASKED_VALUE_FOR_NEW
