"""领导干部联系专家, found in review: stopped pairs and quotas, overdue contacts at month and year ends, concern
due dates and departments, the years pairs are made for, concerns on stopped pairs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.config import get_settings
from service.models import Concern, Contact, Expert, Liaison
from service.vocab import Role
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import DISTRICT, World


@pytest.fixture
def city_today(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the city's today for the domain, the reports and the API alike."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return set_today


def _new_experts(session: Session, n: int) -> list[int]:
    made = [Expert(name=f"评审专家{i}", district=DISTRICT, talent_tier="院士", fields=["210"]) for i in range(n)]
    session.add_all(made)
    session.commit()
    return [e.id or 0 for e in made]


def _pair(client: TestClient, world: World, expert_id: int, year: int | None = None) -> Any:
    body = {"leader_id": world.leader.id, "expert_id": expert_id, "year": year or world.liaison.year}
    return client.post(f"{API}/liaisons", json=body, headers=world.headers(Role.city_official))


# ---- a stopped pair and the rank's limit ------------------------------------------------------------------


def test_a_stopped_pair_leaves_its_place_to_another_expert(
    client: TestClient, world: World, kept_session: Session
) -> None:
    """赵市长 (常委, at most 4) holds 4 pairs; one expert leaves and the pair is stopped: a replacement is
    accepted by hand and through the planner's confirmation (the planner itself proposes one), as the planner
    counts only active pairs."""
    city = world.headers(Role.city_official)
    assert get_settings().leader_quota_standing[1] == 4
    first, second, third, replacement, another = _new_experts(kept_session, 5)
    for expert_id in (first, second, third):
        assert _pair(client, world, expert_id).status_code == 201
    stopped = client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city)
    assert stopped.status_code == 200
    created = _pair(client, world, replacement)
    assert created.status_code == 201, created.text
    # Full again: the next one is refused.
    assert "已达上限 4 位" in refused(_pair(client, world, another), 409)


def test_the_planners_replacement_for_a_stopped_pair_is_confirmed(
    client: TestClient, world: World, kept_session: Session
) -> None:
    city = world.headers(Role.city_official)
    year = world.liaison.year
    for expert_id in _new_experts(kept_session, 3):
        assert _pair(client, world, expert_id).status_code == 201
    assert client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city).status_code == 200
    replacement = _new_experts(kept_session, 1)[0]
    pairs = [{"leader_id": world.leader.id, "expert_id": replacement}]
    answer = client.post(f"{API}/liaisons/plan/confirm", json={"year": year, "pairs": pairs}, headers=city)
    assert answer.status_code == 201, answer.text
    assert answer.json()["conflicts"] == []
    assert [x["expert_id"] for x in answer.json()["created"]] == [replacement]


def test_starting_a_stopped_pair_again_respects_the_limit_and_the_experts_status(
    client: TestClient, world: World, kept_session: Session, engine: Engine
) -> None:
    city = world.headers(Role.city_official)
    assert client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city).status_code == 200
    new_pairs = [_pair(client, world, expert_id).json()["id"] for expert_id in _new_experts(kept_session, 4)]
    again = client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": True}, headers=city)
    assert "已达上限 4 位" in refused(again, 409)
    assert stored(engine, Liaison, world.liaison.id)["active"] is False
    # With a place free again, an expert who has left the programme is still not taken back.
    assert client.patch(f"{API}/liaisons/{new_pairs[-1]}", json={"active": False}, headers=city).status_code == 200
    expert = kept_session.get(Expert, world.expert.id)
    assert expert is not None
    expert.status = "退出"
    kept_session.add(expert)
    kept_session.commit()
    again = client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": True}, headers=city)
    assert "不能恢复联系" in refused(again, 409)
    assert stored(engine, Liaison, world.liaison.id)["active"] is False


# ---- overdue contacts at month and year ends ----------------------------------------------------------------


def _only_contact_on(session: Session, world: World, day: date | None, *, created: datetime | None = None) -> None:
    """The world's pair with one contact on `day` (None: no contact), made at `created`."""
    contact = session.get(Contact, world.contact.id)
    assert contact is not None
    if day is None:
        session.delete(contact)
    else:
        contact.date = day
        session.add(contact)
    liaison = session.get(Liaison, world.liaison.id)
    assert liaison is not None
    liaison.created_at = created or datetime(world.liaison.year - 1, 12, 1, tzinfo=UTC)
    session.add(liaison)
    session.commit()


def _flag(client: TestClient, world: World) -> bool:
    answer = client.get(f"{API}/liaisons/{world.liaison.id}", headers=world.headers(Role.city_official))
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["contact_overdue"])


def _report_says_contacted(client: TestClient, world: World) -> bool:
    report = client.get(
        f"{API}/reports/liaisons", params={"year": world.liaison.year}, headers=world.headers(Role.city_official)
    ).json()
    return bool(report["total"]["contacted_recently"] == 1)


@pytest.mark.parametrize(
    ("today", "overdue"),
    [((7, 30), False), ((7, 31), False), ((8, 1), True)],
)
def test_a_contact_on_31_january_is_due_again_on_31_july_and_the_report_agrees(
    client: TestClient, world: World, kept_session: Session, city_today: Any, today: tuple[int, int], overdue: bool
) -> None:
    """Six months after 31 January is 31 July, not 28 July; the pair's flag and the report's "contacted
    recently" are one definition, so that the dashboard's number and the list agree."""
    year = world.liaison.year
    _only_contact_on(kept_session, world, date(year, 1, 31))
    city_today(date(year, *today))
    assert _flag(client, world) is overdue
    assert _report_says_contacted(client, world) is not overdue


def test_a_pair_confirmed_in_december_counts_its_interval_from_1_january(
    client: TestClient, world: World, kept_session: Session, city_today: Any
) -> None:
    """Confirmed on 10 December for the next year, no contact can be logged before 1 January: on 20 June the
    pair has had less than six months and is not late; on 2 July it is."""
    year = world.liaison.year
    _only_contact_on(kept_session, world, None, created=datetime(year - 1, 12, 10, 2, tzinfo=UTC))
    city_today(date(year, 6, 20))
    assert _flag(client, world) is False
    city_today(date(year, 7, 2))
    assert _flag(client, world) is True


def test_a_past_years_pair_is_judged_as_it_stood_at_the_years_end(
    client: TestClient, world: World, kept_session: Session, city_today: Any
) -> None:
    """Contacted on 1 November, the pair was in order when its year ended: it is not flagged in June of the
    next year (when no contact for it can be logged any more); one last contacted in March is."""
    year = world.liaison.year
    _only_contact_on(kept_session, world, date(year, 11, 1))
    city_today(date(year + 1, 6, 1))
    assert _flag(client, world) is False
    overdue = client.get(f"{API}/liaisons", params={"overdue": True}, headers=world.headers(Role.city_official))
    assert overdue.json()["count"] == 0
    _only_contact_on(kept_session, world, date(year, 3, 1))
    assert _flag(client, world) is True


# ---- concerns: department, due date, stopped pairs -----------------------------------------------------------


def _raise(client: TestClient, world: World, **fields: Any) -> Any:
    body = {"contact_id": world.contact.id, "category": "住房", "content": "希望协调人才公寓", **fields}
    return client.post(f"{API}/concerns", json=body, headers=world.headers(Role.leader))


def test_spaces_for_a_department_leave_the_concern_unassigned(client: TestClient, world: World, engine: Engine) -> None:
    answer = _raise(client, world, department="   ")
    assert answer.status_code == 201, answer.text
    assert answer.json()["department"] == ""
    concern_id = answer.json()["id"]
    reply = client.post(
        f"{API}/concerns/{concern_id}/reply", json={"reply": "已协调"}, headers=world.headers(Role.city_official)
    )
    assert "请先指定承办部门" in refused(reply, 409)
    assert stored(engine, Concern, concern_id)["status"] == "open"
    department = client.get(
        f"{API}/reports/departments", params={"year": world.liaison.year}, headers=world.headers(Role.city_official)
    ).json()
    assert [r["department"] for r in department["rows"]] == ["未指定承办部门"]


@pytest.mark.parametrize("due", ["2099-12-31", "reply_days_plus_one"])
def test_a_concern_cannot_be_due_later_than_the_reply_period(
    client: TestClient, world: World, engine: Engine, due: str
) -> None:
    """件件有回音: a reply is due within 30 days; a due date of 2099 would keep the concern off every overdue list."""
    days = get_settings().concern_reply_days
    raised = world.contact.date
    if due == "reply_days_plus_one":
        due = (raised + timedelta(days=days + 1)).isoformat()
    latest = raised + timedelta(days=days)
    words = f"答复期限不能晚于提出之日起 {days} 天（{latest.year}年{latest.month}月{latest.day}日）"
    assert words in refused(_raise(client, world, due_date=due), 422)
    with Session(engine) as fresh:
        assert fresh.exec(select(Concern)).first() is None
    # Nor can it be moved there when the concern is passed on to a department.
    concern = _raise(client, world).json()
    before = stored(engine, Concern, concern["id"])
    assign = client.post(
        f"{API}/concerns/{concern['id']}/assign",
        json={"department": "市住建局", "due_date": due},
        headers=world.headers(Role.city_official),
    )
    assert words in refused(assign, 422)
    assert stored(engine, Concern, concern["id"]) == before
    # The last day of the period itself is fine.
    ok = _raise(client, world, content="另一件诉求", due_date=latest.isoformat())
    assert ok.status_code == 201, ok.text


def test_no_concern_is_raised_on_a_stopped_pair(client: TestClient, world: World, engine: Engine) -> None:
    city = world.headers(Role.city_official)
    assert client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city).status_code == 200
    assert "已停用" in refused(_raise(client, world), 409)
    with Session(engine) as fresh:
        assert fresh.exec(select(Concern)).first() is None


def test_open_concerns_of_a_stopped_pair_are_still_answered_and_rated(client: TestClient, world: World) -> None:
    """Stopping a pair does not drop what the expert raised: it is still replied to and rated."""
    city, expert = world.headers(Role.city_official), world.headers(Role.expert)
    concern = _raise(client, world, department="市住建局").json()
    assert client.patch(f"{API}/liaisons/{world.liaison.id}", json={"active": False}, headers=city).status_code == 200
    listed = client.get(f"{API}/concerns", params={"status": "open"}, headers=city).json()
    assert [c["id"] for c in listed["data"]] == [concern["id"]]
    reply = client.post(f"{API}/concerns/{concern['id']}/reply", json={"reply": "已安排"}, headers=city)
    assert reply.status_code == 200, reply.text
    rated = client.post(f"{API}/concerns/{concern['id']}/rate", json={"satisfaction": 4}, headers=expert)
    assert rated.json()["status"] == "closed"


# ---- the years pairs are made for ---------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-26, -1, 2])
def test_pairs_are_made_only_for_this_year_or_the_next(
    client: TestClient, world: World, kept_session: Session, engine: Engine, offset: int
) -> None:
    """A pair for 2000 (or two years ahead) was stored, and at once flagged overdue; the planner proposed and
    confirmed such years too."""
    city = world.headers(Role.city_official)
    this_year = clock.today().year
    year = this_year + offset
    words = f"只能确定本年度（{this_year}年）或下一年度（{this_year + 1}年）的联系关系"
    expert_id = _new_experts(kept_session, 1)[0]
    assert words in refused(_pair(client, world, expert_id, year), 422)
    assert words in refused(client.post(f"{API}/liaisons/plan", json={"year": year}, headers=city), 422)
    pairs = [{"leader_id": world.leader.id, "expert_id": expert_id}]
    confirm = client.post(f"{API}/liaisons/plan/confirm", json={"year": year, "pairs": pairs}, headers=city)
    assert words in refused(confirm, 422)
    with Session(engine) as fresh:
        assert fresh.exec(select(Liaison).where(Liaison.expert_id == expert_id)).first() is None
    assert _pair(client, world, expert_id, this_year + 1).status_code == 201


@pytest.mark.parametrize("count", [0, 5001])
def test_a_confirmation_with_no_pairs_or_too_many_is_refused_in_chinese(
    client: TestClient, world: World, count: int
) -> None:
    """The planner's confirmation answered "pairs：List should have at least 1 item after validation, not 0"."""
    pairs = [{"leader_id": world.leader.id, "expert_id": i + 1} for i in range(count)]
    answer = client.post(
        f"{API}/liaisons/plan/confirm",
        json={"year": world.liaison.year, "pairs": pairs},
        headers=world.headers(Role.city_official),
    )
    message = refused(answer, 422)
    assert message == ("请至少确认一对联系关系" if count == 0 else "一次最多确认 5000 对联系关系")


@pytest.mark.parametrize(
    ("path", "role", "body", "expected"),
    [
        (
            "/contacts",
            "leader",
            {"liaison_id": 1, "date": "2026-01-01", "mode": "走访慰问", "summary": "长" * 2001},
            "联系情况不能超过 2000 个字符",
        ),
        ("/contacts", "leader", {"date": "2026-01-01", "mode": "走访慰问"}, "联系关系为必填项"),
        ("/concerns", "leader", {"category": "科研条件", "content": "经费", "due_date": "下月"}, "答复期限应为日期"),
        (
            "/leaders",
            "city_official",
            {"name": "钱市长", "rank": "常委", "position": "长" * 101},
            "职务不能超过 100 个字符",
        ),
        ("/liaisons", "city_official", {"leader_id": 1, "year": 2026}, "专家为必填项"),
    ],
)
def test_liaison_messages_name_the_field_in_chinese(
    client: TestClient, world: World, path: str, role: str, body: dict[str, Any], expected: str
) -> None:
    answer = client.post(f"{API}{path}", json=body, headers=world.headers(role))
    assert expected in refused(answer, 422)
