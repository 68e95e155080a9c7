"""Text input: what a record cannot do without (a name, what was done, what is asked, the reply) refuses spaces
alone, and an expert's documents are bounded; 422 with a Chinese message, and nothing stored changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from service import clock
from service.models import Campaign, Concern, Contact, Expert, Leader, Unit, Visit
from service.vocab import VisitStatus
from tests.service.concerns import raised_concern
from tests.service.workflows.helpers import API, refused, stored
from tests.service.world import World

BLANK = "  \u3000 "  # ASCII and full-width spaces
COUNTED = (Campaign, Concern, Contact, Expert, Leader, Unit)


@dataclass(frozen=True)
class Target:
    """What a case sends to, and the stored field that must not change (none for a create)."""

    path: str
    model: type[SQLModel] | None = None
    record_id: int | None = None
    field: str = ""


def _concern(session: Session, world: World, action: str, field: str) -> Target:
    concern = raised_concern(world, content="实验室用房紧张")
    session.add(concern)
    session.commit()
    return Target(f"/concerns/{concern.id}/{action}", Concern, concern.id, field)


def _accepted_visit(session: Session, world: World) -> Target:
    world.visit.status = VisitStatus.accepted
    session.add(world.visit)
    session.commit()
    return Target(f"/visits/{world.visit.id}/record", Visit, world.visit.id, "status")


@dataclass(frozen=True)
class Case:
    role: str
    method: str
    target: Callable[[Session, World], Target]
    body: Callable[[World], dict[str, Any]]
    message: str


CASES = [
    Case(
        "expert",
        "POST",
        _accepted_visit,
        lambda w: {"service_date": clock.today().isoformat(), "service_days": 1, "content": BLANK},
        "服务内容不能为空",
    ),
    Case(
        "leader",
        "POST",
        lambda s, w: Target("/concerns"),
        lambda w: {"contact_id": w.contact.id, "category": "住房", "content": BLANK},
        "诉求内容不能为空",
    ),
    Case(
        "city_official",
        "POST",
        lambda s, w: _concern(s, w, "reply", "status"),
        lambda w: {"reply": BLANK},
        "答复不能为空",
    ),
    Case(
        "city_official",
        "POST",
        lambda s, w: _concern(s, w, "assign", "department"),
        lambda w: {"department": BLANK},
        "承办部门不能为空",
    ),
    Case(
        "city_official",
        "PATCH",
        lambda s, w: Target(f"/experts/{w.expert.id}", Expert, w.expert.id, "name"),
        lambda w: {"name": BLANK},
        "姓名不能为空",
    ),
    Case(
        "city_official",
        "POST",
        lambda s, w: Target("/experts"),
        lambda w: {"name": BLANK, "district": "锦江区"},
        "姓名不能为空",
    ),
    Case(
        "city_official",
        "PATCH",
        lambda s, w: Target(f"/units/{w.unit.id}", Unit, w.unit.id, "name"),
        lambda w: {"name": BLANK},
        "单位名称不能为空",
    ),
    Case(
        "city_official",
        "POST",
        lambda s, w: Target("/leaders"),
        lambda w: {"name": BLANK, "rank": "常委"},
        "姓名不能为空",
    ),
    Case(
        "city_official",
        "PATCH",
        lambda s, w: Target(f"/leaders/{w.leader.id}", Leader, w.leader.id, "name"),
        lambda w: {"name": BLANK},
        "姓名不能为空",
    ),
    Case(
        "city_official",
        "POST",
        lambda s, w: Target("/campaigns"),
        lambda w: {"name": BLANK, "year": 2026},
        "活动名称不能为空",
    ),
]


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as fresh:
        return {m.__name__: fresh.exec(select(func.count()).select_from(m)).one() for m in COUNTED}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method}-{c.message}" for c in CASES])
def test_spaces_alone_are_refused_and_nothing_changes(
    client: TestClient, world: World, session: Session, engine: Engine, case: Case
) -> None:
    target = case.target(session, world)
    before = stored(engine, target.model, target.record_id)[target.field] if target.model else None
    counts = _counts(engine)
    answer = client.request(case.method, API + target.path, json=case.body(world), headers=world.headers(case.role))
    assert case.message in refused(answer, 422)
    if target.model:
        assert stored(engine, target.model, target.record_id)[target.field] == before
    assert _counts(engine) == counts


BIG = "很" * 5001


@pytest.mark.parametrize(
    ("documents", "message"),
    [
        ([{"kind": "论文", "title": "", "text": "  "}], "第 1 项成果的标题和内容不能都为空"),
        ([{"title": "稻瘟病抗性育种"}, {"title": "x", "text": BIG}], "第 2 项成果的内容不能超过 5000 个字符"),
        ([{"title": "x", "author": "y"}], "第 1 项成果含有无法识别的内容：author"),
        ([{"title": f"论文{i}"} for i in range(51)], "成果与经历最多 50 项（收到 51 项）"),
    ],
)
def test_an_experts_documents_are_bounded_and_say_something(
    client: TestClient, world: World, engine: Engine, documents: list[dict[str, str]], message: str
) -> None:
    before = stored(engine, Expert, world.expert.id)["documents"]
    answer = client.patch(
        f"{API}/experts/{world.expert.id}", json={"documents": documents}, headers=world.headers("expert")
    )
    assert message in refused(answer, 422)
    assert BIG not in answer.text
    assert stored(engine, Expert, world.expert.id)["documents"] == before


def test_an_experts_documents_are_stored_stripped_with_every_part(client: TestClient, world: World) -> None:
    documents = [{"kind": "项目", "title": " 猕猴桃溃疡病防控 "}, {"text": "果园土壤改良 "}]
    answer = client.patch(
        f"{API}/experts/{world.expert.id}",
        json={"documents": documents, "field_labels": [" 果树学 ", ""]},
        headers=world.headers("expert"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["documents"] == [
        {"kind": "项目", "title": "猕猴桃溃疡病防控", "text": ""},
        {"kind": "", "title": "", "text": "果园土壤改良"},
    ]
    assert answer.json()["field_labels"] == ["果树学"]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("１３９０００１２３４５", "13900012345"),
        ("139０００12345", "13900012345"),
        ("０２８-８５５５１２３４", "028-85551234"),
    ],
)
def test_phones_typed_in_full_width_digits_are_kept_in_ascii(
    client: TestClient, world: World, engine: Engine, typed: str, kept: str
) -> None:
    """A Chinese input method types full-width digits; stored as typed they would match no search, no
    duplicate check and no masking rule (Python's \\d accepts them)."""
    answer = client.patch(
        f"{API}/units/{world.unit.id}", json={"contact_phone": typed}, headers=world.headers("city_official")
    )
    assert answer.status_code == 200, answer.text
    assert stored(engine, Unit, world.unit.id)["contact_phone"] == kept


def test_an_id_number_typed_in_full_width_is_kept_in_ascii(client: TestClient, world: World, engine: Engine) -> None:
    number = "11010519491231002X"
    typed = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    answer = client.patch(
        f"{API}/experts/{world.expert.id}", json={"id_number": typed}, headers=world.headers("city_official")
    )
    assert answer.status_code == 200, answer.text
    assert stored(engine, Expert, world.expert.id)["id_number"] == number


def test_a_new_experts_yearly_visits_follow_the_programmes_setting(
    client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import config

    monkeypatch.setenv("ZHIQIAO_VISITS_PER_EXPERT_PER_YEAR", "3")
    config.get_settings.cache_clear()
    try:
        city = world.headers("city_official")
        body = {"name": "周新", "district": world.expert.district}
        default = client.post(f"{API}/experts", json=body, headers=city)
        given = client.post(f"{API}/experts", json={**body, "name": "吴新", "yearly_capacity": 6}, headers=city)
    finally:
        config.get_settings.cache_clear()
    assert (default.status_code, given.status_code) == (201, 201)
    assert stored(engine, Expert, default.json()["id"])["yearly_capacity"] == 3
    assert stored(engine, Expert, given.json()["id"])["yearly_capacity"] == 6
