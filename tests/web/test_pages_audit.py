"""The 操作记录 page (city officials) and a need's history on the official need page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import Need
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
