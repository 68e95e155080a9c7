"""Optimistic edits: a form opened before someone else saved the same record is refused with a Chinese message,
instead of saving over their changes unseen; reopened, it saves."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import Expert, Need
from service.vocab import NeedStatus, Role
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as

STALE = "在您编辑期间已被他人修改"


def _version_field(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None, "the form carries no version"
    return found.group(1)


def test_a_units_need_form_opened_before_an_officials_edit_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    login_as(client, world, Role.unit)
    url = f"/unit/needs/{need.id}/edit"
    page = client.get(url).text
    form = {
        "csrf_token": csrf_of(page),
        "version": _version_field(page),
        "title": "电商直播培训（单位修改）",
        "service_type": "人才培训",
        "experts_wanted": "1",
        "action": "save",
    }
    # meanwhile the district official corrects the need during the review
    official = client.patch(
        f"/api/v1/needs/{need.id}", json={"title": "农村电商直播培训"}, headers=world.headers(Role.district_official)
    )
    assert official.status_code == 200
    assert official.json()["version"] == int(form["version"]) + 1

    refused = client.post(url, data=form)
    assert refused.status_code == 409
    assert STALE in refused.text
    assert 'value="电商直播培训（单位修改）"' in refused.text  # what the unit typed is still on the page
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert stored.title == "农村电商直播培训"

    again = client.get(url).text
    assert client.post(url, data={**form, "version": _version_field(again)}).status_code == 303
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert stored.title == "电商直播培训（单位修改）"


def test_an_experts_profile_form_opened_before_an_officials_edit_is_refused(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.expert)
    page = client.get("/expert/profile").text
    form = {
        "csrf_token": csrf_of(page),
        "version": _version_field(page),
        "employer": "四川农业大学",
        "title": "教授",
        "phone": "13812345678",
        "specialties": "猕猴桃栽培",
        "available": "1",
    }
    official = client.patch(
        f"/api/v1/experts/{world.expert.id}",
        json={"phone": "13900009999"},
        headers=world.headers(Role.district_official),
    )
    assert official.status_code == 200

    refused = client.post("/expert/profile", data=form)
    assert refused.status_code == 422
    assert STALE in refused.text
    session.expire_all()
    stored = session.get(Expert, world.expert.id)
    assert stored is not None
    assert (stored.phone, stored.specialties) == ("13900009999", "猕猴桃栽培与病虫害防治，溃疡病综合防控")
