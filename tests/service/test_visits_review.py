"""Defects found reviewing 千名专家下基层 (needs → visits → campaigns): which year's places a visit uses, and the
campaign's refusals in Chinese."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.models import Account, Campaign, Expert, Need, Unit, Visit
from service.security import create_access_token
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import DISTRICT, OTHER_DISTRICT, World, make_account

THIS_YEAR = clock.today().year


def _bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}


def _used_up(session: Session, world: World, expert: Expert, year: int) -> None:
    """`expert` has one place a year, and has used `year`'s on another unit's need."""
    expert.yearly_capacity = 1
    session.add(expert)
    need = Need(
        unit_id=world.other_unit.id or 0,
        title=f"{year}年已服务的需求",
        service_type="技术服务",
        district=OTHER_DISTRICT,
        status=NeedStatus.done,
    )
    session.add(need)
    session.flush()
    session.add(Visit(need_id=need.id or 0, expert_id=expert.id or 0, year=year, status=VisitStatus.confirmed))
    session.commit()


# ---- a visit arranged now uses this year's places -----------------------------------------------------------


def test_an_expert_proposed_again_gets_a_fresh_visit_of_this_year(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    """The expert accepted last December, agreed a date, and the official cancelled; proposed again this year,
    the visit must use this year's place (last year's is spent) and carry no stale agreed date."""
    visit = world.visit
    visit.year = THIS_YEAR - 1
    visit.status = VisitStatus.cancelled
    visit.scheduled_from = date(THIS_YEAR - 1, 12, 20)
    session.add(visit)
    session.commit()
    _used_up(session, world, world.expert, THIS_YEAR - 1)

    proposal = {"need_id": world.need.id, "expert_id": world.expert.id}
    again = client.post(f"{API}/visits", json=proposal, headers=world.headers("district_official"))
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["year"], again.json()["scheduled_from"]) == (visit.id, THIS_YEAR, None)
    accepted = client.post(f"{API}/visits/{visit.id}/accept", headers=world.headers("expert"))
    assert accepted.status_code == 200, accepted.text  # this year's place is free
    assert stored(engine, Visit, visit.id)["year"] == THIS_YEAR


def test_a_volunteer_who_had_declined_takes_this_years_place(
    client: TestClient, world: World, session: Session
) -> None:
    visit = world.visit
    visit.year, visit.status = THIS_YEAR - 1, VisitStatus.declined
    session.add(visit)
    session.commit()
    _used_up(session, world, world.expert, THIS_YEAR - 1)
    answer = client.post(f"{API}/visits", json={"need_id": world.need.id}, headers=world.headers("expert"))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["status"], answer.json()["year"]) == ("accepted", THIS_YEAR)


def test_a_need_wanted_since_last_year_is_served_with_this_years_places(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    """A need whose wanted period began last year (and runs on) still takes experts this year: a visit arranged now
    is this year's (last year is closed: its report and its places)."""
    need = world.need
    need.wanted_from = date(THIS_YEAR - 1, 10, 1)
    session.add(need)
    session.commit()
    other = world.other_expert
    _used_up(session, world, other, THIS_YEAR - 1)
    proposal = {"need_id": need.id, "expert_id": other.id}
    made = client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official"))
    assert made.status_code == 201, made.text
    assert made.json()["year"] == THIS_YEAR
    login = make_account(session, "other_expert", Role.expert, expert_id=other.id)
    session.commit()
    accepted = client.post(f"{API}/visits/{made.json()['id']}/accept", headers=_bearer(login))
    assert accepted.status_code == 200, accepted.text


# ---- campaigns ------------------------------------------------------------------------------------------------


def _round(session: Session, experts: int = 1) -> tuple[Unit, list[Need], list[Expert], list[Account]]:
    """A village with two tea needs (one expert each) and `experts` tea experts with logins."""
    unit = Unit(name="蒲江县成佳镇同心村", kind="村", district=DISTRICT)
    session.add(unit)
    session.flush()
    needs = [
        Need(
            unit_id=unit.id or 0,
            title=title,
            description=text,
            service_type="技术服务",
            field="210",
            district=DISTRICT,
            status=NeedStatus.open,
        )
        for title, text in (
            ("茶园病虫害绿色防控", "茶园茶小绿叶蝉危害严重，希望专家指导茶园病虫害绿色防控。"),
            ("名优绿茶加工工艺提升", "合作社希望提升名优绿茶的茶叶加工工艺和茶叶品质。"),
        )
    ]
    found = [
        Expert(
            name=f"茶叶专家{i + 1}",
            specialties="茶园病虫害绿色防控、茶叶加工工艺与名优绿茶品质提升",
            fields=["210"],
            district=DISTRICT,
            employer="四川省农业科学院茶叶研究所",
            yearly_capacity=2,
        )
        for i in range(experts)
    ]
    session.add_all([*needs, *found])
    session.flush()
    logins = [make_account(session, f"tea_{i}", Role.expert, expert_id=e.id) for i, e in enumerate(found)]
    session.commit()
    return unit, needs, found, logins


def _campaign(client: TestClient, world: World, needs: list[Need], experts: list[Expert], year: int) -> int:
    body = {
        "name": f"{year}年千名专家下基层·蒲江茶叶",
        "year": year,
        "district": DISTRICT,
        "needs": {"ids": [n.id for n in needs]},
        "experts": {"ids": [e.id for e in experts]},
    }
    answer = client.post(f"{API}/campaigns", json=body, headers=world.headers(Role.city_official))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_a_campaign_for_next_year_publishes_visits_that_use_next_years_places(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    """Made in December for next year: the run counts the expert's two places of next year and pairs them with
    both needs; the published offers must be next year's, so that the expert (one place already used this year)
    can accept both."""
    _, needs, (expert,), (login,) = _round(session)
    _used_up(session, world, expert, THIS_YEAR)
    expert.yearly_capacity = 2
    session.add(expert)
    session.commit()
    city = world.headers(Role.city_official)
    cid = _campaign(client, world, needs, [expert], THIS_YEAR + 1)
    run = client.post(f"{API}/campaigns/{cid}/run", headers=city)
    assert run.status_code == 200, run.text
    assert run.json()["last_run"]["filled"] == 2
    published = client.post(f"{API}/campaigns/{cid}/publish", headers=city)
    assert published.status_code == 200, published.text
    visit_ids = [p["visit_id"] for p in published.json()["pairs"]]
    for visit_id in visit_ids:
        answer = client.post(f"{API}/visits/{visit_id}/accept", headers=_bearer(login))
        assert answer.status_code == 200, answer.text
        assert answer.json()["year"] == THIS_YEAR + 1


def test_a_campaign_for_next_year_takes_experts_whose_places_are_full_this_year(
    client: TestClient, world: World, session: Session
) -> None:
    """The match index counts this year's places: an expert who used this year's only place was no candidate at
    all for a campaign of next year, whose places are all free; and one full next year must not be proposed."""
    _, needs, (free_next_year, full_next_year), _ = _round(session, experts=2)
    _used_up(session, world, free_next_year, THIS_YEAR)
    _used_up(session, world, full_next_year, THIS_YEAR + 1)
    city = world.headers(Role.city_official)
    cid = _campaign(client, world, needs[:1], [free_next_year, full_next_year], THIS_YEAR + 1)
    run = client.post(f"{API}/campaigns/{cid}/run", headers=city)
    assert run.status_code == 200, run.text
    assert run.json()["last_run"]["filled"] == 1
    assert [p["expert_id"] for p in run.json()["pairs"]] == [free_next_year.id]
    # this year's campaign sees it the other way round
    this_year = _campaign(client, world, needs[:1], [free_next_year, full_next_year], THIS_YEAR)
    run = client.post(f"{API}/campaigns/{this_year}/run", headers=city)
    assert [p["expert_id"] for p in run.json()["pairs"]] == [full_next_year.id]


def test_a_campaign_whose_year_is_over_is_neither_run_nor_published(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    _, needs, experts, _ = _round(session)
    city = world.headers(Role.city_official)
    old = _campaign(client, world, needs, experts, THIS_YEAR - 1)
    assert "已结束" in refused(client.post(f"{API}/campaigns/{old}/run", headers=city), 409)
    # run while its year was on, published after New Year: nothing is sent
    cid = _campaign(client, world, needs, experts, THIS_YEAR)
    assert client.post(f"{API}/campaigns/{cid}/run", headers=city).status_code == 200
    campaign = session.get(Campaign, cid)
    assert campaign is not None
    campaign.year = THIS_YEAR - 1
    session.add(campaign)
    session.commit()
    assert "已结束" in refused(client.post(f"{API}/campaigns/{cid}/publish", headers=city), 409)
    with Session(engine) as fresh:
        assert fresh.exec(select(Visit).where(Visit.campaign_id == cid)).all() == []


def test_a_lock_beyond_a_needs_places_is_refused_in_chinese_naming_the_need(
    client: TestClient, world: World, session: Session
) -> None:
    """The official locked a pair; meanwhile another expert took the need's only place: the re-run is refused with
    a message an official can read (it named the need by id, in English)."""
    _, needs, experts, logins = _round(session, experts=2)
    city = world.headers(Role.city_official)
    cid = _campaign(client, world, needs[:1], experts, THIS_YEAR)
    pair = client.post(f"{API}/campaigns/{cid}/run", headers=city).json()["pairs"][0]
    assert client.post(f"{API}/campaigns/{cid}/pairs/{pair['id']}/lock", headers=city).status_code == 200
    other = 1 if pair["expert_id"] == experts[0].id else 0
    proposal = {"need_id": needs[0].id, "expert_id": experts[other].id}
    visit = client.post(f"{API}/visits", json=proposal, headers=city).json()
    assert client.post(f"{API}/visits/{visit['id']}/accept", headers=_bearer(logins[other])).status_code == 200
    message = refused(client.post(f"{API}/campaigns/{cid}/run", headers=city), 409)
    assert needs[0].title in message
    assert "锁定" in message


def test_locks_beyond_an_experts_places_are_refused_in_chinese_naming_the_expert(
    client: TestClient, world: World, session: Session
) -> None:
    _, needs, (expert,), _ = _round(session)
    city = world.headers(Role.city_official)
    cid = _campaign(client, world, needs, [expert], THIS_YEAR)
    pairs = client.post(f"{API}/campaigns/{cid}/run", headers=city).json()["pairs"]
    assert len(pairs) == 2
    for pair in pairs:
        assert client.post(f"{API}/campaigns/{cid}/pairs/{pair['id']}/lock", headers=city).status_code == 200
    _used_up(session, world, expert, THIS_YEAR)  # one place a year, now used elsewhere
    message = refused(client.post(f"{API}/campaigns/{cid}/run", headers=city), 409)
    assert expert.name in message


def test_an_experts_yearly_capacity_cannot_fall_below_the_places_already_taken(
    client: TestClient, engine: Engine, session: Session, world: World
) -> None:
    expert = world.other_expert
    url = f"{API}/experts/{expert.id}"
    this_year = clock.today().year
    visits = (
        (this_year, VisitStatus.accepted),
        (this_year, VisitStatus.done),
        (this_year, VisitStatus.declined),
        (this_year + 1, VisitStatus.scheduled),
    )
    for number, (year, status) in enumerate(visits):
        need = Need(unit_id=world.unit.id or 0, title=f"需求{number}", service_type="技术服务", district=DISTRICT)
        session.add(need)
        session.flush()
        session.add(Visit(need_id=need.id or 0, expert_id=expert.id or 0, year=year, status=status))
    session.commit()
    official = world.headers(Role.city_official)
    too_few = client.patch(url, json={"yearly_capacity": 1}, headers=official)
    assert too_few.status_code == 422
    assert too_few.json()["detail"] == f"{expert.name}{this_year}年已安排2次服务，年度服务次数上限不能少于2"
    assert stored(engine, Expert, expert.id)["yearly_capacity"] != 1
    # the declined visit holds no place: two are enough, and next year's one visit fits
    assert client.patch(url, json={"yearly_capacity": 2}, headers=official).status_code == 200
    assert client.patch(url, json={"yearly_capacity": 0}, headers=official).status_code == 422
