"""Campaigns 千名专家下基层 through the API: create, run, lock, remove, re-run, publish, accept, decline, re-fill."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Account, Expert, Need, Unit, Visit
from service.security import create_access_token
from service.vocab import NeedStatus, Role, VisitOrigin, VisitStatus
from tests.service.world import DISTRICT, OTHER_DISTRICT, World, make_account

API = "/api/v1/campaigns"
YEAR = clock.today().year


@dataclass
class Round:
    """Needs of one unit and the experts that could serve them, each expert with a login."""

    unit: Unit
    citrus: Need  # wants 2 experts
    tea: Need  # wants 1
    experts: dict[str, Expert]
    logins: dict[str, Account]

    def expert_headers(self, key: str) -> dict[str, str]:
        account = self.logins[key]
        return {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}

    def ids(self, *keys: str) -> list[int]:
        return [self.experts[k].id or 0 for k in keys]


EXPERTS = {
    "citrus_a": ("柑橘专家甲", "柑橘黄龙病防控与柑橘栽培技术，果园病虫害绿色防控"),
    "citrus_b": ("柑橘专家乙", "柑橘品种改良、柑橘黄龙病检测与果园管理"),
    "citrus_c": ("柑橘专家丙", "柑橘采后处理与柑橘病害综合防治"),
    "tea_a": ("茶叶专家甲", "茶叶加工工艺、名优绿茶制作与茶园管理"),
    "tea_b": ("茶叶专家乙", "茶叶加工机械与茶叶品质提升"),
}


def _add(session: Session, *records: object) -> None:
    for record in records:
        session.add(record)
    session.commit()
    for record in records:
        session.refresh(record)


@pytest.fixture
def round_(session: Session, world: World) -> Round:
    unit = Unit(name="蒲江县西来镇铁牛村", kind="村", district=DISTRICT)
    _add(session, unit)
    citrus = Need(
        unit_id=unit.id or 0,
        title="柑橘黄龙病防控技术指导",
        description="村里柑橘园发现黄龙病病株，希望专家指导柑橘黄龙病防控和果园管理。",
        service_type="技术服务",
        field="210",
        district=DISTRICT,
        experts_wanted=2,
        status=NeedStatus.open,
    )
    tea = Need(
        unit_id=unit.id or 0,
        title="茶叶加工工艺培训",
        description="合作社希望提升名优绿茶的茶叶加工工艺。",
        service_type="人才培训",
        field="210",
        district=DISTRICT,
        experts_wanted=1,
        status=NeedStatus.open,
    )
    experts = {
        key: Expert(name=name, specialties=text, fields=["210"], district=DISTRICT, employer="四川省农业科学院")
        for key, (name, text) in EXPERTS.items()
    }
    # Works for the unit that posted the needs: must never be proposed to it (conflict of interest).
    experts["insider"] = Expert(
        name="本村专家",
        specialties="柑橘黄龙病防控、茶叶加工工艺",
        fields=["210"],
        district=DISTRICT,
        employer=unit.name,
    )
    _add(session, citrus, tea, *experts.values())
    logins = {key: make_account(session, f"campaign_{key}", Role.expert, expert_id=e.id) for key, e in experts.items()}
    session.commit()
    return Round(unit, citrus, tea, experts, logins)


def _pairs_by_need(answer: dict) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for pair in answer["pairs"]:
        out.setdefault(pair["need_id"], set()).add(pair["expert_id"])
    return out


def _create(client: TestClient, world: World, round_: Round, **overrides: object) -> dict:
    body = {
        "name": "2026年千名专家下基层·蒲江",
        "year": YEAR,
        "district": DISTRICT,
        "needs": {"ids": [round_.citrus.id, round_.tea.id]},
        "experts": {"ids": round_.ids(*round_.experts)},
        **overrides,
    }
    answer = client.post(API, json=body, headers=world.headers(Role.city_official))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_whole_campaign_round(client: TestClient, session: Session, world: World, round_: Round) -> None:
    city = world.headers(Role.city_official)
    campaign = _create(client, world, round_)
    assert (campaign["status"], campaign["need_count"], campaign["expert_count"]) == ("draft", 2, 6)
    cid = campaign["id"]
    citrus, tea = round_.citrus.id or 0, round_.tea.id or 0
    citrus_experts, tea_experts = set(round_.ids("citrus_a", "citrus_b", "citrus_c")), set(round_.ids("tea_a", "tea_b"))

    # run: every place filled, by the experts whose text fits, never by the unit's own employee
    run = client.post(f"{API}/{cid}/run", headers=city)
    assert run.status_code == 200, run.text
    answer = run.json()
    assert (answer["last_run"]["filled"], answer["last_run"]["total"], answer["last_run"]["unfilled"]) == (3, 3, [])
    pairs = _pairs_by_need(answer)
    assert len(pairs[citrus]) == 2
    assert pairs[citrus] <= citrus_experts
    assert len(pairs[tea]) == 1
    assert pairs[tea] <= tea_experts
    assert round_.experts["insider"].id not in pairs[citrus] | pairs[tea]
    first = next(p for p in answer["pairs"] if p["need_id"] == citrus)
    assert first["score"] > 0
    assert first["reasons"]["shared_terms"]
    assert first["published"] is False

    # lock one citrus pair, remove the other, re-run: the lock holds, the removed expert never comes back
    citrus_pairs = sorted((p for p in answer["pairs"] if p["need_id"] == citrus), key=lambda p: -p["score"])
    locked, removed = citrus_pairs
    assert client.post(f"{API}/{cid}/pairs/{locked['id']}/lock", headers=city).json()["locked"] is True
    assert client.post(f"{API}/{cid}/pairs/{removed['id']}/remove", headers=city).json()["removed"] is True
    answer = client.post(f"{API}/{cid}/run", headers=city).json()
    pairs = _pairs_by_need(answer)
    assert locked["expert_id"] in pairs[citrus]
    assert removed["expert_id"] not in pairs[citrus]
    assert len(pairs[citrus]) == 2
    assert [p["expert_id"] for p in answer["removed_pairs"]] == [removed["expert_id"]]
    kept = next(p for p in answer["pairs"] if p["expert_id"] == locked["expert_id"] and p["need_id"] == citrus)
    assert kept["id"] == locked["id"]
    assert kept["locked"]

    # publish: each pair becomes a proposed campaign visit; publishing again without changes is refused
    published = client.post(f"{API}/{cid}/publish", headers=city)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["acceptance"] == {"draft": 0, "awaiting": 3, "accepted": 0, "declined": 0}
    visits = session.exec(select(Visit).where(Visit.campaign_id == cid)).all()
    assert len(visits) == 3
    assert {(v.status, v.origin) for v in visits} == {(VisitStatus.proposed, VisitOrigin.campaign)}
    again = client.post(f"{API}/{cid}/publish", headers=city)
    assert again.status_code == 409
    assert "没有新的配对" in again.json()["detail"]
    # a published pair is no longer the official's to adjust
    assert client.post(f"{API}/{cid}/pairs/{locked['id']}/remove", headers=city).status_code == 409

    # experts answer through the visit endpoints: one citrus expert accepts, the tea expert declines
    key_of = {e.id: k for k, e in round_.experts.items()}
    by_pair = {(p["need_id"], p["expert_id"]): p for p in published.json()["pairs"]}
    accepted = by_pair[(citrus, locked["expert_id"])]
    decliner = next(e for (n, e) in by_pair if n == tea)
    declined = by_pair[(tea, decliner)]
    ok = client.post(
        f"/api/v1/visits/{accepted['visit_id']}/accept", headers=round_.expert_headers(key_of[locked["expert_id"]])
    )
    assert ok.status_code == 200, ok.text
    no = client.post(
        f"/api/v1/visits/{declined['visit_id']}/decline",
        json={"reason": "本月在外地开展课题调研"},
        headers=round_.expert_headers(key_of[decliner]),
    )
    assert no.status_code == 200, no.text
    detail = client.get(f"{API}/{cid}", headers=city).json()
    assert detail["acceptance"] == {"draft": 0, "awaiting": 1, "accepted": 1, "declined": 1}
    assert {p["visit_status"] for p in detail["pairs"]} == {"accepted", "declined", "proposed"}

    # re-fill: the accepted pair and the pending offer stay; the declined tea place goes to someone else
    refill = client.post(f"{API}/{cid}/run", headers=city).json()
    run_summary = refill["last_run"]
    assert (run_summary["filled"], run_summary["total"], run_summary["already_accepted"]) == (2, 2, 1)
    assert run_summary["new_pairs"] == 1
    fresh = [p for p in refill["pairs"] if not p["published"]]
    assert len(fresh) == 1
    assert fresh[0]["need_id"] == tea
    assert fresh[0]["expert_id"] != decliner
    assert fresh[0]["expert_id"] in tea_experts
    assert any(p["expert_id"] == locked["expert_id"] and p["visit_status"] == "accepted" for p in refill["pairs"])
    republished = client.post(f"{API}/{cid}/publish", headers=city)
    assert republished.status_code == 200, republished.text
    assert republished.json()["acceptance"] == {"draft": 0, "awaiting": 2, "accepted": 1, "declined": 1}
    # the decliner is never offered that need again
    final = client.post(f"{API}/{cid}/run", headers=city).json()
    assert all(not (p["need_id"] == tea and p["expert_id"] == decliner and not p["published"]) for p in final["pairs"])
    session.expire_all()
    stored = session.exec(select(Visit).where(Visit.need_id == tea, Visit.expert_id == decliner)).one()
    assert (stored.status, stored.decline_reason) == (VisitStatus.declined, "本月在外地开展课题调研")


def test_unfilled_needs_carry_the_solvers_reason(client: TestClient, world: World, round_: Round) -> None:
    campaign = _create(client, world, round_, experts={"ids": round_.ids("citrus_a")})
    answer = client.post(f"{API}/{campaign['id']}/run", headers=world.headers(Role.city_official)).json()
    run = answer["last_run"]
    assert (run["filled"], run["total"]) == (2, 3)
    short = {u["need_id"]: u for u in run["unfilled"]}
    assert short[round_.citrus.id]["missing"] == 1
    assert short[round_.citrus.id]["reason_label"] == "候选专家人数不足"
    assert short[round_.citrus.id]["need_title"] == "柑橘黄龙病防控技术指导"


def test_conflicted_expert_alone_leaves_need_unfilled_with_reason(
    client: TestClient, world: World, round_: Round
) -> None:
    campaign = _create(client, world, round_, needs={"ids": [round_.tea.id]}, experts={"ids": round_.ids("insider")})
    answer = client.post(f"{API}/{campaign['id']}/run", headers=world.headers(Role.city_official)).json()
    assert answer["pairs"] == []
    assert [u["reason_label"] for u in answer["last_run"]["unfilled"]] == ["候选专家均需回避"]


def test_illegal_steps_are_refused_with_chinese_messages(
    client: TestClient, session: Session, world: World, round_: Round
) -> None:
    city = world.headers(Role.city_official)
    empty = _create(client, world, round_, needs={"ids": []})
    answer = client.post(f"{API}/{empty['id']}/run", headers=city)
    assert answer.status_code == 422
    assert "尚未选择任何需求" in answer.json()["detail"]
    assert client.post(f"{API}/{empty['id']}/publish", headers=city).status_code == 409

    campaign = _create(client, world, round_)
    pairs = client.post(f"{API}/{campaign['id']}/run", headers=city).json()["pairs"]
    other = client.post(f"{API}/{empty['id']}/pairs/{pairs[0]['id']}/lock", headers=city)
    assert other.status_code == 409
    assert "不属于" in other.json()["detail"]

    bad = client.post(API, json={"name": "x", "year": YEAR, "needs": {"ids": [world.draft_need.id]}}, headers=city)
    assert bad.status_code == 422
    assert "已不在征集专家" in bad.json()["detail"]

    # a need withdrawn between run and publish: the publish fails as a whole, nothing is written
    tea = session.get(Need, round_.tea.id)
    assert tea is not None
    tea.status = NeedStatus.withdrawn
    session.add(tea)
    session.commit()
    failed = client.post(f"{API}/{campaign['id']}/publish", headers=city)
    assert failed.status_code == 409
    assert "未作任何改动" in failed.json()["detail"]
    assert session.exec(select(Visit).where(Visit.campaign_id == campaign["id"])).all() == []
    assert client.get(f"{API}/{campaign['id']}", headers=city).json()["status"] == "draft"


def test_district_officials_steer_only_their_district(client: TestClient, world: World, round_: Round) -> None:
    district = world.headers(Role.district_official)
    own = client.post(
        API,
        json={"name": "本区活动", "year": YEAR, "experts": {"district": DISTRICT}},
        headers=district,
    )
    assert own.status_code == 201, own.text
    body = own.json()
    assert body["district"] == DISTRICT  # defaulted to the official's district
    assert {round_.citrus.id, round_.tea.id, world.need.id} <= set(body["need_ids"])
    assert world.other_expert.id not in body["expert_ids"]  # filtered to the district's experts
    foreign = client.post(API, json={"name": "外区", "year": YEAR, "district": OTHER_DISTRICT}, headers=district)
    assert foreign.status_code == 403
    city_wide = _create(client, world, round_, district=None)
    assert client.get(f"{API}/{city_wide['id']}", headers=district).status_code == 403
    listed = client.get(API, headers=district).json()
    assert [c["id"] for c in listed["data"]] == [body["id"]]
    assert client.get(API, headers=world.headers(Role.unit)).status_code == 403


def test_pairs_come_a_page_at_a_time_and_the_pages_hold_them_all(
    client: TestClient, world: World, round_: Round
) -> None:
    """A city-wide campaign holds thousands of pairs: the detail carries one page and the count, /pairs the rest."""
    city = world.headers(Role.city_official)
    campaign = _create(client, world, round_)
    cid = campaign["id"]
    everything = client.post(f"{API}/{cid}/run", headers=city).json()
    assert everything["pair_count"] == len(everything["pairs"]) == 3  # citrus wants 2, tea 1: under one page
    made = [p["id"] for p in everything["pairs"]]
    assert made == sorted(made)

    first = client.get(f"{API}/{cid}", params={"pairs_limit": 2}, headers=city).json()
    assert (first["pair_count"], [p["id"] for p in first["pairs"]]) == (3, made[:2])
    rest = client.get(f"{API}/{cid}", params={"pairs_limit": 2, "pairs_offset": 2}, headers=city).json()
    assert [p["id"] for p in rest["pairs"]] == made[2:]
    summary = client.get(f"{API}/{cid}", params={"pairs_limit": 0}, headers=city).json()
    assert (summary["pairs"], summary["pair_count"], summary["acceptance"]["draft"]) == ([], 3, 3)

    walked: list[int] = []
    for offset in range(0, 4, 2):
        page = client.get(f"{API}/{cid}/pairs", params={"limit": 2, "offset": offset}, headers=city).json()
        assert page["count"] == 3
        walked += [p["id"] for p in page["data"]]
    assert walked == made

    removed = client.post(f"{API}/{cid}/pairs/{made[0]}/remove", headers=city).json()
    assert removed["removed"] is True
    kept = client.get(f"{API}/{cid}/pairs", headers=city).json()
    assert (kept["count"], [p["id"] for p in kept["data"]]) == (2, made[1:])
    gone = client.get(f"{API}/{cid}/pairs", params={"removed": "true"}, headers=city).json()
    assert (gone["count"], [p["id"] for p in gone["data"]]) == (1, made[:1])
    detail = client.get(f"{API}/{cid}", headers=city).json()
    assert (detail["pair_count"], [p["id"] for p in detail["removed_pairs"]]) == (2, made[:1])

    too_many = client.get(f"{API}/{cid}", params={"pairs_limit": 1001}, headers=city)
    assert too_many.status_code == 422
    city_wide = _create(client, world, round_, district=None)
    district = world.headers(Role.district_official)
    assert client.get(f"{API}/{city_wide['id']}/pairs", headers=district).status_code == 403
