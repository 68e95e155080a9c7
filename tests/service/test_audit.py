"""操作记录: every change names who made it and what changed, in the change's own transaction, and keeps no
personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service import audit
from service.domain.audit_log import EXPORT_HEADERS
from service.models import AuditEvent, Expert, Need
from service.vocab import NeedStatus, Role
from tests.service.fixtures_excel import csv_bytes, id_number, read_xlsx
from tests.service.workflows.helpers import API
from tests.service.world import DISTRICT, World


def _events(engine: Engine, entity: str, entity_id: int | None, action: str | None = None) -> list[AuditEvent]:
    """The record's events, oldest first (of one `action`)."""
    with Session(engine) as fresh:
        statement = select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        if action is not None:
            statement = statement.where(AuditEvent.action == action)
        return list(fresh.exec(statement.order_by(col(AuditEvent.id))).all())


def _all_rows_as_text(engine: Engine) -> str:
    with Session(engine) as fresh:
        return json.dumps([e.model_dump(mode="json") for e in fresh.exec(select(AuditEvent))], ensure_ascii=False)


def _log(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    answer = client.get(f"{API}/audit", params=params, headers=world.headers(Role.city_official))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_need_posted_and_approved_is_recorded_with_who_did_it_and_what_changed(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = {
        "title": "茶园土壤酸化改良",
        "description": "茶园土壤酸化，希望专家指导改良。",
        "service_type": "技术服务",
        "field": "210",
        "contact_name": "张会计",
        "contact_phone": "13511112222",
        "submit": True,
    }
    posted = client.post(f"{API}/needs", json=body, headers=world.headers(Role.unit))
    assert posted.status_code == 201, posted.text
    need_id = posted.json()["id"]
    approved = client.post(f"{API}/needs/{need_id}/approve", headers=world.headers(Role.district_official))
    assert approved.status_code == 200, approved.text

    created, reviewed = _events(engine, "need", need_id)
    assert (created.action, created.username, created.role) == ("create", "unit", Role.unit)
    assert created.label == "茶园土壤酸化改良"
    assert created.changes["title"] == [None, "茶园土壤酸化改良"]
    assert created.changes["contact_phone"] == [None, None]  # written, value not kept
    assert (reviewed.action, reviewed.username) == ("update", "district")
    assert reviewed.changes["status"] == [NeedStatus.submitted, NeedStatus.open]
    assert created.request_id
    assert created.request_id != reviewed.request_id

    page = _log(client, world, entity="need", entity_id=need_id)
    assert page["count"] == 2
    newest = page["data"][0]
    assert newest["action_label"] == "修改"
    assert newest["entity_label"] == "需求"
    assert "状态：待审核 → 征集中" in newest["summary"]
    assert "联系电话：已填写" in page["data"][1]["summary"]


def test_personal_data_changes_are_recorded_without_their_values(
    client: TestClient, world: World, engine: Engine
) -> None:
    changed = client.patch(
        f"{API}/experts/{world.expert.id}",
        json={"phone": "13698765432", "id_number": id_number(7), "title": "研究员"},
        headers=world.headers(Role.city_official),
    )
    assert changed.status_code == 200, changed.text
    (event,) = _events(engine, "expert", world.expert.id, "update")
    assert event.changes["phone"] == [None, None]
    assert event.changes["id_number"] == [None, None]
    assert event.changes["title"] == ["教授", "研究员"]
    text = _all_rows_as_text(engine)
    for secret in ("13698765432", "13812345678", id_number(7), "510131197001011234"):
        assert secret not in text
    summary = _log(client, world, entity="expert", action="update")["data"][0]["summary"]
    assert "联系电话：已修改" in summary
    assert "职称：教授 → 研究员" in summary


def test_a_change_rolled_back_leaves_no_record(engine: Engine, world: World) -> None:
    with Session(engine) as session:
        need = session.get(Need, world.need.id)
        assert need is not None
        need.title = "改了又撤销的标题"
        session.add(need)
        session.flush()
        session.rollback()
    assert _events(engine, "need", world.need.id, "update") == []


def test_only_city_officials_read_the_log(client: TestClient, world: World) -> None:
    for role in (Role.unit, Role.expert, Role.leader, Role.district_official):
        assert client.get(f"{API}/audit", headers=world.headers(role)).status_code == 403
    assert client.get(f"{API}/audit").status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"entity": "password"}, {"action": "drop"}, {"date_from": "2026-12-02", "date_to": "2026-12-01"}],
)
def test_bad_filters_are_refused_in_chinese(client: TestClient, world: World, params: dict[str, str]) -> None:
    answer = client.get(f"{API}/audit", params=params, headers=world.headers(Role.city_official))
    assert answer.status_code in (400, 422), answer.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.text)


def test_an_import_records_each_new_record_as_the_importing_officials(
    client: TestClient, world: World, engine: Engine
) -> None:
    content = csv_bytes(
        [
            ["姓名", "工作单位", "所在区县", "身份证号码", "联系电话"],
            ["陈静", "蒲江县人民医院", "蒲江县", id_number(11), "13900000011"],
            ["刘洋", "蒲江县农业农村局", "蒲江县", id_number(12), "13900000012"],
        ]
    )
    answer = client.post(
        f"{API}/imports/experts",
        files={"file": ("专家.csv", content, "text/csv")},
        headers=world.headers(Role.city_official),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 2
    with Session(engine) as fresh:
        imported = fresh.exec(select(Expert).where(col(Expert.name).in_(["陈静", "刘洋"]))).all()
    for expert in imported:
        (event,) = _events(engine, "expert", expert.id)
        assert (event.action, event.username, event.label) == ("create", "city", expert.name)
        assert event.changes["district"] == [None, DISTRICT]
        assert event.changes["id_number"] == [None, None]
    text = _all_rows_as_text(engine)
    assert "13900000011" not in text
    assert id_number(11) not in text


def test_paused_writes_leave_no_record_and_acting_names_the_account(engine: Engine, world: World) -> None:
    with Session(engine) as session, audit.paused():
        need = session.get(Need, world.need.id)
        assert need is not None
        need.title = "演示数据改写"
        session.add(need)
        session.commit()
    assert _events(engine, "need", world.need.id, "update") == []
    with Session(engine) as session, audit.acting(world.accounts[Role.city_official]):
        need = session.get(Need, world.need.id)
        assert need is not None
        need.status = NeedStatus.withdrawn
        session.add(need)
        session.commit()
    (event,) = _events(engine, "need", world.need.id, "update")
    assert (event.username, event.changes) == ("city", {"status": [NeedStatus.open, NeedStatus.withdrawn]})


def test_the_systems_changes_are_found_by_the_name_the_log_shows_them_under(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A change made with no account (`zhiqiao user …`, background work) is listed as 系统; typing 系统 into the
    操作账号 filter finds it."""
    with Session(engine) as session, audit.acting(None):
        need = session.get(Need, world.need.id)
        assert need is not None
        need.status = NeedStatus.withdrawn
        session.add(need)
        session.commit()
    shown = _log(client, world, entity="need", entity_id=world.need.id, action="update")["data"]
    assert [e["username"] for e in shown] == ["系统"]
    found = _log(client, world, username="系统", limit=200)["data"]
    assert shown[0]["id"] in [e["id"] for e in found]
    assert {e["username"] for e in found} == {"系统"}
    assert _log(client, world, username="city")["count"] == 0


def test_a_deleted_record_keeps_its_name_in_the_log(engine: Engine, world: World) -> None:
    with Session(engine) as session, audit.acting(world.accounts[Role.city_official]):
        need = session.get(Need, world.draft_need.id)
        assert need is not None
        session.delete(need)
        session.commit()
    (event,) = _events(engine, "need", world.draft_need.id, "delete")
    assert (event.username, event.label, event.changes) == ("city", "电商直播培训", {})


def test_the_log_exports_to_excel_with_the_lists_filters(client: TestClient, world: World) -> None:
    city = world.headers(Role.city_official)
    for title in ("研究员", "二级研究员"):
        changed = client.patch(f"{API}/experts/{world.expert.id}", json={"title": title}, headers=city)
        assert changed.status_code == 200, changed.text
    answer = client.get(f"{API}/audit.xlsx", params={"entity": "expert", "action": "update"}, headers=city)
    assert answer.status_code == 200, answer.text
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    _, rows = read_xlsx(answer.content)
    assert rows[0] == EXPORT_HEADERS
    assert [row[6:8] for row in rows[1:]] == [
        ["李果", "职称：研究员 → 二级研究员"],
        ["李果", "职称：教授 → 研究员"],
    ]
    assert rows[1][1] == "city"
    refused = client.get(f"{API}/audit.xlsx", headers=world.headers(Role.district_official))
    assert refused.status_code == 403


def test_a_number_typed_into_a_title_is_masked_in_the_log(client: TestClient, world: World, engine: Engine) -> None:
    body = {"title": "请电话13512345678联系", "service_type": "技术服务", "submit": False}
    posted = client.post(f"{API}/needs", json=body, headers=world.headers(Role.unit))
    assert posted.status_code == 201, posted.text
    (event,) = _events(engine, "need", posted.json()["id"])
    assert "13512345678" not in _all_rows_as_text(engine)
    assert event.label.startswith("请电话135")
