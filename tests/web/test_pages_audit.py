"""The 操作记录 page (city officials) and a need's history on the official need page."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import AuditEvent, Need, Visit
from service.vocab import NeedStatus, Role
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as


def _approve_through_the_page(client: TestClient, world: World, session: Session) -> Need:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    login_as(client, world, Role.district_official)
    url = f"/official/needs/{need.id}"
    answer = client.post(f"{url}/review", data={"csrf_token": csrf_of(client.get(url).text), "decision": "approve"})
    assert answer.status_code == 303
    return need


def test_the_city_sees_who_approved_a_need_and_can_narrow_the_log(
    client: TestClient, world: World, session: Session
) -> None:
    need = _approve_through_the_page(client, world, session)
    login_as(client, world, Role.city_official)
    page = client.get(f"/official/audit?entity=need&entity_id={need.id}&action=update&username=district")
    assert page.status_code == 200, page.text[:500]
    assert "共 1 条" in page.text
    assert "district" in page.text
    assert "区县组织部门" in page.text
    assert "状态：待审核 → 征集中" in page.text
    assert f'href="/official/needs/{need.id}"' in page.text
    export = f"/api/v1/audit.xlsx?entity=need&amp;entity_id={need.id}&amp;username=district&amp;action=update"
    assert f'href="{export}"' in page.text
    assert '<a href="/official/audit"' in page.text  # in the city's navigation
    # narrowed to another account: nothing
    assert "共 0 条" in client.get("/official/audit?username=unit&entity=need&action=update").text


def test_bad_filters_are_named_in_chinese_beside_their_fields(client: TestClient, world: World) -> None:
    login_as(client, world, Role.city_official)
    answer = client.get("/official/audit?entity_id=abc&date_from=2026-12-09&date_to=2026-12-01")
    assert answer.status_code == 422
    assert 'id="f-entity_id-error"' in answer.text
    assert "记录编号" in answer.text
    answer = client.get("/official/audit?date_from=2026-12-09&date_to=2026-12-01")
    assert answer.status_code == 422
    assert "结束日期不能早于开始日期" in answer.text


def test_only_the_city_opens_the_log(client: TestClient, world: World) -> None:
    for role in (Role.district_official, Role.unit, Role.expert, Role.leader):
        login_as(client, world, role)
        assert client.get("/official/audit").status_code == 403


def test_the_need_page_tells_its_history(client: TestClient, world: World, session: Session) -> None:
    need = _approve_through_the_page(client, world, session)
    page = client.get(f"/official/needs/{need.id}").text
    assert "操作记录" in page
    assert "修改需求：状态：待审核 → 征集中" in page


def test_a_campaigns_log_lines_are_in_chinese_with_the_citys_time(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.city_official)
    token = csrf_of(client.get("/official/campaigns").text)
    created = client.post(
        "/official/campaigns",
        data={"csrf_token": token, "name": "春季下基层", "year": str(clock.today().year), "need_field": "210"},
    )
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    assert client.post(f"{url}/run", data={"csrf_token": token}).status_code == 303
    page = client.get("/official/audit?entity=campaign").text
    log = page.split("<table")[1].split("</table>")[0]
    for raw in ("created_by", "expert_ids", "last_run_at", "+00:00"):
        assert raw not in log
    assert "所选专家：已填写" in log
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "campaign", AuditEvent.action == "update")).one()
    ran = clock.stored_instant(datetime.fromisoformat(event.changes["last_run_at"][1])).astimezone(clock.CHINA_TIME)
    assert f"最近匹配时间：空 → {ran.year}年{ran.month}月{ran.day}日 {ran:%H:%M}" in log


def test_a_visits_and_a_pairs_log_lines_name_who_not_ids(client: TestClient, world: World, session: Session) -> None:
    # the official proposes the world's expert on the world's need, the leader logs a contact
    session.delete(session.get(Visit, world.visit.id))
    session.commit()
    login_as(client, world, Role.district_official)
    page = client.get(f"/official/needs/{world.need.id}").text
    proposed = client.post(
        f"/official/needs/{world.need.id}/propose",
        data={"csrf_token": csrf_of(page), "expert_id": str(world.expert.id)},
    )
    assert proposed.status_code == 303
    login_as(client, world, Role.leader)
    form = client.get(f"/leader/liaisons/{world.liaison.id}/contact").text
    logged = client.post(
        f"/leader/liaisons/{world.liaison.id}/contact",
        data={"csrf_token": csrf_of(form), "date": clock.today().isoformat(), "mode": "电话", "summary": "电话交流"},
    )
    assert logged.status_code == 303
    login_as(client, world, Role.city_official)
    log = client.get("/official/audit").text.split("<table")[1].split("</table>")[0]
    proposal = session.exec(select(Visit).where(Visit.need_id == world.need.id)).one()
    assert f"服务 {proposal.id}：{world.need.title}·{world.expert.name}" in log
    assert f"{world.leader.name}·{world.expert.name}·{clock.today().year}年" in log
    assert f"联系关系{world.liaison.id}" not in log
    # the deleted invitation keeps the label it was stored with (PostgreSQL does not hand its id out again)
    if proposal.id != world.visit.id:
        assert f"服务 {world.visit.id}：需求{world.need.id}·专家{world.expert.id}" in log


def test_filters_at_the_calendars_ends_answer_the_whole_range(client: TestClient, world: World) -> None:
    login_as(client, world, Role.city_official)
    assert client.get("/official/audit?date_from=0001-01-01&date_to=9999-12-31").status_code == 200
    export = client.get("/api/v1/exports/needs.xlsx?created_from=0001-01-01&created_to=9999-12-31")
    assert export.status_code == 200
