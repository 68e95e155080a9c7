"""Visits through the API: proposed → accepted | declined → scheduled → done → confirmed and rated.

Illegal steps answer 409 with a Chinese message and change nothing; capacity and conflicts of interest hold.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.api.deps import SESSION_COOKIE
from service.domain.liaisons import rate_concern
from service.domain.visits import VOLUNTEER_DECLINES_PER_YEAR, act_on_visit
from service.errors import Forbidden, InvalidInput
from service.models import Account, Need, Visit
from service.models.leader import ConcernRate
from service.security import create_access_token
from service.vocab import NeedStatus, VisitStatus
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import World

YEAR = clock.today().year  # the service year of visits made now

RECORD = {"service_date": f"{YEAR}-01-01", "service_days": 1, "content": "现场指导溃疡病防治", "people_trained": 30}


def set_visit(session: Session, visit: Visit, status: VisitStatus) -> None:
    visit.status = status
    session.add(visit)
    session.commit()


def act(client: TestClient, world: World, visit_id: int | None, action: str, role: str, body: Any = None) -> Response:
    return client.post(f"{API}/visits/{visit_id}/{action}", json=body, headers=world.headers(role))


def test_visit_from_proposal_to_rating(client: TestClient, world: World, engine: Engine) -> None:
    visit_id = world.visit.id
    assert act(client, world, visit_id, "accept", "expert").json()["status"] == "accepted"
    assert stored(engine, Need, world.need.id)["status"] == NeedStatus.matched
    scheduled = act(client, world, visit_id, "schedule", "expert", {"scheduled_from": f"{YEAR}-12-01"})
    assert (scheduled.json()["status"], scheduled.json()["scheduled_from"]) == ("scheduled", f"{YEAR}-12-01")
    # Rescheduling is allowed while scheduled.
    again = act(client, world, visit_id, "schedule", "city_official", {"scheduled_from": f"{YEAR}-12-03"})
    assert again.json()["scheduled_from"] == f"{YEAR}-12-03"
    done = act(client, world, visit_id, "record", "expert", RECORD)
    assert (done.json()["status"], done.json()["people_trained"]) == ("done", 30)
    rated = act(client, world, visit_id, "confirm", "unit", {"rating": 4, "comment": "讲得实在"})
    assert (rated.json()["status"], rated.json()["rating"]) == ("confirmed", 4)
    assert stored(engine, Need, world.need.id)["status"] == NeedStatus.done
    assert stored(engine, Visit, visit_id)["confirmed_at"] is not None


def test_expert_volunteering_accepts_at_once(client: TestClient, world: World, session: Session) -> None:
    set_visit(session, world.visit, VisitStatus.declined)
    answer = client.post(f"{API}/visits", json={"need_id": world.need.id}, headers=world.headers("expert"))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["status"], answer.json()["origin"]) == ("accepted", "volunteer")


def test_decline_needs_a_reason_and_frees_the_need(client: TestClient, world: World, engine: Engine) -> None:
    refused(act(client, world, world.visit.id, "decline", "expert", {"reason": ""}), 422)
    refused(act(client, world, world.visit.id, "decline", "expert", {"reason": "   "}), 422)
    refused(act(client, world, world.visit.id, "decline", "expert", {}), 422)
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.proposed
    declined = act(client, world, world.visit.id, "decline", "expert", {"reason": "本月在外地"})
    assert (declined.json()["status"], declined.json()["decline_reason"]) == ("declined", "本月在外地")
    assert stored(engine, Need, world.need.id)["status"] == NeedStatus.open


ILLEGAL = [
    # (case, visit state, action, role, body, words in the message)
    ("rate a visit that never happened", VisitStatus.proposed, "confirm", "unit", {"rating": 5}, "尚无服务记录"),
    ("rate an accepted visit", VisitStatus.accepted, "confirm", "unit", {"rating": 5}, "尚无服务记录"),
    ("rate twice", VisitStatus.confirmed, "confirm", "unit", {"rating": 1}, "已确认并评价，不能重复确认"),
    ("accept a declined visit", VisitStatus.declined, "accept", "expert", None, "专家已婉拒"),
    ("accept twice", VisitStatus.accepted, "accept", "expert", None, "专家已接受"),
    ("accept a cancelled visit", VisitStatus.cancelled, "accept", "expert", None, "已取消"),
    (
        "schedule a proposed visit",
        VisitStatus.proposed,
        "schedule",
        "expert",
        {"scheduled_from": f"{YEAR}-12-01"},
        "不能排期",
    ),
    ("record a proposed visit", VisitStatus.proposed, "record", "expert", RECORD, "不能填写服务记录"),
    ("record twice", VisitStatus.done, "record", "expert", RECORD, "已服务"),
    ("decline a done visit", VisitStatus.done, "decline", "expert", {"reason": "不想去"}, "不能婉拒"),
    ("cancel a confirmed visit", VisitStatus.confirmed, "cancel", "city_official", None, "不能取消"),
]


@pytest.mark.parametrize(
    ("state", "action", "role", "body", "words"), [c[1:] for c in ILLEGAL], ids=[c[0] for c in ILLEGAL]
)
def test_illegal_step_is_refused_and_changes_nothing(
    client: TestClient,
    world: World,
    session: Session,
    engine: Engine,
    state: VisitStatus,
    action: str,
    role: str,
    body: Any,
    words: str,
) -> None:
    set_visit(session, world.visit, state)
    before_visit = stored(engine, Visit, world.visit.id)
    before_need = stored(engine, Need, world.need.id)
    assert words in refused(act(client, world, world.visit.id, action, role, body), 409)
    assert stored(engine, Visit, world.visit.id) == before_visit
    assert stored(engine, Need, world.need.id) == before_need


BAD_INPUT = [
    ("rating 6", VisitStatus.done, "confirm", {"rating": 6}, "评分不能大于 5"),
    ("rating 0", VisitStatus.done, "confirm", {"rating": 0}, "评分不能小于 1"),
    ("rating missing", VisitStatus.done, "confirm", {}, "评分为必填项"),
    (
        "end before start",
        VisitStatus.accepted,
        "schedule",
        {"scheduled_from": f"{YEAR}-12-05", "scheduled_to": f"{YEAR}-12-01"},
        "结束日期不能早于开始日期",
    ),
    (
        "service in the future",
        VisitStatus.accepted,
        "record",
        {**RECORD, "service_date": str(clock.today() + timedelta(days=3))},
        "服务日期不能晚于今天",
    ),
    ("no service days", VisitStatus.accepted, "record", {**RECORD, "service_days": 0}, "服务天数须大于 0"),
    (
        "schedule generations ahead",
        VisitStatus.accepted,
        "schedule",
        {"scheduled_from": "2099-01-01"},
        f"服务日期不能晚于{YEAR + 1}年底",
    ),
    (
        "end generations ahead",
        VisitStatus.accepted,
        "schedule",
        {"scheduled_from": f"{YEAR}-12-01", "scheduled_to": "2099-01-01"},
        f"服务日期不能晚于{YEAR + 1}年底",
    ),
    (
        "schedule before the service year",
        VisitStatus.accepted,
        "schedule",
        {"scheduled_from": "1900-01-01"},
        "不能早于服务年度",
    ),
    (
        "service before the service year",
        VisitStatus.accepted,
        "record",
        {**RECORD, "service_date": "1901-01-01"},
        "不能早于服务年度",
    ),
    ("empty content", VisitStatus.accepted, "record", {**RECORD, "content": ""}, "内容不能为空"),
]


@pytest.mark.parametrize(
    ("state", "action", "body", "words"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_visit_input_answers_422_in_chinese(
    client: TestClient,
    world: World,
    session: Session,
    engine: Engine,
    state: VisitStatus,
    action: str,
    body: Any,
    words: str,
) -> None:
    set_visit(session, world.visit, state)
    before = stored(engine, Visit, world.visit.id)
    role = "unit" if action == "confirm" else "expert"
    assert words in refused(act(client, world, world.visit.id, action, role, body), 422)
    assert stored(engine, Visit, world.visit.id) == before


def _fill_places(session: Session, world: World, capacity: int, used: int) -> None:
    """Give the world's expert `capacity` places this year, `used` of them taken by other needs' visits."""
    expert = world.expert
    expert.yearly_capacity = capacity
    session.add(expert)
    for n in range(used):
        need = Need(
            unit_id=world.other_unit.id or 0,
            title=f"已服务需求{n}",
            service_type="技术服务",
            district="510104",
            status=NeedStatus.in_service,
        )
        session.add(need)
        session.flush()
        session.add(
            Visit(need_id=need.id or 0, expert_id=expert.id or 0, year=world.visit.year, status=VisitStatus.scheduled)
        )
    session.commit()


def test_expert_at_capacity_cannot_accept(client: TestClient, world: World, session: Session, engine: Engine) -> None:
    _fill_places(session, world, capacity=2, used=2)
    message = refused(act(client, world, world.visit.id, "accept", "expert"), 409)
    assert "名额已满" in message
    assert "2/2" in message
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.proposed
    assert (
        client.get(f"{API}/experts/{world.expert.id}", headers=world.headers("expert")).json()["visits_this_year"] == 2
    )


def test_expert_at_capacity_cannot_volunteer(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    set_visit(session, world.visit, VisitStatus.declined)
    _fill_places(session, world, capacity=1, used=1)
    answer = client.post(f"{API}/visits", json={"need_id": world.need.id}, headers=world.headers("expert"))
    assert "名额已满" in refused(answer, 409)
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.declined


def test_last_place_can_be_taken(client: TestClient, world: World, session: Session) -> None:
    _fill_places(session, world, capacity=3, used=2)
    assert act(client, world, world.visit.id, "accept", "expert").status_code == 200


def _other_expert_accepted(session: Session, world: World) -> None:
    """The world's other expert has accepted the world's need, which asked for one expert."""
    assert world.need.experts_wanted == 1
    session.add(Visit(need_id=world.need.id or 0, expert_id=world.other_expert.id or 0, year=clock.today().year))
    session.commit()
    visit = session.exec(select(Visit).where(Visit.expert_id == world.other_expert.id)).one()
    set_visit(session, visit, VisitStatus.accepted)


def test_a_need_takes_no_more_experts_than_it_asked_for(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    _other_expert_accepted(session, world)
    message = refused(act(client, world, world.visit.id, "accept", "expert"), 409)
    assert "已全部落实（1/1）" in message
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.proposed
    need_url = f"{API}/needs/{world.need.id}"
    official = world.headers("district_official")
    assert client.patch(need_url, json={"experts_wanted": 2}, headers=official).status_code == 200
    assert act(client, world, world.visit.id, "accept", "expert").status_code == 200
    # two experts have accepted: the need cannot ask for fewer
    assert "不能少于 2" in refused(client.patch(need_url, json={"experts_wanted": 1}, headers=official), 409)
    assert stored(engine, Need, world.need.id)["experts_wanted"] == 2


def test_a_need_whose_places_are_taken_takes_no_proposal_or_volunteer(
    client: TestClient, world: World, session: Session, engine: Engine
) -> None:
    _other_expert_accepted(session, world)
    set_visit(session, world.visit, VisitStatus.declined)
    proposal = {"need_id": world.need.id, "expert_id": world.expert.id}
    assert "已全部落实" in refused(
        client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official")), 409
    )
    volunteer = client.post(f"{API}/visits", json={"need_id": world.need.id}, headers=world.headers("expert"))
    assert "已全部落实" in refused(volunteer, 409)
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.declined


@pytest.mark.parametrize(("status", "available"), [("在库", False), ("退出", True)])
def test_an_expert_who_cannot_serve_cannot_accept(
    client: TestClient, world: World, session: Session, engine: Engine, status: str, available: bool
) -> None:
    world.expert.status, world.expert.available = status, available
    session.add(world.expert)
    session.commit()
    assert "当前不可安排" in refused(act(client, world, world.visit.id, "accept", "expert"), 409)
    assert stored(engine, Visit, world.visit.id)["status"] == VisitStatus.proposed


def test_bounds_read_as_people_write_them(client: TestClient, world: World, session: Session) -> None:
    set_visit(session, world.visit, VisitStatus.accepted)
    too_long = act(client, world, world.visit.id, "record", "expert", {**RECORD, "service_days": 61})
    assert "服务天数不能大于 60" in refused(too_long, 422)
    assert "60.0" not in too_long.text
    campaign = {"name": "春季下基层", "year": 1999}
    answer = client.post(f"{API}/campaigns", json=campaign, headers=world.headers("city_official"))
    assert "年度不能小于 2000" in refused(answer, 422)


def test_the_expert_of_an_accepted_visit_gets_the_units_contact(
    client: TestClient, world: World, session: Session
) -> None:
    world.unit.contact_name = "张支书"
    session.add(world.unit)
    session.commit()
    url = f"{API}/visits/{world.visit.id}"
    assert client.get(url, headers=world.headers("expert")).json()["unit_contact"] is None  # only proposed
    assert act(client, world, world.visit.id, "accept", "expert").status_code == 200
    contact = client.get(url, headers=world.headers("expert")).json()["unit_contact"]
    assert contact == {"unit_name": world.unit.name, "person": "张支书", "phone": "13900001111"}
    # nobody else gets it through the visit (officials and the unit have the unit's own record)
    for role in ("unit", "district_official", "city_official"):
        assert client.get(url, headers=world.headers(role)).json()["unit_contact"] is None


def test_a_need_with_its_own_contact_sends_the_expert_to_that_person(
    client: TestClient, world: World, session: Session
) -> None:
    world.unit.contact_name = "张支书"
    session.add(world.unit)
    session.commit()
    changed = client.patch(
        f"{API}/needs/{world.need.id}",
        json={"contact_name": " 王会计 ", "contact_phone": "139-0000-3333"},
        headers=world.headers("city_official"),  # the need is open: the unit edits only drafts
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["contact_name"], changed.json()["contact_phone"]) == ("王会计", "13900003333")
    assert act(client, world, world.visit.id, "accept", "expert").status_code == 200
    url = f"{API}/visits/{world.visit.id}"
    contact = client.get(url, headers=world.headers("expert")).json()["unit_contact"]
    assert contact == {"unit_name": world.unit.name, "person": "王会计", "phone": "13900003333"}

    # a need naming only a person: that person, never the unit contact's phone beside another's name
    session.refresh(world.need)
    world.need.contact_phone = None
    session.add(world.need)
    session.commit()
    contact = client.get(url, headers=world.headers("expert")).json()["unit_contact"]
    assert contact == {"unit_name": world.unit.name, "person": "王会计", "phone": ""}


def test_conflict_of_interest_is_refused(client: TestClient, world: World, session: Session, engine: Engine) -> None:
    other = world.other_expert
    other.employer = world.unit.name  # the expert works for the very unit that asks
    session.add(other)
    session.commit()
    proposal = {"need_id": world.need.id, "expert_id": other.id}
    assert "利益回避" in refused(
        client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official")), 409
    )
    with Session(engine) as fresh:
        assert fresh.exec(select(Visit).where(Visit.expert_id == other.id)).first() is None


def test_unavailable_expert_cannot_be_proposed(client: TestClient, world: World, session: Session) -> None:
    other = world.other_expert
    other.available = False
    session.add(other)
    session.commit()
    proposal = {"need_id": world.need.id, "expert_id": other.id}
    refused(client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official")), 409)


def test_same_expert_cannot_be_proposed_twice(client: TestClient, world: World) -> None:
    proposal = {"need_id": world.need.id, "expert_id": world.expert.id}
    assert "已安排" in refused(client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official")), 409)


def test_declined_expert_can_be_proposed_again(client: TestClient, world: World, session: Session) -> None:
    set_visit(session, world.visit, VisitStatus.declined)
    proposal = {"need_id": world.need.id, "expert_id": world.expert.id}
    answer = client.post(f"{API}/visits", json=proposal, headers=world.headers("city_official"))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["id"], answer.json()["status"], answer.json()["decline_reason"]) == (
        world.visit.id,
        "proposed",
        "",
    )


def test_cancel_frees_the_place(client: TestClient, world: World, session: Session) -> None:
    set_visit(session, world.visit, VisitStatus.accepted)
    expert_url = f"{API}/experts/{world.expert.id}"
    assert client.get(expert_url, headers=world.headers("expert")).json()["visits_this_year"] == 1
    assert act(client, world, world.visit.id, "cancel", "district_official").json()["status"] == "cancelled"
    assert client.get(expert_url, headers=world.headers("expert")).json()["visits_this_year"] == 0


def test_expert_cannot_confirm_own_visit(client: TestClient, world: World, session: Session, engine: Engine) -> None:
    set_visit(session, world.visit, VisitStatus.done)
    assert act(client, world, world.visit.id, "confirm", "expert", {"rating": 5}).status_code == 403
    assert stored(engine, Visit, world.visit.id)["rating"] is None


def test_unit_sees_its_visits_and_experts_their_own(client: TestClient, world: World, session: Session) -> None:
    visit = Visit(need_id=world.need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR)
    session.add(visit)
    session.commit()
    unit = client.get(f"{API}/visits", headers=world.headers("unit")).json()
    assert {v["id"] for v in unit["data"]} == {world.visit.id, visit.id}
    expert = client.get(f"{API}/visits", headers=world.headers("expert")).json()
    assert {v["id"] for v in expert["data"]} == {world.visit.id}
    assert unit["count"] == 2
    assert expert["count"] == 1


def test_domain_refuses_an_action_without_its_form(world: World, session: Session) -> None:
    """Schedule, record and confirm need their data; without it nothing changes."""
    expert = session.get(Account, world.accounts["expert"].id)
    assert expert is not None
    act_on_visit(session=session, actor=expert, visit_id=world.visit.id or 0, action="accept")
    with pytest.raises(InvalidInput):
        act_on_visit(session=session, actor=expert, visit_id=world.visit.id or 0, action="schedule")
    session.rollback()
    stored = session.get(Visit, world.visit.id)
    assert stored is not None
    assert stored.status == "accepted"


def test_only_the_expert_rates_a_concern_reply(world: World, session: Session) -> None:
    leader = session.get(Account, world.accounts["leader"].id)
    assert leader is not None
    with pytest.raises(Forbidden):
        rate_concern(session=session, actor=leader, concern_id=1, data=ConcernRate(satisfaction=5))


def test_an_expert_who_keeps_volunteering_and_declining_is_arranged_by_the_officials_only(
    client: TestClient, world: World, session: Session
) -> None:
    # Volunteering shows the need's contact: volunteering and declining again and again would collect phones.
    needs = []
    for number in range(VOLUNTEER_DECLINES_PER_YEAR + 1):
        need = Need(
            unit_id=world.unit.id or 0,
            title=f"果园管理{number}",
            service_type="技术服务",
            district=world.need.district,
            status=NeedStatus.open,
        )
        session.add(need)
        needs.append(need)
    session.commit()
    expert = world.headers("expert")
    for need in needs[:VOLUNTEER_DECLINES_PER_YEAR]:
        visit = client.post(f"{API}/visits", json={"need_id": need.id}, headers=expert)
        assert visit.status_code == 201, visit.text
        declined = act(client, world, visit.json()["id"], "decline", "expert", {"reason": "时间冲突"})
        assert declined.json()["status"] == "declined"
    last = needs[-1]
    refusal = refused(client.post(f"{API}/visits", json={"need_id": last.id}, headers=expert), 409)
    assert refusal == (
        f"您今年已有{VOLUNTEER_DECLINES_PER_YEAR}次自荐后又婉拒，为保护服务单位的联系方式，今年不能再自荐；"
        "如愿为该需求服务，请联系组织部门安排"
    )
    # the need's page says so instead of offering to volunteer
    account = world.accounts["expert"]
    client.cookies.set(SESSION_COOKIE, create_access_token(account.id or 0, account.role))
    page = client.get(f"/expert/needs/{last.id}").text
    assert refusal in page
    assert "/volunteer" not in page
    client.cookies.clear()
    # a need declined before may be taken up again, and an official may still arrange the expert anywhere
    again = client.post(f"{API}/visits", json={"need_id": needs[0].id}, headers=expert)
    assert again.status_code == 201, again.text
    arranged = client.post(
        f"{API}/visits", json={"need_id": last.id, "expert_id": world.expert.id}, headers=world.headers("city_official")
    )
    assert arranged.status_code == 201, arranged.text


def test_a_unit_returns_a_service_record_it_does_not_recognise(
    client: TestClient, world: World, engine: Engine
) -> None:
    visit_id = world.visit.id
    act(client, world, visit_id, "accept", "expert")
    act(client, world, visit_id, "schedule", "expert", {"scheduled_from": f"{YEAR}-01-02"})
    act(client, world, visit_id, "record", "expert", RECORD)
    # a reason is needed, only the need's unit may return, and only a record (not a rating already given)
    assert "请写明原因" in refused(act(client, world, visit_id, "return", "unit", {"reason": "  "}), 422)
    refused(act(client, world, visit_id, "return", "expert", {"reason": "自己退回"}), 403)
    returned = act(client, world, visit_id, "return", "unit", {"reason": "专家当天未到场"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["status"], body["returned_reason"]) == ("scheduled", "专家当天未到场")
    assert body["content"] == RECORD["content"], "the record stays, to be corrected"
    assert stored(engine, Need, world.need.id)["status"] != NeedStatus.done
    refused(act(client, world, visit_id, "confirm", "unit", {"rating": 5}), 409)  # nothing to rate until recorded again
    seen = client.get(f"{API}/visits/{visit_id}", headers=world.headers("expert")).json()
    assert seen["returned_reason"] == "专家当天未到场"
    again = act(client, world, visit_id, "record", "expert", {**RECORD, "content": "改期后现场指导，培训12人"})
    assert (again.json()["status"], again.json()["returned_reason"]) == ("done", "")
    rated = act(client, world, visit_id, "confirm", "unit", {"rating": 4})
    assert rated.json()["status"] == "confirmed"
    assert "已确认" in refused(act(client, world, visit_id, "return", "unit", {"reason": "再退一次"}), 409)
