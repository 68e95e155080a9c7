"""A unit's and an expert's pages as a village secretary or an agronomist meets them (a review of both journeys):
messages beside the field they are about, empty lists that say what to do, needs an expert is already on left
out of 为我推荐, the year's places said once, phones as people write them, the expert's 成果与经历 on the profile,
and signed-in pages that the back button asks for again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Expert, Need, Visit
from service.vocab import Role, VisitStatus
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as

YESTERDAY = clock.today() - timedelta(days=1)


def _post_need(client: TestClient, **fields: str) -> object:
    token = csrf_of(client.get("/unit/needs/new").text)
    data = {"csrf_token": token, "service_type": "技术服务", "experts_wanted": "1", "action": "submit"}
    return client.post("/unit/needs/new", data={**data, **fields})


def _set_visit(session: Session, world: World, status: str) -> None:
    session.expire_all()
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status = status
    session.add(visit)
    session.commit()


def test_an_end_date_already_past_is_explained_beside_the_field(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    answer = client.post(
        "/unit/needs/new",
        data={
            "csrf_token": csrf_of(client.get("/unit/needs/new").text),
            "title": "去年的需求",
            "service_type": "技术服务",
            "wanted_to": YESTERDAY.isoformat(),
            "action": "submit",
        },
    )
    assert answer.status_code == 422
    assert 'id="f-wanted_to-error">期望服务时间的结束日期不能早于今天' in answer.text
    assert '<a href="#f-wanted_to">期望服务时间的结束日期不能早于今天</a>' in answer.text
    assert 'value="去年的需求"' in answer.text
    session.expire_all()
    assert session.exec(select(Need).where(Need.title == "去年的需求")).first() is None

    # the same on the edit form of a draft
    url = f"/unit/needs/{world.draft_need.id}/edit"
    edited = client.post(
        url,
        data={
            "csrf_token": csrf_of(client.get(url).text),
            "title": "电商直播培训",
            "service_type": "人才培训",
            "wanted_to": YESTERDAY.isoformat(),
            "action": "draft",
        },
    )
    assert edited.status_code == 422
    assert 'id="f-wanted_to-error">期望服务时间的结束日期不能早于今天' in edited.text


def test_a_service_date_before_the_service_year_is_explained_beside_the_start_date(
    client: TestClient, world: World, session: Session
) -> None:
    _set_visit(session, world, VisitStatus.accepted)
    login_as(client, world, Role.expert)
    url = f"/expert/visits/{world.visit.id}"
    answer = client.post(
        f"{url}/schedule",
        data={"csrf_token": csrf_of(client.get(url).text), "scheduled_from": f"{clock.today().year - 1}-12-20"},
    )
    assert answer.status_code == 422
    assert 'id="f-scheduled_from-error">服务日期不能早于服务年度' in answer.text
    session.expire_all()
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    assert (visit.status, visit.scheduled_from) == (VisitStatus.accepted, None)


def test_a_withdrawn_need_does_not_say_that_experts_are_being_found(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    url = f"/unit/needs/{world.draft_need.id}"
    withdrawn = client.post(f"{url}/withdraw", data={"csrf_token": csrf_of(client.get(url).text)})
    assert withdrawn.status_code == 303
    page = client.get(url).text
    assert "已撤回" in page
    assert "正在为您匹配专家" not in page
    assert "需求已撤回，不再安排专家" in page
    assert 'href="/unit/needs/new"' in page


def test_a_filtered_list_that_comes_back_empty_says_so_and_leads_back(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    page = client.get("/unit/needs?status=done").text
    assert "没有“已完成”的需求" in page
    assert "还没有需求" not in page
    assert 'href="/unit/needs">查看全部需求' in page

    login_as(client, world, Role.expert)
    page = client.get("/expert/visits?status=done").text
    assert "没有“已服务”的服务" in page
    assert 'href="/expert/visits">查看全部服务' in page


def test_an_expert_without_visits_is_told_where_to_find_needs(
    client: TestClient, world: World, session: Session
) -> None:
    visit = session.get(Visit, world.visit.id)
    session.delete(visit)
    session.commit()
    login_as(client, world, Role.expert)
    page = client.get("/expert/visits").text
    empty = page[page.index('<div class="empty card">') :]
    assert "还没有服务" in empty
    assert '<a href="/expert">为我推荐</a>或<a href="/expert/needs">查找需求</a>中找到合适的需求并自荐' in empty


def test_recommendations_leave_out_a_need_the_expert_is_already_on(
    client: TestClient, world: World, session: Session
) -> None:
    """The world's expert is invited to the kiwi need (their 待我确认的服务邀请); 为我推荐 does not offer it again,
    nor once accepted or declined. Once an official cancels that visit, it is offered again."""
    login_as(client, world, Role.expert)
    need_link = f'href="/expert/needs/{world.need.id}"'
    for status in (VisitStatus.proposed, VisitStatus.accepted, VisitStatus.declined):
        _set_visit(session, world, status)
        page = client.get("/expert").text
        assert need_link not in page, status
    assert f'href="/expert/visits/{world.visit.id}"' not in page  # declined: no longer an invitation either
    _set_visit(session, world, VisitStatus.cancelled)
    assert need_link in client.get("/expert").text


def test_the_expert_home_says_the_years_places_once_not_on_every_need(
    client: TestClient, world: World, session: Session
) -> None:
    """本年度剩余名额 on a need's card reads as the need's own places; it is the expert's, said once above."""
    _set_visit(session, world, VisitStatus.cancelled)  # so that the kiwi need is recommended
    login_as(client, world, Role.expert)
    page = client.get("/expert").text
    assert f'href="/expert/needs/{world.need.id}"' in page
    assert "本年度剩余名额" not in page
    assert "本年度服务名额已用 0 / 10 次，还可接受 10 次" in page

    # the unit's and officials' candidate lists still name each expert's places
    login_as(client, world, Role.unit)
    assert "本年度剩余名额" in client.get(f"/unit/needs/{world.need.id}").text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("(028)87654321", "028-87654321"),
        ("（028）8765 4321", "028-87654321"),
        ("028-8765-4321", "028-87654321"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
    ],
)
def test_a_phone_written_as_people_write_it_is_accepted(
    client: TestClient, world: World, session: Session, typed: str, kept: str
) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="村卫生室设备培训", contact_name="刘医生", contact_phone=typed)
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    session.expire_all()
    need = session.exec(select(Need).where(Need.title == "村卫生室设备培训")).one()
    assert need.contact_phone == kept


def test_signed_in_pages_are_not_kept_in_the_browser_cache(client: TestClient, world: World) -> None:
    """The back button after a form asks the server again (the page as it is now, not a volunteer button already
    used), and no phone number stays in the cache after 退出."""
    login_as(client, world, Role.expert)
    for path in ("/expert", f"/expert/needs/{world.need.id}", f"/expert/visits/{world.visit.id}", "/expert/profile"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
    login_as(client, world, Role.unit)
    assert client.get(f"/unit/needs/{world.need.id}").headers.get("cache-control") == "no-store"


def _profile_form(page: str, **values: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf_of(page),
        "employer": "四川农业大学",
        "title": "教授",
        "phone": "13812345678",
        "specialties": "猕猴桃栽培与病虫害防治，溃疡病综合防控",
        "field_labels": "猕猴桃",
        "available": "1",
    }
    return {**data, **values}


def _documents(session: Session, world: World) -> list[dict[str, str]]:
    session.expire_all()
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    return list(expert.documents)


def test_an_expert_adds_and_removes_documents_on_the_profile(
    client: TestClient, world: World, session: Session
) -> None:
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.documents = [{"kind": "论文", "title": "猕猴桃溃疡病发生规律研究", "text": "发表于《植物保护》"}]
    session.add(expert)
    session.commit()
    login_as(client, world, Role.expert)
    page = client.get("/expert/profile").text
    assert 'value="猕猴桃溃疡病发生规律研究"' in page
    assert "新增一项" in page

    # a new one with only its kind typed: refused beside it, the typed rows kept, nothing stored (the phone neither)
    wrong = client.post(
        "/expert/profile",
        data=_profile_form(
            page,
            phone="13900009999",
            doc_kind=["论文", "获奖"],
            doc_title=["猕猴桃溃疡病发生规律研究", ""],
            doc_text=["发表于《植物保护》", ""],
        ),
    )
    assert wrong.status_code == 422
    assert 'id="f-doc-2-error">第 2 项成果的标题和内容不能都为空' in wrong.text
    assert '<a href="#f-doc-2">第 2 项成果的标题和内容不能都为空</a>' in wrong.text
    assert 'value="获奖"' in wrong.text
    assert 'value="13900009999"' in wrong.text
    assert _documents(session, world) == [
        {"kind": "论文", "title": "猕猴桃溃疡病发生规律研究", "text": "发表于《植物保护》"}
    ]
    session.expire_all()
    stored = session.get(Expert, world.expert.id)
    assert stored is not None
    assert stored.phone == "13812345678"

    # the first removed, a new one added, the blank row for another left blank
    saved = client.post(
        "/expert/profile",
        data=_profile_form(
            page,
            doc_kind=["论文", "获奖", ""],
            doc_title=["猕猴桃溃疡病发生规律研究", " 2025年四川省科技进步三等奖 ", ""],
            doc_text=["发表于《植物保护》", "猕猴桃绿色防控技术集成与推广", ""],
            doc_remove=["0"],
        ),
    )
    assert saved.status_code == 303
    assert _documents(session, world) == [
        {"kind": "获奖", "title": "2025年四川省科技进步三等奖", "text": "猕猴桃绿色防控技术集成与推广"}
    ]
    assert 'value="2025年四川省科技进步三等奖"' in client.get("/expert/profile").text

    # all removed: none left
    emptied = client.post(
        "/expert/profile",
        data=_profile_form(page, doc_kind=["获奖"], doc_title=["x"], doc_text=[""], doc_remove=["0"]),
    )
    assert emptied.status_code == 303
    assert _documents(session, world) == []


def test_saving_the_profile_without_touching_the_documents_keeps_them(
    client: TestClient, world: World, session: Session
) -> None:
    documents = [{"kind": "项目", "title": f"项目{i}", "text": ""} for i in range(3)]
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.documents = documents
    session.add(expert)
    session.commit()
    login_as(client, world, Role.expert)
    page = client.get("/expert/profile").text
    saved = client.post(
        "/expert/profile",
        data=_profile_form(
            page,
            doc_kind=["项目", "项目", "项目", ""],
            doc_title=["项目0", "项目1", "项目2", ""],
            doc_text=["", "", "", ""],
        ),
    )
    assert saved.status_code == 303
    assert _documents(session, world) == documents


def test_the_decline_form_is_there_without_javascript(client: TestClient, world: World) -> None:
    """婉拒… opens a <details> the browser draws itself; the form is never `hidden` for a script to reveal."""
    login_as(client, world, Role.expert)
    page = client.get(f"/expert/visits/{world.visit.id}").text
    assert '<details class="decline">' in page
    assert "<summary" in page
    form = page[page.index('id="decline-form"') :]
    assert "hidden" not in form[: form.index(">")]
