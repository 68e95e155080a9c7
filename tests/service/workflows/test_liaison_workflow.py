"""领导干部联系专家 through the API: pairs, contacts, concerns tracked to a reply, and the overdue flags."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.config import get_settings
from service.domain.liaisons import add_months
from service.models import Concern, Contact, Expert, Liaison
from service.vocab import ConcernStatus
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import World


def raise_concern(client: TestClient, world: World, **fields: Any) -> dict[str, Any]:
    body = {"contact_id": world.contact.id, "category": "子女入学", "content": "孩子明年上小学，希望协调学位", **fields}
    answer = client.post(f"{API}/concerns", json=body, headers=world.headers("leader"))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_contact_concern_reply_and_rating(client: TestClient, world: World, engine: Engine) -> None:
    leader, city, expert = world.headers("leader"), world.headers("city_official"), world.headers("expert")
    contact = client.post(
        f"{API}/contacts",
        json={"liaison_id": world.liaison.id, "date": clock.today().isoformat(), "mode": "交流座谈", "summary": "座谈"},
        headers=leader,
    )
    assert contact.status_code == 201, contact.text
    concern = raise_concern(client, world, contact_id=contact.json()["id"])
    assert concern["status"] == "open"
    assert concern["due_date"] == (clock.today() + timedelta(days=30)).isoformat()
    assert concern["overdue"] is False
    # The expert sees the concern raised on their behalf.
    assert client.get(f"{API}/concerns/{concern['id']}", headers=expert).status_code == 200
    refused(client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "已协调"}, headers=city), 409)
    assigned = client.post(f"{API}/concerns/{concern['id']}/assign", json={"department": "市教育局"}, headers=city)
    assert assigned.json()["department"] == "市教育局"
    replied = client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "已协调就近入学"}, headers=city)
    assert (replied.json()["status"], replied.json()["replied_on"]) == ("answered", clock.today().isoformat())
    rated = client.post(f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 5}, headers=expert)
    assert (rated.json()["status"], rated.json()["satisfaction"]) == ("closed", 5)
    assert stored(engine, Concern, concern["id"])["status"] == ConcernStatus.closed


def test_replying_twice_is_refused_and_keeps_the_first_reply(client: TestClient, world: World, engine: Engine) -> None:
    city = world.headers("city_official")
    concern = raise_concern(client, world, department="市住建局")
    assert (
        client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "第一次答复"}, headers=city).status_code
        == 200
    )
    before = stored(engine, Concern, concern["id"])
    assert "已答复" in refused(
        client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "第二次答复"}, headers=city), 409
    )
    assert "已答复" in refused(
        client.post(f"{API}/concerns/{concern['id']}/assign", json={"department": "别的部门"}, headers=city), 409
    )
    assert stored(engine, Concern, concern["id"]) == before


def test_rating_an_unanswered_concern_is_refused(client: TestClient, world: World, engine: Engine) -> None:
    concern = raise_concern(client, world)
    before = stored(engine, Concern, concern["id"])
    answer = client.post(
        f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 4}, headers=world.headers("expert")
    )
    assert "尚未答复" in refused(answer, 409)
    assert stored(engine, Concern, concern["id"]) == before


def test_rating_twice_is_refused(client: TestClient, world: World, engine: Engine) -> None:
    city, expert = world.headers("city_official"), world.headers("expert")
    concern = raise_concern(client, world, department="市住建局")
    client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "已答复"}, headers=city)
    assert (
        client.post(f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 2}, headers=expert).status_code == 200
    )
    before = stored(engine, Concern, concern["id"])
    refused(client.post(f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 5}, headers=expert), 409)
    assert stored(engine, Concern, concern["id"]) == before


@pytest.mark.parametrize(
    ("url", "body", "words"),
    [
        ("contacts", {"mode": "喝茶"}, "联系方式“喝茶”无效"),
        ("contacts", {"date": "2999-01-01"}, "联系日期不能晚于今天"),
        ("contacts", {"date": "昨天"}, "日期应为日期"),
        ("contacts", {"date": f"{clock.today().year - 1}-12-31"}, f"联系日期须在结对年度（{clock.today().year}年）内"),
        ("concerns", {"category": "其他"}, "诉求类别“其他”无效"),
        ("concerns", {"content": ""}, "内容不能为空"),
        ("concerns", {"due_date": "2000-01-01"}, "答复期限不能早于提出日期"),
    ],
)
def test_bad_contact_or_concern_answers_422(
    client: TestClient, world: World, engine: Engine, url: str, body: dict[str, Any], words: str
) -> None:
    base = {
        "contacts": {"liaison_id": world.liaison.id, "date": clock.today().isoformat(), "mode": "电话"},
        "concerns": {"contact_id": world.contact.id, "category": "住房", "content": "住房困难"},
    }[url]
    answer = client.post(f"{API}/{url}", json={**base, **body}, headers=world.headers("leader"))
    assert words in refused(answer, 422)
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Contact)).all()) == 1
        assert fresh.exec(select(Concern)).first() is None


def test_a_contact_or_concern_sent_twice_is_stored_once(client: TestClient, world: World, engine: Engine) -> None:
    leader = world.headers("leader")
    contact = {"liaison_id": world.liaison.id, "date": clock.today().isoformat(), "mode": "电话", "summary": "问候"}
    assert client.post(f"{API}/contacts", json=contact, headers=leader).status_code == 201
    assert "已经登记过" in refused(client.post(f"{API}/contacts", json=contact, headers=leader), 409)
    concern = {"contact_id": world.contact.id, "category": "住房", "content": "住房困难"}
    assert client.post(f"{API}/concerns", json=concern, headers=leader).status_code == 201
    assert "同样的诉求" in refused(client.post(f"{API}/concerns", json=concern, headers=leader), 409)
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Contact)).all()) == 2  # the world's and the new one
        assert len(fresh.exec(select(Concern)).all()) == 1


def test_a_concern_cannot_be_due_before_it_was_raised(client: TestClient, world: World, engine: Engine) -> None:
    concern = {"contact_id": world.contact.id, "category": "住房", "content": "住房困难"}
    concern_id = client.post(f"{API}/concerns", json=concern, headers=world.headers("leader")).json()["id"]
    before = stored(engine, Concern, concern_id)
    assign = {"department": "市住建局", "due_date": "2020-01-01"}
    answer = client.post(f"{API}/concerns/{concern_id}/assign", json=assign, headers=world.headers("city_official"))
    assert "答复期限不能早于提出日期" in refused(answer, 422)
    assert stored(engine, Concern, concern_id) == before


def test_satisfaction_out_of_range_answers_422(client: TestClient, world: World) -> None:
    concern = raise_concern(client, world)
    answer = client.post(
        f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 6}, headers=world.headers("expert")
    )
    assert "满意度不能大于 5" in refused(answer, 422)


def test_no_contact_on_a_stopped_liaison(client: TestClient, world: World) -> None:
    city = world.headers("city_official")
    assert client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city).status_code == 200
    body = {"liaison_id": world.liaison.id, "date": clock.today().isoformat(), "mode": "电话"}
    assert "已停用" in refused(client.post(f"{API}/contacts", json=body, headers=world.headers("leader")), 409)


def test_one_leader_per_expert_and_year(client: TestClient, world: World) -> None:
    body = {"leader_id": world.leader.id, "expert_id": world.expert.id, "year": world.liaison.year}
    assert "已由其他领导联系" in refused(
        client.post(f"{API}/liaisons", json=body, headers=world.headers("city_official")), 409
    )
    next_year = client.post(
        f"{API}/liaisons", json={**body, "year": world.liaison.year + 1}, headers=world.headers("city_official")
    )
    assert next_year.status_code == 201, next_year.text


def _experts(session: Session, n: int, status: str = "在库") -> list[int]:
    made = [Expert(name=f"专家{i}", district="510131", status=status) for i in range(n)]
    session.add_all(made)
    session.commit()
    return [e.id or 0 for e in made]


def test_a_leader_is_paired_with_no_more_experts_than_the_rank_allows(
    client: TestClient, world: World, session: Session
) -> None:
    """赵市长 is 常委 (3 to 4 experts) and has one pair this year: three more are taken, a fifth is refused, by
    hand or through the planner's confirmation; a retired expert is refused too."""
    assert get_settings().leader_quota_standing == (3, 4)
    city = world.headers("city_official")
    year = world.liaison.year
    ids = _experts(session, 5)
    for expert_id in ids[:3]:
        body = {"leader_id": world.leader.id, "expert_id": expert_id, "year": year}
        assert client.post(f"{API}/liaisons", json=body, headers=city).status_code == 201
    body = {"leader_id": world.leader.id, "expert_id": ids[3], "year": year}
    assert "已联系 4 位专家，已达上限 4 位" in refused(client.post(f"{API}/liaisons", json=body, headers=city), 409)
    pairs = [{"leader_id": world.leader.id, "expert_id": ids[4]}]
    confirmed = client.post(f"{API}/liaisons/plan/confirm", json={"year": year, "pairs": pairs}, headers=city).json()
    assert confirmed["created"] == []
    assert "已达上限 4 位" in confirmed["conflicts"][0]["reason"]
    retired = _experts(session, 1, status="退出")[0]
    body = {"leader_id": world.leader.id, "expert_id": retired, "year": year + 1}
    assert "不能结对联系" in refused(client.post(f"{API}/liaisons", json=body, headers=city), 409)
    assert len(session.exec(select(Liaison).where(Liaison.leader_id == world.leader.id)).all()) == 4


def _age_liaison(session: Session, world: World, *, months_since_contact: int) -> None:
    """Pretend the pair started a year ago and its one contact was `months_since_contact` months ago."""
    liaison = world.liaison
    liaison.created_at = datetime.now(UTC) - timedelta(days=400)
    contact = world.contact
    contact.date = add_months(clock.today(), -months_since_contact) - timedelta(days=1)
    session.add_all([liaison, contact])
    session.commit()


def _liaison_flag(client: TestClient, world: World) -> bool:
    answer = client.get(f"{API}/liaisons/{world.liaison.id}", headers=world.headers("city_official"))
    return bool(answer.json()["contact_overdue"])


def test_contact_overdue_after_six_months(client: TestClient, world: World, session: Session) -> None:
    city = world.headers("city_official")
    assert _liaison_flag(client, world) is False
    _age_liaison(session, world, months_since_contact=5)
    assert _liaison_flag(client, world) is False
    _age_liaison(session, world, months_since_contact=6)
    assert _liaison_flag(client, world) is True
    overdue = client.get(f"{API}/liaisons", params={"overdue": True}, headers=city).json()
    assert [x["id"] for x in overdue["data"]] == [world.liaison.id]
    assert overdue["count"] == 1
    assert client.get(f"{API}/liaisons", params={"overdue": False}, headers=city).json()["count"] == 0
    # A fresh contact clears the flag.
    body = {"liaison_id": world.liaison.id, "date": clock.today().isoformat(), "mode": "节日慰问"}
    assert client.post(f"{API}/contacts", json=body, headers=world.headers("leader")).status_code == 201
    assert _liaison_flag(client, world) is False


def test_new_pair_without_contact_is_overdue_six_months_after_it_began(
    client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # on 1 November of the pair's year, whatever today's date is: a pair starts on 1 January at the earliest
    today = date(world.liaison.year, 11, 1)
    monkeypatch.setattr(clock, "today", lambda: today)
    noon = datetime(today.year, today.month, today.day, 4, tzinfo=UTC)  # noon in the city
    session.delete(world.contact)
    liaison = world.liaison
    liaison.created_at = noon - timedelta(days=100)
    session.add(liaison)
    session.commit()
    assert _liaison_flag(client, world) is False
    liaison.created_at = noon - timedelta(days=200)
    session.add(liaison)
    session.commit()
    assert _liaison_flag(client, world) is True
    # A stopped pair is not chased.
    liaison.active = False
    session.add(liaison)
    session.commit()
    assert _liaison_flag(client, world) is False


def test_concern_overdue_after_its_due_date(client: TestClient, world: World, session: Session) -> None:
    city = world.headers("city_official")
    concern = raise_concern(client, world, department="市卫健委")
    url = f"{API}/concerns/{concern['id']}"
    assert client.get(url, headers=city).json()["overdue"] is False
    with Session(session.get_bind()) as fresh:
        record = fresh.get(Concern, concern["id"])
        assert record is not None
        record.raised_on = clock.today() - timedelta(days=40)
        record.due_date = clock.today() - timedelta(days=10)
        fresh.add(record)
        fresh.commit()
    assert client.get(url, headers=city).json()["overdue"] is True
    listed = client.get(f"{API}/concerns", params={"overdue": True}, headers=city).json()
    assert [c["id"] for c in listed["data"]] == [concern["id"]]
    # Answered late stays flagged: the reply was not on time.
    client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "已安排专家门诊"}, headers=city)
    assert client.get(url, headers=city).json()["overdue"] is True


def test_expert_sees_only_own_contacts_and_concerns(client: TestClient, world: World, session: Session) -> None:
    raise_concern(client, world)
    other = Liaison(leader_id=world.leader.id or 0, expert_id=world.other_expert.id or 0, year=world.liaison.year)
    session.add(other)
    session.flush()
    session.add(Contact(liaison_id=other.id or 0, date=clock.today(), mode="电话"))
    session.commit()
    expert = world.headers("expert")
    contacts = client.get(f"{API}/contacts", headers=expert).json()
    assert {c["liaison_id"] for c in contacts["data"]} == {world.liaison.id}
    assert client.get(f"{API}/concerns", headers=expert).json()["count"] == 1
    leader_view = client.get(f"{API}/contacts", headers=world.headers("leader")).json()
    assert leader_view["count"] == 2


@pytest.fixture
def server_clock_behind_the_city() -> Iterator[None]:
    """The server's local time zone twelve hours behind UTC (POSIX "UTC+12"), twenty behind the city: for twenty
    hours of every day the server's own date is the day before the city's."""
    with pytest.MonkeyPatch.context() as patch:  # its own, so that no other fixture's patches are undone early
        patch.setenv("TZ", "UTC+12")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.usefixtures("server_clock_behind_the_city")
def test_days_are_the_citys_whatever_the_servers_time_zone(client: TestClient, world: World) -> None:
    city_today = datetime.now(timezone(timedelta(hours=8))).date()
    leader = world.headers("leader")
    body = {"liaison_id": world.liaison.id, "date": city_today.isoformat(), "mode": "电话"}
    assert client.post(f"{API}/contacts", json=body, headers=leader).status_code == 201
    body["date"] = (city_today + timedelta(days=1)).isoformat()
    assert "晚于今天" in refused(client.post(f"{API}/contacts", json=body, headers=leader), 422)
    concern = raise_concern(client, world)
    assert concern["due_date"] == (city_today + timedelta(days=30)).isoformat()
