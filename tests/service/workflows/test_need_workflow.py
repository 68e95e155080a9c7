"""Needs through the API: draft → submit → approve (or reject with a reason) → served → done, or withdrawn.

Every illegal transition answers 409 with a Chinese message and changes nothing; bad input answers 422.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service import clock
from service.models import Need, Visit
from service.vocab import NeedStatus, VisitStatus
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import World

YEAR = clock.today().year  # the service year of visits made now


def new_need(client: TestClient, world: World, **fields: Any) -> dict[str, Any]:
    body = {"title": "茶园低产改造技术指导", "service_type": "技术服务", "description": "200 亩老茶园改造", **fields}
    answer = client.post(f"{API}/needs", json=body, headers=world.headers("unit"))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_need_goes_from_draft_to_done(client: TestClient, world: World, engine: Engine) -> None:
    unit, district, expert = world.headers("unit"), world.headers("district_official"), world.headers("expert")
    need = new_need(client, world, field="210", experts_wanted=1)
    assert (need["status"], need["unit_id"], need["district"]) == ("draft", world.unit.id, world.unit.district)
    edited = client.patch(f"{API}/needs/{need['id']}", json={"description": "300 亩"}, headers=unit)
    assert edited.json()["description"] == "300 亩"
    assert client.post(f"{API}/needs/{need['id']}/submit", headers=unit).json()["status"] == "submitted"
    # Experts don't see needs still under review.
    assert client.get(f"{API}/needs/{need['id']}", headers=expert).status_code == 404
    approved = client.post(f"{API}/needs/{need['id']}/approve", json={"note": "同意"}, headers=district)
    assert approved.json()["status"] == "open"
    assert client.get(f"{API}/needs/{need['id']}", headers=expert).status_code == 200

    proposal = {"need_id": need["id"], "expert_id": world.expert.id}
    visit = client.post(f"{API}/visits", json=proposal, headers=district).json()
    assert visit["status"] == "proposed"
    steps = [
        ("accept", expert, None, "accepted", "matched"),
        (
            "schedule",
            district,
            {"scheduled_from": f"{YEAR}-12-01", "scheduled_to": f"{YEAR}-12-02"},
            "scheduled",
            "in_service",
        ),
        (
            "record",
            expert,
            {"service_date": f"{YEAR}-01-01", "service_days": 1.5, "content": "现场讲解修剪"},
            "done",
            "in_service",
        ),
        ("confirm", unit, {"rating": 5, "comment": "很有帮助"}, "confirmed", "done"),
    ]
    for action, who, body, visit_status, need_status in steps:
        answer = client.post(f"{API}/visits/{visit['id']}/{action}", json=body, headers=who)
        assert answer.status_code == 200, f"{action}: {answer.text}"
        assert answer.json()["status"] == visit_status
        assert client.get(f"{API}/needs/{need['id']}", headers=unit).json()["status"] == need_status, action
    final = stored(engine, Visit, visit["id"])
    assert (final["rating"], final["service_days"], final["content"]) == (5, 1.5, "现场讲解修剪")


def test_need_with_two_experts_is_done_only_when_both_visits_are(
    client: TestClient, world: World, session: Session
) -> None:
    need, unit = world.need, world.headers("unit")
    second = Visit(need_id=need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR, status=VisitStatus.done)
    first = world.visit
    first.status = VisitStatus.done
    session.add_all([first, second])
    session.commit()
    client.post(f"{API}/visits/{first.id}/confirm", json={"rating": 4}, headers=unit)
    assert client.get(f"{API}/needs/{need.id}", headers=unit).json()["status"] == "in_service"
    client.post(f"{API}/visits/{second.id}/confirm", json={"rating": 3}, headers=unit)
    assert client.get(f"{API}/needs/{need.id}", headers=unit).json()["status"] == "done"


def test_reject_needs_a_reason(client: TestClient, world: World, engine: Engine) -> None:
    need = new_need(client, world, submit=True)
    assert need["status"] == "submitted"
    district = world.headers("district_official")
    before = stored(engine, Need, need["id"])
    refused(client.post(f"{API}/needs/{need['id']}/reject", json={"note": "  "}, headers=district), 422)
    refused(client.post(f"{API}/needs/{need['id']}/reject", json={}, headers=district), 422)
    assert stored(engine, Need, need["id"]) == before
    answer = client.post(f"{API}/needs/{need['id']}/reject", json={"note": "请写明地点和面积"}, headers=district)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["review_note"]) == ("draft", "请写明地点和面积")


def test_withdraw_cancels_pending_visits_and_keeps_finished_ones(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    extra = Visit(need_id=world.need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR)
    extra.status = VisitStatus.accepted
    session.add(extra)
    session.commit()
    answer = client.post(f"{API}/needs/{world.need.id}/withdraw", headers=world.headers("unit"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "withdrawn"
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.cancelled
    assert stored(engine, Visit, extra.id)["status"] == VisitStatus.cancelled
    # A withdrawn need takes no more experts.
    proposal = {"need_id": world.need.id, "expert_id": world.other_expert.id}
    refused(client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official")), 409)


ILLEGAL = [
    ("approve a draft", "draft", "post", "approve", "district_official", {"note": ""}),
    ("reject a draft", "draft", "post", "reject", "district_official", {"note": "不行"}),
    ("submit an open need", "open", "post", "submit", "unit", None),
    ("approve an open need", "open", "post", "approve", "city_official", None),
    ("edit an open need as the unit", "open", "patch", "", "unit", {"title": "改标题"}),
    ("withdraw a done need", "done", "post", "withdraw", "unit", None),
    ("edit a done need as an official", "done", "patch", "", "city_official", {"title": "改标题"}),
    ("submit a withdrawn need", "withdrawn", "post", "submit", "unit", None),
]


@pytest.mark.parametrize(
    ("state", "method", "action", "role", "body"), [case[1:] for case in ILLEGAL], ids=[c[0] for c in ILLEGAL]
)
def test_illegal_transition_is_refused_and_changes_nothing(
    client: TestClient,
    world: World,
    session: Session,
    engine: Engine,
    state: str,
    method: str,
    action: str,
    role: str,
    body: dict[str, Any] | None,
) -> None:
    need = world.draft_need
    need.status = state
    session.add(need)
    session.commit()
    before = stored(engine, Need, need.id)
    url = f"{API}/needs/{need.id}" + (f"/{action}" if action else "")
    message = refused(client.request(method.upper(), url, json=body, headers=world.headers(role)), 409)
    assert "需求当前为" in message
    assert stored(engine, Need, need.id) == before


LONG = "很" * 10_000
BAD_INPUT = [
    ("empty title", {"title": ""}, "需求标题不能为空"),
    ("blank title", {"title": "   "}, "需求标题不能为空"),
    ("missing title", {"title": None}, "标题"),
    ("10,000-character description", {"description": LONG}, "需求描述不能超过 5000 个字符"),
    ("unknown service type", {"service_type": "打扫卫生"}, "服务类型“打扫卫生”无效"),
    ("unknown field", {"field": "炼金术"}, "专业领域“炼金术”不在学科分类"),
    ("end before start", {"wanted_from": f"{YEAR}-10-01", "wanted_to": f"{YEAR}-09-01"}, "结束日期不能早于开始日期"),
    ("no experts wanted", {"experts_wanted": 0}, "需要专家人数不能小于 1"),
    ("not a date", {"wanted_from": "下个月"}, "期望开始日期应为日期"),
    ("period over", {"wanted_from": "2020-01-01", "wanted_to": "2020-02-01"}, "结束日期不能早于今天"),
    ("contact phone too short", {"contact_phone": "12345"}, "联系电话“12345”格式不正确"),
    ("a century typed wrong", {"wanted_from": "1900-03-01"}, f"期望服务日期须在2000年至{YEAR + 5}年之间"),
    ("wanted generations ahead", {"wanted_to": "2099-12-31"}, f"期望服务日期须在2000年至{YEAR + 5}年之间"),
    ("contact name too long", {"contact_name": "王" * 51}, "联系人不能超过 50 个字符"),
]


@pytest.mark.parametrize(("fields", "expected"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_bad_need_input_answers_422_in_chinese(
    client: TestClient, world: World, engine: Engine, fields: dict[str, Any], expected: str
) -> None:
    body = {"title": "茶园低产改造技术指导", "service_type": "技术服务", **fields}
    body = {k: v for k, v in body.items() if v is not None}
    message = refused(client.post(f"{API}/needs", json=body, headers=world.headers("unit")), 422)
    assert expected in message
    assert LONG not in message
    listed = client.get(f"{API}/needs", headers=world.headers("unit")).json()
    assert listed["count"] == 2, "nothing new was stored"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"title": "   "}, "需求标题不能为空"),
        ({"description": LONG}, "需求描述不能超过 5000 个字符"),
        ({"wanted_from": f"{YEAR}-10-01", "wanted_to": f"{YEAR}-09-01"}, "结束日期不能早于开始日期"),
        ({"title": None}, "不能为空"),
        ({"service_type": None}, "服务类型不能为空"),
        ({"experts_wanted": None}, "需要专家人数不能为空"),
        ({"wanted_to": "2020-02-01"}, "结束日期不能早于今天"),
        ({"wanted_to": "2099-12-31"}, f"期望服务日期须在2000年至{YEAR + 5}年之间"),
    ],
)
def test_bad_edit_answers_422_and_changes_nothing(
    client: TestClient, world: World, engine: Engine, fields: dict[str, Any], expected: str
) -> None:
    before = stored(engine, Need, world.draft_need.id)
    answer = client.patch(f"{API}/needs/{world.draft_need.id}", json=fields, headers=world.headers("unit"))
    assert expected in refused(answer, 422)
    assert stored(engine, Need, world.draft_need.id) == before


def test_a_null_contact_in_an_edit_clears_it(client: TestClient, world: World, engine: Engine) -> None:
    url, unit = f"{API}/needs/{world.draft_need.id}", world.headers("unit")
    named = client.patch(url, json={"contact_name": "王会计", "contact_phone": "13900003333"}, headers=unit)
    assert (named.json()["contact_name"], named.json()["contact_phone"]) == ("王会计", "13900003333")
    cleared = client.patch(url, json={"contact_name": None, "contact_phone": None}, headers=unit)
    assert cleared.status_code == 200, cleared.text
    row = stored(engine, Need, world.draft_need.id)
    assert (row["contact_name"], row["contact_phone"]) == ("", None)


def test_bad_district_answers_422_in_chinese(client: TestClient, world: World) -> None:
    body = {"name": "火星基地", "kind": "园区", "district": "火星区"}
    message = refused(client.post(f"{API}/units", json=body, headers=world.headers("city_official")), 422)
    assert "区县“火星区”不是成都市的区（市）县或功能区" in message
    ok = client.post(f"{API}/units", json={**body, "district": "锦江区"}, headers=world.headers("city_official"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["district"] == "510104"


def test_duplicate_title_for_the_same_unit_is_a_conflict(client: TestClient, world: World) -> None:
    body = {"title": world.need.title, "service_type": "技术服务"}
    assert "已有标题" in refused(client.post(f"{API}/needs", json=body, headers=world.headers("unit")), 409)


def test_unit_sees_only_its_own_needs_and_experts_only_open_ones(
    client: TestClient, world: World, session: Session
) -> None:
    other = Need(unit_id=world.other_unit.id or 0, title="社区义诊", service_type="技术服务", district="510104")
    session.add(other)
    session.commit()
    mine = client.get(f"{API}/needs", headers=world.headers("unit")).json()
    assert {n["id"] for n in mine["data"]} == {world.need.id, world.draft_need.id}
    seen_by_expert = client.get(f"{API}/needs", headers=world.headers("expert")).json()
    assert {n["id"] for n in seen_by_expert["data"]} == {world.need.id}
    assert client.get(f"{API}/needs/{world.draft_need.id}", headers=world.headers("expert")).status_code == 404
    assert NeedStatus.open == world.need.status


def test_out_of_range_ids_unparsable_bodies_and_nul_characters_never_fail_the_server(
    client: TestClient, world: World
) -> None:
    unit = world.headers("unit")
    huge = 2**70
    refused(client.get(f"{API}/needs/{huge}", headers=unit), 422)
    refused(client.get(f"{API}/needs", params={"unit_id": huge}, headers=unit), 422)
    refused(client.post(f"{API}/visits", json={"need_id": huge}, headers=world.headers("expert")), 422)
    assert client.get(f"{API}/needs/{2**31 - 1}", headers=unit).status_code == 404
    garbled = client.post(f"{API}/needs", content=b"\xff\xfe{", headers={**unit, "content-type": "application/json"})
    assert refused(garbled, 400).startswith("请求内容无法解析")
    assert garbled.json()["code"] == "bad_request"
    assert client.get("/api/v1/no-such-thing", headers=unit).json()["code"] == "not_found"
    # PostgreSQL cannot store a NUL character; the answer is a refusal, never a server error.
    nul = client.get(f"{API}/needs", params={"q": "猕猴\x00桃"}, headers=unit)
    assert nul.status_code in (200, 422), nul.text
    named = client.post(f"{API}/needs", json={"title": "茶园\x00改造", "service_type": "技术服务"}, headers=unit)
    assert named.status_code in (201, 422), named.text


def test_a_field_is_taken_by_its_name_however_long(client: TestClient, world: World, engine: Engine) -> None:
    """环境科学技术及资源科学技术 is longer than a code's 10 characters: it is turned into 610 before that check."""
    body = {"title": "村办厂废水治理", "service_type": "技术服务", "field": "环境科学技术及资源科学技术"}
    answer = client.post(f"{API}/needs", json=body, headers=world.headers("unit"))
    assert answer.status_code == 201, answer.text
    assert stored(engine, Need, answer.json()["id"])["field"] == "610"
