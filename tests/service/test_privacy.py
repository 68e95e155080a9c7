"""Personal data: phone and ID number masked for anyone not entitled, and never written to the logs."""

from __future__ import annotations

import logging
import re
import sys

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from uvicorn.logging import AccessFormatter

from service.logging_setup import PersonalDataFilter, install_filter
from service.models import Account, Expert
from service.security import create_access_token
from service.validation import id_number_is_valid
from service.vocab import Role
from tests.service.world import OTHER_DISTRICT, World, make_account

API = "/api/v1"
PHONE, PHONE_MASKED = "13812345678", "138****5678"
ID_NUMBER, ID_MASKED = "510131197001011234", "510131********1234"
OTHER_PHONE, OTHER_PHONE_MASKED = "13712345678", "137****5678"


@pytest.fixture
def session(kept_session: Session) -> Session:
    return kept_session


def bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}


def personal(client: TestClient, expert_id: int | None, headers: dict[str, str]) -> tuple[str, str]:
    answer = client.get(f"{API}/experts/{expert_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["phone"], answer.json()["id_number"]


def test_expert_and_city_see_the_expert_in_full(client: TestClient, world: World) -> None:
    assert personal(client, world.expert.id, world.headers("expert")) == (PHONE, ID_NUMBER)
    assert personal(client, world.expert.id, world.headers("city_official")) == (PHONE, ID_NUMBER)


def test_district_official_of_another_district_sees_masked(client: TestClient, world: World, session: Session) -> None:
    other_district = bearer(make_account(session, "jinjiang", Role.district_official, district=OTHER_DISTRICT))
    session.commit()
    assert personal(client, world.expert.id, other_district) == (PHONE_MASKED, ID_MASKED)
    # Their own district's list: its experts only; the phone is theirs to use, the ID number is not.
    listed = client.get(f"{API}/experts", headers=other_district).json()["data"]
    assert [(e["id"], e["phone"]) for e in listed] == [(world.other_expert.id, OTHER_PHONE)]
    # The world's district official is entitled to the phone of an expert in their district, not the ID.
    assert personal(client, world.expert.id, world.headers("district_official")) == (PHONE, ID_MASKED)


def test_leader_sees_own_pair_only_in_full(client: TestClient, world: World) -> None:
    leader = world.headers("leader")
    # an expert the leader is not paired with does not open at all (test_authz_matrix)
    assert client.get(f"{API}/experts/{world.other_expert.id}", headers=leader).status_code == 403
    assert personal(client, world.expert.id, leader) == (PHONE, ID_MASKED)
    listed = client.get(f"{API}/experts", headers=leader).json()["data"]
    assert [(e["id"], e["phone"], e["id_number"]) for e in listed] == [(world.expert.id, PHONE, ID_MASKED)]


def test_a_leader_whose_pair_is_years_old_sees_the_phone_masked(
    client: TestClient, world: World, session: Session
) -> None:
    """The pair's year is over (pairs are not switched off at year end): the profile still opens, the phone is
    for this year's (and next year's) leaders."""
    liaison = world.liaison
    liaison.year -= 2
    session.add(liaison)
    session.commit()
    assert personal(client, world.expert.id, world.headers("leader")) == (PHONE_MASKED, ID_MASKED)
    liaison.year += 3  # confirmed for next year: the leader may call ahead
    session.add(liaison)
    session.commit()
    assert personal(client, world.expert.id, world.headers("leader")) == (PHONE, ID_MASKED)


def test_unit_sees_the_phone_once_the_visit_is_accepted(client: TestClient, world: World, session: Session) -> None:
    unit = world.headers("unit")
    other_unit = bearer(make_account(session, "chunxi", Role.unit, unit_id=world.other_unit.id))
    session.commit()
    # a unit never sees an ID number, not even masked
    assert personal(client, world.expert.id, unit) == (PHONE_MASKED, None)
    accepted = client.post(f"{API}/visits/{world.visit.id}/accept", headers=world.headers("expert"))
    assert accepted.status_code == 200, accepted.text
    assert personal(client, world.expert.id, unit) == (PHONE, None)
    # Another unit, with no visit from this expert, does not see the profile at all.
    assert client.get(f"{API}/experts/{world.expert.id}", headers=other_unit).status_code == 403


def test_no_get_route_shows_a_unit_the_experts_full_personal_data(client: TestClient, world: World) -> None:
    """Sweep every parameterless or world-parameterised GET the unit may call (lists, search, candidates)."""
    unit = world.headers("unit")
    ids = {
        "need_id": world.need.id,
        "expert_id": world.expert.id,
        "visit_id": world.visit.id,
        "unit_id": world.unit.id,
    }
    checked = 0
    for route in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        path, operations = route
        if "get" not in operations or not path.startswith(API):
            continue
        names = re.findall(r"{(\w+)}", path)
        if any(n not in ids for n in names):
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
        answer = client.get(url, headers=unit, params={"q": "猕猴桃"} if "search" in path else None)
        if answer.status_code != 200 or "json" not in answer.headers.get("content-type", ""):
            continue
        checked += 1
        assert PHONE not in answer.text, f"{url} shows the unit the expert's phone"
        assert ID_NUMBER not in answer.text, f"{url} shows the unit the expert's ID number"
    assert checked >= 5


def _valid_id_number(first_17: str) -> str:
    return next(first_17 + c for c in "0123456789X" if id_number_is_valid(first_17 + c))


def _id_number_ending_in_x() -> str:
    for serial in range(100, 1000):
        candidate = f"51010719850101{serial}X"
        if id_number_is_valid(candidate):
            return candidate
    raise AssertionError("no valid ID number with check digit X")


def test_personal_data_never_reaches_the_logs(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """With SQL logging on (parameters included), phone and ID numbers sent in bodies and query strings
    appear in the log only masked."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    install_filter()  # as the app does at start-up: every handler on the root logger now masks
    assert any(isinstance(f, PersonalDataFilter) for f in caplog.handler.filters)
    city = world.headers("city_official")
    new_phone, new_id = "15987654321", _id_number_ending_in_x()
    created = client.post(
        f"{API}/experts",
        json={"name": "周敏", "district": "锦江区", "phone": new_phone, "id_number": new_id},
        headers=city,
    )
    assert created.status_code == 201, created.text
    client.get(f"{API}/experts", params={"q": PHONE}, headers=city)
    client.patch(f"{API}/experts/{world.expert.id}", json={"phone": "18611112222"}, headers=city)
    client.patch(f"{API}/units/{world.unit.id}", json={"contact_phone": "13500009999"}, headers=city)
    bad = client.post(
        f"{API}/experts", json={"name": "错号", "district": "锦江区", "phone": "1381234567"}, headers=city
    )
    assert bad.status_code == 422
    assert "1381234567" not in bad.text
    duplicate = client.post(
        f"{API}/experts", json={"name": "重号", "district": "锦江区", "id_number": new_id}, headers=city
    )
    assert duplicate.status_code == 409
    assert new_id not in duplicate.text

    logged = "\n".join(record.getMessage() for record in caplog.records)
    # the SQL log ran, with its statements' values hidden (so that the checks below can fail only through the
    # request lines and the messages)
    assert "INSERT INTO expert" in logged
    assert "parameters hidden" in logged
    for secret in (PHONE, new_phone, new_id, new_id.lower(), "18611112222", "13500009999"):
        assert secret not in logged
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/api/v1/experts?q=13812345678", "q=138****5678"),
        ("/api/v1/experts?q=138-1234-5678", "q=138-****-5678"),
        ("/api/v1/experts?q=138%201234%205678", "q=138%20****%205678"),
        ("/api/v1/experts?q=138+1234+5678&id=510131197001011234", "q=138+****+5678&id=510131********1234"),
    ],
)
def test_the_web_servers_access_line_is_written_with_the_numbers_masked(path: str, masked: str) -> None:
    """uvicorn's access formatter unpacks the record's arguments: the filter masks them and keeps them."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    assert PersonalDataFilter().filter(record)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(record)
    assert line == f"127.0.0.1:5000 GET {path.split('?')[0]}?{masked} HTTP/1.1 200 OK"


def test_a_number_in_an_argument_of_another_type_is_masked_in_the_records_text() -> None:
    record = logging.LogRecord("zhiqiao", logging.INFO, __file__, 1, "caller %d", (13812345678,), None)
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == "caller 138****5678"


def test_a_traceback_is_written_with_the_numbers_masked() -> None:
    try:
        raise ValueError(f"row rejected: phone {PHONE}, ID {ID_NUMBER}")
    except ValueError:
        record = logging.LogRecord("zhiqiao", logging.ERROR, __file__, 1, "import failed", (), sys.exc_info())
    assert PersonalDataFilter().filter(record)
    written = logging.Formatter().format(record)
    assert "import failed" in written
    assert "Traceback" in written
    assert f"phone {PHONE_MASKED}, ID {ID_MASKED}" in written
    assert PHONE not in written
    assert ID_NUMBER not in written


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+8618893141219", "+86188****1219"),
        ("188.9314.1219", "188.****.1219"),
        ("510121+19720920+336X", "510121+********+336X"),
        ("510121720920336", "510121******336"),  # a 15-digit card
    ],
)
def test_numbers_written_other_ways_are_masked_too(text: str, masked: str) -> None:
    record = logging.LogRecord("zhiqiao", logging.INFO, __file__, 1, "q=%s", (text,), None)
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == f"q={masked}"


def test_a_unit_sees_a_candidates_work_not_their_person(client: TestClient, world: World, session: Session) -> None:
    """Sex, birth year, party membership and ID number are not shown to a unit, in its candidates or a profile;
    and it sees at most ten candidates for its need."""
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.sex, expert.birth_year, expert.party_member = "女", 1975, True
    session.add(expert)
    session.add_all(Expert(name=f"果树专家{i}", specialties="猕猴桃栽培", district="510131") for i in range(12))
    session.commit()
    unit = world.headers("unit")
    candidates = client.get(f"{API}/needs/{world.need.id}/candidates", params={"k": 50}, headers=unit).json()
    assert len(candidates) == 10
    for_official = client.get(
        f"{API}/needs/{world.need.id}/candidates", params={"k": 50}, headers=world.headers("district_official")
    )
    assert len(for_official.json()) > 10
    shown = next(c["expert"] for c in candidates if c["expert"]["id"] == world.expert.id)
    profile = client.get(f"{API}/experts/{world.expert.id}", headers=unit).json()
    for seen in (shown, profile):
        assert (seen["sex"], seen["birth_year"], seen["party_member"], seen["id_number"]) == (None, None, None, None)
        assert seen["employer"] == "四川农业大学"
    official = client.get(f"{API}/experts/{world.expert.id}", headers=world.headers("district_official")).json()
    assert (official["sex"], official["birth_year"], official["party_member"]) == ("女", 1975, True)


def test_only_the_city_sets_id_numbers_so_a_clash_tells_a_district_nothing(client: TestClient, world: World) -> None:
    district, city = world.headers("district_official"), world.headers("city_official")
    taken, free = (_valid_id_number(f"51013119800101{serial}") for serial in ("123", "124"))
    registered = client.patch(f"{API}/experts/{world.expert.id}", json={"id_number": taken}, headers=city)
    assert registered.status_code == 200, registered.text
    answers = []
    for id_number in (taken, free):
        created = client.post(
            f"{API}/experts", json={"name": "周敏", "district": "蒲江县", "id_number": id_number}, headers=district
        )
        edited = client.patch(f"{API}/experts/{world.expert.id}", json={"id_number": id_number}, headers=district)
        answers.append([(a.status_code, a.json()["detail"]) for a in (created, edited)])
    assert answers[0] == answers[1]
    assert answers[0][0] == (403, "身份证号码由市委组织部登记和修改，区县组织部门不能填写")
    # the city does register them (and is told of a clash)
    assert (
        client.post(
            f"{API}/experts", json={"name": "周敏", "district": "蒲江县", "id_number": free}, headers=city
        ).status_code
        == 201
    )
    assert (
        client.patch(f"{API}/experts/{world.other_expert.id}", json={"id_number": taken}, headers=city).status_code
        == 409
    )


def test_a_needs_own_contact_phone_is_shown_to_its_unit_and_officials_only(
    client: TestClient, world: World, session: Session
) -> None:
    world.need.contact_name = "王会计"
    world.need.contact_phone = "13900003333"
    session.add(world.need)
    other_district = bearer(make_account(session, "jinjiang_need", Role.district_official, district=OTHER_DISTRICT))
    session.commit()
    url = f"{API}/needs/{world.need.id}"
    for role in ("unit", "district_official", "city_official"):
        seen = client.get(url, headers=world.headers(role)).json()
        assert (seen["contact_name"], seen["contact_phone"]) == ("王会计", "13900003333"), role
    # an expert browsing it sees the person but not the number (they get it once they accept the visit)
    seen = client.get(url, headers=world.headers("expert")).json()
    assert (seen["contact_name"], seen["contact_phone"]) == ("王会计", "139****3333")
    listed = client.get(f"{API}/needs", headers=world.headers("expert")).json()["data"]
    assert {n["contact_phone"] for n in listed if n["id"] == world.need.id} == {"139****3333"}
    # another district's official does not open it at all
    assert client.get(url, headers=other_district).status_code == 403
