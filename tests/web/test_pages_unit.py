"""A unit's pages: posting a need with validation beside the fields, following it, confirming and rating."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Need, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as


def _post_need(client: TestClient, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/unit/needs/new").text)
    data = {"csrf_token": token, "service_type": "技术服务", "experts_wanted": "1", "action": "submit"}
    return client.post("/unit/needs/new", data={**data, **fields})


def _needs_titled(session: Session, title: str) -> list[Need]:
    session.expire_all()
    return list(session.exec(select(Need).where(Need.title == title)))


def test_a_unit_posts_a_need_for_review(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="茶园病虫害绿色防控", description="茶园 200 亩", field="210")
    assert answer.status_code == 303
    [need] = _needs_titled(session, "茶园病虫害绿色防控")
    assert need.status == NeedStatus.submitted
    assert need.unit_id == world.unit.id
    assert answer.headers["location"] == f"/unit/needs/{need.id}?msg=need_submitted"
    page = client.get(answer.headers["location"])
    assert "需求已提交，等待组织部门审核" in page.text
    assert "待审核" in page.text


def test_saving_a_draft_keeps_it_a_draft(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.unit)
    _post_need(client, title="草稿需求", action="draft")
    [need] = _needs_titled(session, "草稿需求")
    assert need.status == NeedStatus.draft


def test_empty_title_is_refused_beside_the_field_and_input_kept(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="   ", description="保留我写的描述")
    assert answer.status_code == 422
    assert '<a href="#f-title">需求标题为必填项</a>' in answer.text
    assert 'id="f-title-error">需求标题为必填项' in answer.text
    assert "保留我写的描述" in answer.text
    blank_type = _post_need(client, title="没有类型", service_type="")
    assert blank_type.status_code == 422
    assert "服务类型为必填项" in blank_type.text
    assert _needs_titled(session, "") == []


def test_overlong_description_is_refused_and_nothing_stored(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="超长描述", description="字" * 10_000)
    assert answer.status_code == 422
    assert "需求描述不能超过 5000 个字符" in answer.text
    assert _needs_titled(session, "超长描述") == []


def test_bad_choice_and_reversed_dates_are_explained(client: TestClient, world: World) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="日期颠倒", service_type="随便", wanted_from="2030-05-01", wanted_to="2030-04-01")
    assert answer.status_code == 422
    assert "服务类型“随便”无效" in answer.text
    # both at once, not the dates only after the choice is mended
    assert "期望服务时间的结束日期不能早于开始日期" in answer.text


def test_a_too_long_title_is_named_as_the_form_names_it(client: TestClient, world: World) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title="长" * 101)
    assert answer.status_code == 422
    assert "需求标题不能超过 100 个字符" in answer.text
    assert "标题/职称" not in answer.text


def test_a_script_in_a_title_is_stored_as_text_and_shown_escaped(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    title = "<script>alert(1)</script>灌溉"
    answer = _post_need(client, title=title)
    assert answer.status_code == 303
    [need] = _needs_titled(session, title)
    for url in (f"/unit/needs/{need.id}", "/unit/needs"):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;灌溉" in html


def test_a_duplicate_title_is_explained_beside_the_title(client: TestClient, world: World) -> None:
    login_as(client, world, Role.unit)
    answer = _post_need(client, title=world.need.title)
    assert answer.status_code == 409
    assert "本单位已有标题为" in answer.text


def test_another_units_need_is_not_shown(client: TestClient, world: World, session: Session) -> None:
    other = Need(
        unit_id=world.other_unit.id or 0,
        title="别家的需求",
        service_type="技术服务",
        district=world.other_unit.district,
        status=NeedStatus.open,
    )
    session.add(other)
    session.commit()
    login_as(client, world, Role.unit)
    answer = client.get(f"/unit/needs/{other.id}")
    assert answer.status_code == 403
    assert "只能处理本单位的需求" in answer.text


def _make_done(session: Session, world: World) -> Visit:
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status = VisitStatus.done
    visit.service_date = clock.today()
    visit.service_days = 1
    visit.content = "现场讲解溃疡病防控"
    session.add(visit)
    session.commit()
    return visit


def test_a_unit_confirms_and_rates_a_done_visit(client: TestClient, world: World, session: Session) -> None:
    visit = _make_done(session, world)
    login_as(client, world, Role.unit)
    page = client.get(f"/unit/needs/{world.need.id}")
    assert "确认服务并评分" in page.text
    answer = client.post(
        f"/unit/visits/{visit.id}/confirm",
        data={"csrf_token": csrf_of(page.text), "rating": "4", "comment": "讲得很实用"},
    )
    assert answer.status_code == 303
    session.expire_all()
    stored = session.get(Visit, visit.id)
    assert stored is not None
    assert (stored.status, stored.rating, stored.comment) == (VisitStatus.confirmed, 4, "讲得很实用")
    assert "4 星：讲得很实用" in client.get(answer.headers["location"]).text


@pytest.mark.parametrize(("days", "shown"), [(1.0, "1 天"), (1.5, "1.5 天")])
def test_service_days_are_shown_as_a_person_writes_them(
    client: TestClient, world: World, session: Session, days: float, shown: str
) -> None:
    visit = _make_done(session, world)
    visit.service_days = days
    session.add(visit)
    session.commit()
    login_as(client, world, Role.unit)
    page = client.get(f"/unit/needs/{world.need.id}").text
    assert f"· {shown}" in page
    assert "1.0 天" not in page
    login_as(client, world, Role.expert)
    record = client.get(f"/expert/visits/{visit.id}").text
    assert f"<dt>服务天数</dt><dd>{shown.split()[0]}</dd>" in record


def test_confirming_without_stars_asks_for_them(client: TestClient, world: World, session: Session) -> None:
    visit = _make_done(session, world)
    login_as(client, world, Role.unit)
    token = csrf_of(client.get(f"/unit/needs/{world.need.id}").text)
    answer = client.post(f"/unit/visits/{visit.id}/confirm", data={"csrf_token": token, "comment": "好"})
    assert answer.status_code == 422
    assert "请选择 1–5 星评分" in answer.text
    session.expire_all()
    assert session.get(Visit, visit.id).status == VisitStatus.done  # type: ignore[union-attr]


def _return_need(session: Session, world: World, note: str) -> Need:
    """The world's draft need, as the district official sends it back: a draft with their note."""
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.review_note = note
    session.add(need)
    session.commit()
    return need


def test_a_returned_need_is_recognisable_in_the_list_and_links_to_its_edit_page(
    client: TestClient, world: World, session: Session
) -> None:
    need = _return_need(session, world, "请补充培训人数和时间")
    login_as(client, world, Role.unit)
    listing = client.get("/unit/needs").text
    card = listing.split(f'href="/unit/needs/{need.id}"')[1].split("</li>")[0]
    assert "已退回修改" in card
    assert "退回意见：请补充培训人数和时间" in card
    assert f'href="/unit/needs/{need.id}/edit"' in card
    detail = client.get(f"/unit/needs/{need.id}").text
    assert "已退回修改" in detail
    assert f'href="/unit/needs/{need.id}/edit"' in detail


def test_a_unit_edits_a_returned_need_and_submits_it_again(client: TestClient, world: World, session: Session) -> None:
    need = _return_need(session, world, "请补充培训人数")
    login_as(client, world, Role.unit)
    page = client.get(f"/unit/needs/{need.id}/edit")
    assert page.status_code == 200
    assert "修改需求" in page.text
    assert f'value="{need.title}"' in page.text  # prefilled
    assert '<option value="人才培训" selected>' in page.text
    assert "退回意见：请补充培训人数" in page.text
    answer = client.post(
        f"/unit/needs/{need.id}/edit",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "电商直播带货培训",
            "description": "培训 40 名村民直播带货",
            "service_type": "人才培训",
            "experts_wanted": "2",
            "action": "submit",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/unit/needs/{need.id}?msg=need_submitted"
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert (stored.title, stored.description, stored.experts_wanted, stored.status) == (
        "电商直播带货培训",
        "培训 40 名村民直播带货",
        2,
        NeedStatus.submitted,
    )


def test_saving_an_edited_draft_keeps_it_a_draft_and_clears_emptied_fields(
    client: TestClient, world: World, session: Session
) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.description, need.field = "旧描述", "210"
    session.add(need)
    session.commit()
    login_as(client, world, Role.unit)
    token = csrf_of(client.get(f"/unit/needs/{need.id}/edit").text)
    answer = client.post(
        f"/unit/needs/{need.id}/edit",
        data={"csrf_token": token, "title": need.title, "service_type": "人才培训", "description": "", "field": ""},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?msg=need_updated")
    assert "需求已修改" in client.get(answer.headers["location"]).text
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert (stored.status, stored.description, stored.field) == (NeedStatus.draft, "", None)


def test_a_bad_edit_keeps_the_input_and_explains_beside_the_fields(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    url = f"/unit/needs/{world.draft_need.id}/edit"
    token = csrf_of(client.get(url).text)
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "title": " ",
            "description": "我新写的描述",
            "service_type": "人才培训",
            "wanted_from": "2030-05-01",
            "wanted_to": "2030-04-01",
            "action": "submit",
        },
    )
    assert answer.status_code == 422
    assert 'id="f-title-error">需求标题为必填项' in answer.text
    assert "我新写的描述" in answer.text
    assert 'value="2030-05-01"' in answer.text
    duplicate = client.post(
        url, data={"csrf_token": token, "title": world.need.title, "service_type": "人才培训", "action": "draft"}
    )
    assert duplicate.status_code == 409
    assert 'id="f-title-error">本单位已有标题为' in duplicate.text
    session.expire_all()
    stored = session.get(Need, world.draft_need.id)
    assert stored is not None
    assert (stored.title, stored.status) == ("电商直播培训", NeedStatus.draft)


def test_a_need_names_its_own_contact_and_a_wrong_phone_is_explained_beside_it(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    wrong = _post_need(client, title="村办厂污水处理", contact_name="王会计", contact_phone="13900")
    assert wrong.status_code == 422
    assert 'id="f-contact_phone-error">联系电话“13900”格式不正确' in wrong.text
    assert 'value="王会计"' in wrong.text
    assert _needs_titled(session, "村办厂污水处理") == []

    answer = _post_need(client, title="村办厂污水处理", contact_name=" 王会计 ", contact_phone="139 0000 3333")
    assert answer.status_code == 303
    [need] = _needs_titled(session, "村办厂污水处理")
    assert (need.contact_name, need.contact_phone) == ("王会计", "13900003333")
    page = client.get(f"/unit/needs/{need.id}").text
    assert 'data-need-contact>王会计 <a href="tel:13900003333"' in page

    # emptied on the edit form: the need falls back to the unit's contact
    url = f"/unit/needs/{need.id}/edit"
    form = client.get(url).text
    assert 'value="13900003333"' in form
    token = csrf_of(form)
    saved = client.post(url, data={"csrf_token": token, "title": need.title, "service_type": "技术服务"})
    assert saved.status_code == 303
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert (stored.contact_name, stored.contact_phone) == ("", None)
    assert "data-need-contact>单位联系人" in client.get(f"/unit/needs/{need.id}").text


def test_a_need_waiting_for_review_can_be_edited_but_an_open_one_cannot(
    client: TestClient, world: World, session: Session
) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    login_as(client, world, Role.unit)
    page = client.get(f"/unit/needs/{need.id}/edit")
    assert "保存修改" in page.text
    assert "保存并提交审核" not in page.text
    saved = client.post(
        f"/unit/needs/{need.id}/edit",
        data={"csrf_token": csrf_of(page.text), "title": "电商直播培训（第二期）", "service_type": "人才培训"},
    )
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(Need, need.id).status == NeedStatus.submitted  # type: ignore[union-attr]
    refused = client.get(f"/unit/needs/{world.need.id}/edit")
    assert refused.status_code == 409
    assert "不能修改" in refused.text
    assert f'href="/unit/needs/{world.need.id}/edit"' not in client.get(f"/unit/needs/{world.need.id}").text
    other = client.post(
        f"/unit/needs/{world.need.id}/edit",
        data={"csrf_token": csrf_of(page.text), "title": "改掉", "service_type": "技术服务"},
    )
    assert other.status_code == 409


def _set_visit_status(session: Session, world: World, status: VisitStatus) -> None:
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status = status
    session.add(visit)
    session.commit()


def test_the_unit_sees_the_experts_phone_only_once_the_visit_is_accepted(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.unit)
    proposed = client.get(f"/unit/needs/{world.need.id}").text
    assert "13812345678" not in proposed
    assert "联系电话" not in proposed
    _set_visit_status(session, world, VisitStatus.accepted)
    accepted = client.get(f"/unit/needs/{world.need.id}").text
    card = accepted.split(f'id="visit-{world.visit.id}"')[1].split("</li>")[0]
    assert '联系电话：<a href="tel:13812345678" data-phone>13812345678</a>' in card
    _set_visit_status(session, world, VisitStatus.declined)
    assert "13812345678" not in client.get(f"/unit/needs/{world.need.id}").text


def test_the_expert_sees_the_units_contact_once_they_accepted(
    client: TestClient, world: World, session: Session
) -> None:
    unit = session.get(type(world.unit), world.unit.id)
    assert unit is not None
    unit.contact_name = "张支书"
    session.add(unit)
    session.commit()
    login_as(client, world, Role.expert)
    url = f"/expert/visits/{world.visit.id}"
    invitation = client.get(url).text
    assert "张支书" not in invitation
    assert "13900001111" not in invitation
    _set_visit_status(session, world, VisitStatus.accepted)
    accepted = client.get(url).text
    assert "<dt>单位联系人</dt><dd data-contact-person>张支书</dd>" in accepted
    assert 'href="tel:13900001111"' in accepted
    _set_visit_status(session, world, VisitStatus.confirmed)
    assert 'href="tel:13900001111"' in client.get(url).text
    _set_visit_status(session, world, VisitStatus.cancelled)
    assert "13900001111" not in client.get(url).text


def test_save_and_submit_refused_half_way_keeps_the_need_as_it_was(
    client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """保存并提交审核 is one step: when the submission is refused after the edit was written (the need changed
    state meanwhile), the edit is not kept alone behind an error page."""
    from service.domain import needs

    def refused(**_: object) -> None:
        raise needs.Conflict("需求当前为“待审核”，不能提交（仅限：草稿）")

    login_as(client, world, Role.unit)
    url = f"/unit/needs/{world.draft_need.id}/edit"
    page = client.get(url).text
    form = {"csrf_token": csrf_of(page), "title": "电商直播带货培训", "service_type": "人才培训", "action": "submit"}
    with monkeypatch.context() as patched:
        patched.setattr(needs, "change_need_state", refused)
        answer = client.post(url, data=form)
    assert answer.status_code == 409
    assert "不能提交" in answer.text
    session.expire_all()
    stored = session.get(Need, world.draft_need.id)
    assert stored is not None
    assert (stored.title, stored.status) == ("电商直播培训", NeedStatus.draft)
