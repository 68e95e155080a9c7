"""Optimistic edits through the API: a PATCH that names the version it was read at is refused (409, Chinese)
once someone else has saved the record; a PATCH without a version is applied as before."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.domain import experts
from service.models import Account, Expert
from service.models.expert import ExpertUpdate
from service.vocab import Role
from tests.service.racing import detached, race
from tests.service.world import World


def test_two_officials_editing_one_need_from_the_same_version(client: TestClient, world: World) -> None:
    url = f"/api/v1/needs/{world.need.id}"
    read = client.get(url, headers=world.headers(Role.district_official)).json()
    version = read["version"]
    first = client.patch(
        url, json={"experts_wanted": 3, "version": version}, headers=world.headers(Role.district_official)
    )
    assert first.status_code == 200
    assert first.json()["version"] == version + 1
    second = client.patch(
        url, json={"experts_wanted": 2, "version": version}, headers=world.headers(Role.city_official)
    )
    assert second.status_code == 409
    assert second.json()["detail"] == (
        f"该需求在您编辑期间已被他人修改（您编辑的是第 {version} 版，当前为第 {version + 1} 版），"
        "为免覆盖对方的修改，本次未保存。请刷新页面，查看最新内容后重新修改"
    )
    assert client.get(url, headers=world.headers(Role.city_official)).json()["experts_wanted"] == 3
    unchecked = client.patch(url, json={"experts_wanted": 2}, headers=world.headers(Role.city_official))
    assert unchecked.status_code == 200
    assert unchecked.json()["version"] == version + 2


def test_two_officials_saving_one_expert_at_once(engine: Engine, session: Session, world: World) -> None:
    """Both read version 1 and save at once: the second waits for the first, then is refused."""
    expert_id = world.expert.id or 0
    district = detached(world.accounts[Role.district_official])
    city = detached(world.accounts[Role.city_official])

    def save(actor: Account, specialties: str) -> object:
        data = ExpertUpdate(specialties=specialties, version=1)
        return lambda s: experts.update_expert(session=s, actor=actor, expert_id=expert_id, data=data)

    first, second = race(engine, save(district, "猕猴桃栽培"), save(city, "柑橘栽培"))
    assert (first.status, second.status) == (200, 409)
    assert "第 1 版，当前为第 2 版" in second.message
    session.expire_all()
    stored = session.get(Expert, expert_id)
    assert stored is not None
    assert (stored.specialties, stored.version) == ("猕猴桃栽培", 2)
