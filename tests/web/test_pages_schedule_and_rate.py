"""Agreeing a visit's dates (expert and officials) and an expert's 满意度 for a concern's reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.api.deps import SESSION_COOKIE
from service.models import Concern, Visit
from service.security import create_access_token
from service.vocab import ConcernStatus, Role, VisitStatus
from tests.service.concerns import raised_concern
from tests.service.world import World, make_account
from tests.web.conftest import csrf_of, login_as

SOON = clock.today() + timedelta(days=3)
LATER = SOON + timedelta(days=1)


def _visit(session: Session, world: World) -> Visit:
    session.expire_all()
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    return visit


@pytest.fixture
def accepted(session: Session, world: World) -> World:
    visit = _visit(session, world)
    visit.status = VisitStatus.accepted
    session.add(visit)
    session.commit()
    return world


def _concern(session: Session, world: World, status: str) -> Concern:
    concern = raised_concern(
        world,
        content="人才公寓申请",
        department="市住建局",
        due_date=clock.today() + timedelta(days=30),
        status=status,
        reply="已纳入人才公寓" if status == ConcernStatus.answered else "",
        replied_on=clock.today() if status == ConcernStatus.answered else None,
    )
    session.add(concern)
    session.commit()
    session.refresh(concern)
    return concern


def test_expert_agrees_dates_and_can_still_record_the_service(
    client: TestClient, accepted: World, session: Session
) -> None:
    login_as(client, accepted, Role.expert)
    url = f"/expert/visits/{accepted.visit.id}"
    page = client.get(url).text
    assert 'action="' + url + '/schedule"' in page
    answer = client.post(
        f"{url}/schedule",
        data={"csrf_token": csrf_of(page), "scheduled_from": SOON.isoformat(), "scheduled_to": LATER.isoformat()},
    )
    assert answer.status_code == 303
    visit = _visit(session, accepted)
    assert (visit.status, visit.scheduled_from, visit.scheduled_to) == (VisitStatus.scheduled, SOON, LATER)
    after = client.get(answer.headers["location"]).text
    assert "服务时间已约定" in after
    assert f"{SOON.year}年{SOON.month}月{SOON.day}日" in after
    assert f'value="{SOON.isoformat()}"' in after  # the form shows the agreed dates to adjust them
    assert f'action="{url}/record"' in after  # the service record stays available once scheduled


def test_schedule_dates_are_checked_beside_the_fields(client: TestClient, accepted: World, session: Session) -> None:
    login_as(client, accepted, Role.expert)
    url = f"/expert/visits/{accepted.visit.id}"
    token = csrf_of(client.get(url).text)
    blank = client.post(f"{url}/schedule", data={"csrf_token": token, "scheduled_to": LATER.isoformat()})
    assert blank.status_code == 422
    assert 'id="f-scheduled_from-error">开始日期为必填项' in blank.text
    backwards = client.post(
        f"{url}/schedule",
        data={"csrf_token": token, "scheduled_from": LATER.isoformat(), "scheduled_to": SOON.isoformat()},
    )
    assert backwards.status_code == 422
    assert 'id="f-scheduled_to-error">结束日期不能早于开始日期' in backwards.text
    assert f'value="{LATER.isoformat()}"' in backwards.text  # the input is kept
    visit = _visit(session, accepted)
    assert (visit.status, visit.scheduled_from) == (VisitStatus.accepted, None)


def test_a_proposed_visit_cannot_be_scheduled(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.expert)
    url = f"/expert/visits/{world.visit.id}"
    page = client.get(url).text
    assert f'action="{url}/schedule"' not in page
    answer = client.post(f"{url}/schedule", data={"csrf_token": csrf_of(page), "scheduled_from": SOON.isoformat()})
    assert answer.status_code == 409
    assert _visit(session, world).status == VisitStatus.proposed


def test_district_official_agrees_dates_on_the_need_page(client: TestClient, accepted: World, session: Session) -> None:
    login_as(client, accepted, Role.district_official)
    need_url = f"/official/needs/{accepted.need.id}"
    page = client.get(need_url).text
    assert f'id="schedule-{accepted.visit.id}"' in page
    action = f"/official/visits/{accepted.visit.id}/schedule"
    backwards = client.post(
        action,
        data={"csrf_token": csrf_of(page), "scheduled_from": LATER.isoformat(), "scheduled_to": SOON.isoformat()},
    )
    assert backwards.status_code == 422
    form = backwards.text.split(f'id="schedule-{accepted.visit.id}"')[1].split("</form>")[0]
    assert "结束日期不能早于开始日期" in form
    answer = client.post(action, data={"csrf_token": csrf_of(page), "scheduled_from": SOON.isoformat()})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{need_url}?msg=visit_scheduled")
    visit = _visit(session, accepted)
    assert (visit.status, visit.scheduled_from, visit.scheduled_to) == (VisitStatus.scheduled, SOON, None)


def test_expert_rates_an_answered_concern_which_closes_it(client: TestClient, world: World, session: Session) -> None:
    concern = _concern(session, world, ConcernStatus.answered)
    login_as(client, world, Role.expert)
    page = client.get("/expert/liaison").text
    action = f"/expert/concerns/{concern.id}/rate"
    assert f'action="{action}"' in page
    unrated = client.post(action, data={"csrf_token": csrf_of(page)})
    assert unrated.status_code == 422
    assert "请选择 1–5 星满意度" in unrated.text
    too_high = client.post(action, data={"csrf_token": csrf_of(page), "satisfaction": "6"})
    assert too_high.status_code == 422
    answer = client.post(action, data={"csrf_token": csrf_of(page), "satisfaction": "4"})
    assert answer.status_code == 303
    session.expire_all()
    stored = session.get(Concern, concern.id)
    assert stored is not None
    assert (stored.satisfaction, stored.status) == (4, ConcernStatus.closed)
    after = client.get(answer.headers["location"]).text
    assert "我的满意度" in after
    assert "4 星" in after
    assert f'action="{action}"' not in after


def test_an_open_concern_or_another_experts_cannot_be_rated(client: TestClient, world: World, session: Session) -> None:
    concern = _concern(session, world, ConcernStatus.open)
    login_as(client, world, Role.expert)
    page = client.get("/expert/liaison").text
    assert f'action="/expert/concerns/{concern.id}/rate"' not in page
    early = client.post(f"/expert/concerns/{concern.id}/rate", data={"csrf_token": csrf_of(page), "satisfaction": "5"})
    assert early.status_code == 409
    assert "诉求尚未答复" in early.text

    answered = _concern(session, world, ConcernStatus.answered)
    stranger = make_account(session, "stranger", Role.expert, expert_id=world.other_expert.id)
    session.commit()
    client.cookies.set(SESSION_COOKIE, create_access_token(stranger.id or 0, stranger.role))
    token = csrf_of(client.get("/expert/liaison").text)
    refused = client.post(f"/expert/concerns/{answered.id}/rate", data={"csrf_token": token, "satisfaction": "1"})
    assert refused.status_code == 403
    assert "只能查看本人的联系记录" in refused.text
    session.expire_all()
    assert session.get(Concern, answered.id).satisfaction is None  # type: ignore[union-attr]


def test_a_unit_returns_a_service_record_from_the_need_page_and_the_expert_sees_why(
    client: TestClient, world: World, session: Session
) -> None:
    visit = _visit(session, world)
    visit.status, visit.service_date, visit.service_days, visit.content = (
        VisitStatus.done,
        clock.today(),
        1.0,
        "现场指导",
    )
    session.add(visit)
    session.commit()
    login_as(client, world, Role.unit)
    url = f"/unit/needs/{world.need.id}"
    page = client.get(url).text
    action = f'action="/unit/visits/{visit.id}/return"'
    assert action in page
    blank = client.post(f"/unit/visits/{visit.id}/return", data={"csrf_token": csrf_of(page), "reason": " "})
    assert blank.status_code == 422
    assert "退回服务记录时请写明原因" in blank.text
    assert f'id="f-return-{visit.id}-error"' in blank.text
    answer = client.post(f"/unit/visits/{visit.id}/return", data={"csrf_token": csrf_of(page), "reason": "人数不符"})
    assert answer.status_code == 303
    after = client.get(answer.headers["location"]).text
    assert "已退回服务记录" in after
    assert "服务记录已退回：人数不符" in after
    assert action not in after
    assert _visit(session, world).status == VisitStatus.accepted  # it never had agreed dates
    login_as(client, world, Role.expert)
    expert_page = client.get(f"/expert/visits/{visit.id}").text
    assert "服务单位退回了服务记录：人数不符" in expert_page
    assert f'action="/expert/visits/{visit.id}/record"' in expert_page
