"""The liaison cycle through the API: plan, confirm, contact, concern, assign, reply, rate, overdue flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.config import get_settings
from service.models import Concern, Expert, Liaison
from service.security import create_access_token
from service.vocab import Role
from tests.service.liaison_cast import Cast, expert, make_cast
from tests.service.world import World, make_account

PLAN = "/api/v1/liaisons/plan"
YEAR = clock.today().year


@pytest.fixture
def cast(session: Session, world: World) -> Cast:
    agriculture = {
        "national_agri": expert("农学丁", "国家级领军", "210", "作物育种与农学研究"),
        "local_agri": expert("农学戊", "地方级领军", "210", "果树栽培与农学推广"),
        "other_agri": expert("农学己", "其他高层次", "210", "植物保护与农学"),
        "youth": expert("青年庚", "青年", "210", "农学与作物育种"),
    }
    return make_cast(session, YEAR, more=agriculture)


def _headers_for_expert(session: Session, expert: Expert) -> dict[str, str]:
    account = make_account(session, f"liaison_{expert.id}", Role.expert, expert_id=expert.id)
    session.commit()
    return {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}


def test_plan_follows_quotas_tiers_and_last_year(client: TestClient, world: World, cast: Cast) -> None:
    answer = client.post(PLAN, json={"year": YEAR}, headers=world.headers(Role.city_official))
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    pairs = plan["pairs"]
    experts = [p["expert_id"] for p in pairs]
    assert len(experts) == len(set(experts)), "each expert at most one leader"
    ids = {k: e.id for k, e in cast.experts.items()}
    assert ids["youth"] not in experts
    assert ids["retired"] not in experts
    assert world.expert.id not in experts  # already paired this year
    assert plan["already_paired"] == 1

    by_leader: dict[int, set[int]] = {}
    for p in pairs:
        by_leader.setdefault(p["leader_id"], set()).add(p["expert_id"])
    assert by_leader[cast.chief.id or 0] == {ids["academician"], ids["national_med"], ids["local_med"]}
    kept = next(p for p in pairs if p["expert_id"] == ids["national_med"])
    assert (kept["reason"], kept["reason_label"]) == ("kept", "延续上年联系")
    fresh = next(p for p in pairs if p["expert_id"] == ids["academician"])
    assert fresh["reason"] == "affinity"
    assert fresh["shared_fields"] == ["临床医学"]
    # 赵市长 (常委 3–4) already has one pair this year: the plan adds 2 or 3 of the agriculture experts
    zhao = by_leader[world.leader.id or 0]
    assert zhao <= {ids["national_agri"], ids["local_agri"], ids["other_agri"]}
    low, high = get_settings().leader_quota_standing
    assert low <= len(zhao) + 1 <= high

    short = {s["leader_id"]: s for s in plan["short"]}
    assert set(short) == {cast.deputy.id}
    assert short[cast.deputy.id]["reason_label"] == "无可联系的候选专家"
    assert short[cast.deputy.id]["min_experts"] == get_settings().leader_quota_other[0]
    dropped = {d["expert_id"]: d["reason"] for d in plan["not_kept"]}
    assert "退出" in dropped[ids["retired"]]


def test_liaison_cycle(client: TestClient, session: Session, world: World, cast: Cast) -> None:
    city = world.headers(Role.city_official)
    plan = client.post(PLAN, json={"year": YEAR}, headers=city).json()
    chosen = [{"leader_id": p["leader_id"], "expert_id": p["expert_id"], "score": p["score"]} for p in plan["pairs"]]
    confirmed = client.post(f"{PLAN}/confirm", json={"year": YEAR, "pairs": chosen}, headers=city)
    assert confirmed.status_code == 201, confirmed.text
    assert len(confirmed.json()["created"]) == len(chosen)
    assert confirmed.json()["conflicts"] == []
    stored = session.exec(select(Liaison).where(Liaison.year == YEAR)).all()
    assert len(stored) == len(chosen) + 1  # plus the world's pair
    kept = next(x for x in stored if x.expert_id == cast.experts["national_med"].id)
    assert kept.kept_from_last_year
    assert kept.confirmed

    # confirming again changes nothing and reports each clash; an expert of another leader is refused too
    clash = [*chosen, {"leader_id": cast.chief.id, "expert_id": world.expert.id}]
    again = client.post(f"{PLAN}/confirm", json={"year": YEAR, "pairs": clash}, headers=city).json()
    assert again["created"] == []
    reasons = {c["expert_id"]: c["reason"] for c in again["conflicts"]}
    assert len(reasons) == len(clash)
    assert reasons[world.expert.id] == f"{world.expert.name}在{YEAR}年已由{world.leader.name}联系"
    assert reasons[cast.experts["national_med"].id] == "该联系关系已存在"
    assert len(session.exec(select(Liaison).where(Liaison.year == YEAR)).all()) == len(chosen) + 1

    # the leader logs a contact with one of the new experts, who raises a concern
    leader = world.headers(Role.leader)
    zhao_pairs = [x for x in stored if x.leader_id == world.leader.id and x.expert_id != world.expert.id]
    visited, silent = zhao_pairs[0], zhao_pairs[1]
    contact = client.post(
        "/api/v1/contacts",
        json={"liaison_id": visited.id, "date": clock.today().isoformat(), "mode": "交流座谈", "summary": "座谈"},
        headers=leader,
    )
    assert contact.status_code == 201, contact.text
    concern = client.post(
        "/api/v1/concerns",
        json={"contact_id": contact.json()["id"], "category": "科研条件", "content": "实验用地不足"},
        headers=leader,
    )
    assert concern.status_code == 201, concern.text
    concern_id = concern.json()["id"]
    assert concern.json()["due_date"] == (clock.today() + timedelta(days=get_settings().concern_reply_days)).isoformat()

    # the city assigns it to a department, which replies; the expert rates the reply
    assigned = client.post(f"/api/v1/concerns/{concern_id}/assign", json={"department": "市科技局"}, headers=city)
    assert assigned.json()["department"] == "市科技局"
    replied = client.post(f"/api/v1/concerns/{concern_id}/reply", json={"reply": "已协调用地"}, headers=city)
    assert replied.json()["status"] == "answered"
    expert = session.get(Expert, visited.expert_id)
    assert expert is not None
    rated = client.post(
        f"/api/v1/concerns/{concern_id}/rate", json={"satisfaction": 5}, headers=_headers_for_expert(session, expert)
    )
    assert rated.status_code == 200, rated.text
    assert (rated.json()["status"], rated.json()["overdue"]) == ("closed", False)

    # overdue: a pair without any contact for seven months, and a concern past its due date
    late = session.get(Liaison, silent.id)
    assert late is not None
    late.created_at = datetime.now(UTC) - timedelta(days=215)
    session.add(late)
    second = client.post(
        "/api/v1/concerns",
        json={"contact_id": contact.json()["id"], "category": "住房", "content": "人才公寓申请"},
        headers=leader,
    ).json()
    stale = session.get(Concern, second["id"])
    assert stale is not None
    stale.due_date = clock.today() - timedelta(days=1)
    session.add(stale)
    session.commit()

    overdue_pairs = client.get("/api/v1/liaisons", params={"year": YEAR, "overdue": True}, headers=city).json()
    assert [x["id"] for x in overdue_pairs["data"]] == [silent.id]
    assert client.get(f"/api/v1/liaisons/{visited.id}", headers=city).json()["contact_overdue"] is False
    overdue_concerns = client.get("/api/v1/concerns", params={"overdue": True}, headers=city).json()
    assert [c["id"] for c in overdue_concerns["data"]] == [second["id"]]
    assert client.get(f"/api/v1/concerns/{concern_id}", headers=city).json()["overdue"] is False


def test_planner_is_for_the_city_only(client: TestClient, world: World) -> None:
    for role in (Role.district_official, Role.leader, Role.expert, Role.unit):
        assert client.post(PLAN, json={"year": YEAR}, headers=world.headers(role)).status_code == 403
    bad = client.post(
        f"{PLAN}/confirm",
        json={"year": YEAR, "pairs": [{"leader_id": world.leader.id, "expert_id": 999999}]},
        headers=world.headers(Role.city_official),
    )
    assert bad.status_code == 422
    assert "专家 999999" in bad.json()["detail"]
