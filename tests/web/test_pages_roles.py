"""Expert, official and leader pages: each opens for its role and its forms call the service functions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Concern, Contact, Expert, Liaison, Need, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.concerns import raised_concern
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as

PAGES = {
    Role.expert: [
        "/expert",
        "/expert/needs",
        "/expert/needs?q=猕猴桃",
        "/expert/visits",
        "/expert/liaison",
        "/expert/profile",
    ],
    Role.district_official: [
        "/official",
        "/official/needs",
        "/official/needs?status=",
        "/official/import",
        "/official/reports",
    ],
    Role.city_official: [
        "/official",
        "/official/liaisons",
        "/official/liaisons/plan",
        "/official/concerns",
        "/official/concerns?overdue=1",
        "/official/reports?district=510131",
        "/official/audit",
    ],
    Role.leader: ["/leader", "/leader/concerns"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_of_a_role_opens(client: TestClient, world: World, role: Role) -> None:
    login_as(client, world, role)
    for url in PAGES[role]:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:500])
        assert "智桥 · 专家人才服务平台" in answer.text


def test_district_official_cannot_open_city_pages(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    assert client.get("/official/liaisons").status_code == 403
    assert client.get("/official/concerns").status_code == 403


def test_expert_accepts_an_invitation_and_records_the_service(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.expert)
    home = client.get("/expert").text
    assert "待我确认的服务邀请" in home
    url = f"/expert/visits/{world.visit.id}"
    token = csrf_of(client.get(url).text)
    assert client.post(f"{url}/accept", data={"csrf_token": token}).status_code == 303
    future = (clock.today() + timedelta(days=3)).isoformat()
    refused = client.post(
        f"{url}/record",
        data={"csrf_token": token, "service_date": future, "service_days": "1", "content": "现场指导"},
    )
    assert refused.status_code == 422
    assert "服务日期不能晚于今天" in refused.text
    missing = client.post(f"{url}/record", data={"csrf_token": token, "service_date": clock.today().isoformat()})
    assert missing.status_code == 422
    assert "服务天数为必填项" in missing.text
    done = client.post(
        f"{url}/record",
        data={
            "csrf_token": token,
            "service_date": clock.today().isoformat(),
            "service_days": "1.5",
            "content": "现场指导溃疡病防控",
            "people_trained": "30",
        },
    )
    assert done.status_code == 303
    session.expire_all()
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    assert (visit.status, visit.people_trained) == (VisitStatus.done, 30)


def test_declining_needs_a_reason(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.expert)
    url = f"/expert/visits/{world.visit.id}"
    token = csrf_of(client.get(url).text)
    answer = client.post(f"{url}/decline", data={"csrf_token": token, "reason": "  "})
    assert answer.status_code == 422
    assert "婉拒时请填写原因" in answer.text
    assert client.post(f"{url}/decline", data={"csrf_token": token, "reason": "时间冲突"}).status_code == 303
    session.expire_all()
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    assert (visit.status, visit.decline_reason) == (VisitStatus.declined, "时间冲突")


def test_expert_edits_own_profile(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.expert)
    token = csrf_of(client.get("/expert/profile").text)
    bad = client.post("/expert/profile", data={"csrf_token": token, "phone": "12345", "specialties": "新特长"})
    assert bad.status_code == 422
    assert "联系电话“12345”格式不正确" in bad.text  # too short to be anyone's number: quoted as typed
    assert "新特长" in bad.text
    good = client.post(
        "/expert/profile",
        data={
            "csrf_token": token,
            "phone": "13900009999",
            "specialties": "猕猴桃品种改良",
            "field_labels": "猕猴桃、育种",
        },
    )
    assert good.status_code == 303
    session.expire_all()
    expert = session.get(type(world.expert), world.expert.id)
    assert expert is not None
    assert (expert.specialties, expert.field_labels, expert.available) == ("猕猴桃品种改良", ["猕猴桃", "育种"], False)


def test_official_rejects_with_a_reason_then_approves(client: TestClient, world: World, session: Session) -> None:
    need = session.get(Need, world.draft_need.id)
    assert need is not None
    need.status = NeedStatus.submitted
    session.add(need)
    session.commit()
    login_as(client, world, Role.district_official)
    board = client.get("/official/needs").text
    assert need.title in board
    url = f"/official/needs/{need.id}"
    token = csrf_of(client.get(url).text)
    no_reason = client.post(f"{url}/review", data={"csrf_token": token, "decision": "reject", "note": ""})
    assert no_reason.status_code == 422
    assert "退回需求时请填写退回原因" in no_reason.text
    approved = client.post(f"{url}/review", data={"csrf_token": token, "decision": "approve", "note": ""})
    assert approved.status_code == 303
    session.expire_all()
    assert session.get(Need, need.id).status == NeedStatus.open  # type: ignore[union-attr]


def test_official_proposes_a_ranked_expert(client: TestClient, world: World, session: Session) -> None:
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    session.delete(visit)
    session.commit()
    login_as(client, world, Role.district_official)
    page = client.get(f"/official/needs/{world.need.id}")
    assert "匹配专家" in page.text
    assert world.expert.name in page.text
    answer = client.post(
        f"/official/needs/{world.need.id}/propose",
        data={"csrf_token": csrf_of(page.text), "expert_id": str(world.expert.id)},
    )
    assert answer.status_code == 303
    session.expire_all()
    stored = session.exec(select(Visit).where(Visit.need_id == world.need.id)).one()
    assert (stored.expert_id, stored.status) == (world.expert.id, VisitStatus.proposed)


def test_the_officials_need_page_shows_whom_to_call(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.district_official)
    assert "data-need-contact>单位联系人</dd>" in client.get(f"/official/needs/{world.need.id}").text
    need = session.get(Need, world.need.id)
    assert need is not None
    need.contact_name, need.contact_phone = "王会计", "13900003333"
    session.add(need)
    session.commit()
    page = client.get(f"/official/needs/{world.need.id}").text
    assert 'data-need-contact>王会计 <a href="tel:13900003333" data-phone>13900003333</a>' in page


def test_the_need_page_names_the_candidates_best_matching_document(
    client: TestClient, world: World, session: Session
) -> None:
    expert = session.get(Expert, world.other_expert.id)  # a bridge engineer, whose profile says nothing of kiwis
    assert expert is not None
    expert.documents = [{"title": "桥梁加固", "text": ""}, {"title": "猕猴桃溃疡病田间防治试验", "text": ""}]
    session.add(expert)
    session.commit()
    login_as(client, world, Role.district_official)
    page = client.get(f"/official/needs/{world.need.id}")
    assert "最相关成果：猕猴桃溃疡病田间防治试验" in page.text


def test_a_candidate_without_an_employer_is_described_without_empty_parts(
    client: TestClient, world: World, session: Session
) -> None:
    expert = session.get(Expert, world.other_expert.id)
    assert expert is not None
    expert.employer = ""  # 王建, 高级工程师
    session.add(expert)
    session.commit()
    login_as(client, world, Role.city_official)
    page = client.get(f"/official/needs/{world.need.id}").text
    lines = re.findall(r'<p class="meta">([^<]*)</p>', page)
    assert "高级工程师 · 锦江区 · 本年已服务 0/10" in lines
    assert not [line for line in lines if line.strip().startswith("·") or " ·  · " in line]
    login_as(client, world, Role.unit)
    page = client.get(f"/unit/needs/{world.need.id}").text
    assert world.other_expert.name in page
    lines = re.findall(r'<p class="meta">([^<]*)</p>', page)
    assert "高级工程师" in lines
    assert not [line for line in lines if line.strip().startswith("·") or line.strip().endswith("·")]


def test_dashboard_counts_follow_the_data(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.city_official)
    before = client.get("/official").text
    assert 'data-kpi="visits_done">0<' in before
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status, visit.rating, visit.service_date = VisitStatus.confirmed, 5, clock.today()
    visit.service_days, visit.content = 1, "现场指导"
    session.add(visit)
    session.commit()
    after = client.get("/official").text
    assert 'data-kpi="visits_done">1<' in after
    assert 'data-kpi="mean_rating">5.00<' in after
    assert "/static/vendor/plotly.min.js" in after


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    answer = client.get("/static/vendor/plotly.min.js")
    assert answer.status_code == 200
    assert "plotly" in answer.text[:2000].lower()
    assert client.get("/static/app/site.css").status_code == 200


def test_leader_logs_a_contact_with_a_concern(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.leader)
    url = f"/leader/liaisons/{world.liaison.id}/contact"
    token = csrf_of(client.get(url).text)
    half = client.post(
        url, data={"csrf_token": token, "date": clock.today().isoformat(), "mode": "电话", "content": "孩子入学"}
    )
    assert half.status_code == 422
    assert "诉求类别为必填项" in half.text
    session.expire_all()
    assert len(session.exec(select(Contact)).all()) == 1  # nothing stored half-written
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "date": clock.today().isoformat(),
            "mode": "电话",
            "summary": "电话问候",
            "category": "子女入学",
            "content": "孩子明年入学",
        },
    )
    assert answer.status_code == 303
    session.expire_all()
    assert session.exec(select(Concern).where(Concern.content == "孩子明年入学")).one().category == "子女入学"


def test_city_assigns_and_answers_a_concern(client: TestClient, world: World, session: Session) -> None:
    concern = raised_concern(
        world,
        content="人才公寓申请",
        raised_on=clock.today() - timedelta(days=40),
        due_date=clock.today() - timedelta(days=10),
    )
    session.add(concern)
    session.commit()
    login_as(client, world, Role.city_official)
    page = client.get("/official/concerns?overdue=1").text
    assert "人才公寓申请" in page
    assert "超期" in page
    token = csrf_of(page)
    empty = client.post(f"/official/concerns/{concern.id}/assign", data={"csrf_token": token, "department": ""})
    assert empty.status_code == 422
    assert "承办部门" in empty.text
    base = f"/official/concerns/{concern.id}"
    assert client.post(f"{base}/assign", data={"csrf_token": token, "department": "市住建局"}).status_code == 303
    assert client.post(f"{base}/reply", data={"csrf_token": token, "reply": "已纳入人才公寓"}).status_code == 303
    session.expire_all()
    stored = session.get(Concern, concern.id)
    assert stored is not None
    assert (stored.department, stored.status) == ("市住建局", "answered")


def test_import_reports_a_bad_file(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/import").text)
    answer = client.post(
        "/official/import",
        data={"csrf_token": token, "kind": "experts"},
        files={"file": ("roster.xlsx", b"not an excel file", "application/octet-stream")},
    )
    assert answer.status_code >= 400
    assert "无法导入" in answer.text


def test_a_district_officials_import_page_says_the_id_column_was_not_read(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/import").text)
    roster = "姓名,工作单位,所在区县,身份证号码\n张三,,蒲江县,510131198001011234\n".encode()
    answer = client.post(
        "/official/import",
        data={"csrf_token": token, "kind": "experts", "dry_run": "1"},
        files={"file": ("roster.csv", roster, "text/csv")},
    )
    assert answer.status_code == 200, answer.text
    assert "data-import-note" in answer.text
    assert "未导入的列：身份证号码" in answer.text


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.expert, "/expert/needs/99999999999"),
        (Role.expert, "/expert/visits/99999999999"),
        (Role.unit, "/unit/needs/99999999999"),
        (Role.district_official, "/official/needs/99999999999"),
        (Role.city_official, "/official/campaigns/99999999999"),
    ],
)
def test_an_id_beyond_the_database_range_is_refused_not_a_server_error(
    client: TestClient, world: World, role: Role, path: str
) -> None:
    login_as(client, world, role)
    answer = client.get(path)
    assert answer.status_code == 404
    assert "页面不存在" in answer.text


def _cards(page: str, card: str) -> dict[str, str]:
    """Each card of a ranked list, keyed by the title in its first <strong> or link."""
    out = {}
    for chunk in page.split(card)[1:]:
        chunk = chunk.split("</li>")[0]
        title = re.search(r"<(?:strong|a class=\"card-title\"[^>]*)>(?:\d+\. )?([^<]+)<", chunk)
        assert title is not None
        out[title.group(1)] = chunk
    return out


def test_a_candidate_that_shares_no_key_term_says_so(client: TestClient, world: World) -> None:
    login_as(client, world, Role.city_official)
    cards = _cards(client.get(f"/official/needs/{world.need.id}").text, '<li class="card candidate">')
    assert "共同关键词" in cards[world.expert.name]
    assert "无共同关键词" not in cards[world.expert.name]
    assert "与需求内容无共同关键词" in cards[world.other_expert.name]  # a bridge engineer for a kiwi orchard
    login_as(client, world, Role.unit)
    cards = _cards(client.get(f"/unit/needs/{world.need.id}").text, '<li class="card')
    assert "与需求内容无共同关键词" in cards[world.other_expert.name]


def test_an_expert_is_told_when_a_recommended_need_shares_no_key_term(
    client: TestClient, world: World, session: Session
) -> None:
    need = session.get(Need, world.draft_need.id)  # 电商直播培训, in the kiwi expert's own district
    assert need is not None
    need.status = NeedStatus.open
    world.visit.status = VisitStatus.cancelled  # the kiwi need is recommended, not only an invitation
    session.add_all([need, world.visit])
    session.commit()
    login_as(client, world, Role.expert)
    cards = _cards(client.get("/expert").text, '<li class="card">')
    assert "与您的专长无共同关键词" in cards["电商直播培训"]
    assert "无共同关键词" not in cards[world.need.title]


def test_a_refused_reply_keeps_the_text_and_the_filter_and_shows_the_error_on_the_card(
    client: TestClient, world: World, session: Session
) -> None:
    concern = raised_concern(world, content="实验室用房紧张", department="市科技局")
    session.add(concern)
    session.commit()
    login_as(client, world, Role.city_official)
    page = client.get("/official/concerns?status=open").text
    assert "/static/app/forms.js" in page
    assert f'action="/official/concerns/{concern.id}/reply?status=open"' in page
    too_long = "已协调" * 700  # 2100 characters
    answer = client.post(
        f"/official/concerns/{concern.id}/reply?status=open",
        data={"csrf_token": csrf_of(page), "reply": too_long},
    )
    assert answer.status_code == 422
    card = answer.text.split(f'id="concern-{concern.id}"')[1].split("</article>")[0]
    assert 'id="error-summary"' in card
    assert "答复不能超过 2000 个字符" in card
    assert f">{too_long}</textarea>" in card
    assert f'action="/official/concerns/{concern.id}/reply?status=open"' in card
    assert '<a class="button small primary" href="/official/concerns?status=open">办理中</a>' in answer.text
    assert "/static/app/forms.js" in answer.text
    done = client.post(
        f"/official/concerns/{concern.id}/reply?status=open",
        data={"csrf_token": csrf_of(page), "reply": "已协调过渡用房"},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/official/concerns?status=open&msg=concern_replied#concern-{concern.id}"


def test_the_need_review_page_loads_the_form_helpers(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    assert "/static/app/forms.js" in client.get(f"/official/needs/{world.need.id}").text


def test_the_liaison_figure_links_to_the_liaison_list_only_for_those_who_may_open_it(
    client: TestClient, world: World
) -> None:
    login_as(client, world, Role.district_official)
    district = client.get("/official").text
    assert 'data-kpi="not_contacted">0 / 1<' in district
    assert 'href="/official/liaisons' not in district
    login_as(client, world, Role.city_official)
    city = client.get("/official").text
    assert '<a href="/official/liaisons?overdue=1">0</a> / 1' in city
    assert client.get("/official/liaisons?overdue=1").status_code == 200


def test_the_leader_home_lists_this_years_pairs_and_labels_next_years_apart(
    client: TestClient, world: World, session: Session
) -> None:
    year = clock.today().year
    session.add_all(
        [
            Liaison(leader_id=world.leader.id or 0, expert_id=world.expert.id or 0, year=year - 1, confirmed=True),
            Liaison(leader_id=world.leader.id or 0, expert_id=world.expert.id or 0, year=year + 1, confirmed=True),
            Liaison(leader_id=world.leader.id or 0, expert_id=world.other_expert.id or 0, year=year + 1),
        ]
    )
    session.commit()
    login_as(client, world, Role.leader)
    page = client.get("/leader").text
    assert page.count("记录联系 / 登记诉求") == 1
    assert f'href="/leader/liaisons/{world.liaison.id}/contact"' in page
    assert f"{year - 1} 年度" not in page
    upcoming = page.split('<section class="next-year">')[1].split("</section>")[0]
    assert f"{year + 1} 年度（已确认，{year + 1} 年起联系）" in upcoming
    assert world.expert.name in upcoming
    assert world.other_expert.name not in page  # next year's pair not yet confirmed
    assert "/contact" not in upcoming
    assert "走访了解科研条件" in page  # the contacts already logged stay listed


def test_expert_needs_page_names_the_words_a_pasted_sentence_left_out(
    client: TestClient, world: World, session: Session
) -> None:
    from service.search_sync import reindex

    reindex(session, client.app.state.search)  # type: ignore[attr-defined]
    login_as(client, world, Role.expert)
    page = client.get("/expert/needs", params={"q": "我们村的猕猴桃得了溃疡病，想请专家来看看"})
    assert page.status_code == 200
    assert "共找到 1 条需求（没有同时包含全部搜索词的需求，已忽略：" in page.text
    assert "猕猴桃溃疡病综合防治技术指导" in page.text.replace("<mark>", "").replace("</mark>", "")


def test_a_concern_refused_after_its_contact_leaves_neither_stored(
    client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contact and its concern are one transaction: when the concern fails once the contact is written (a
    refusal, a value the database rejects), the contact is not kept alone, and posting the form again works."""
    from service.domain import liaisons

    def refused(**_: object) -> None:
        raise liaisons.Conflict("该联系关系已停用，不能再登记诉求")

    login_as(client, world, Role.leader)
    url = f"/leader/liaisons/{world.liaison.id}/contact"
    token = csrf_of(client.get(url).text)
    form = {
        "csrf_token": token,
        "date": clock.today().isoformat(),
        "mode": "电话",
        "summary": "电话了解科研条件",
        "category": "科研条件",
        "content": "实验室仪器共享",
    }
    with monkeypatch.context() as patched:
        patched.setattr(liaisons, "raise_concern", refused)
        failed = client.post(url, data=form)
    assert failed.status_code == 409
    assert "不能再登记诉求" in failed.text
    session.expire_all()
    assert session.exec(select(Contact).where(Contact.summary == "电话了解科研条件")).all() == []
    assert client.post(url, data=form).status_code == 303
    session.expire_all()
    assert session.exec(select(Concern).where(Concern.content == "实验室仪器共享")).one().category == "科研条件"


def test_the_dashboards_liaison_and_concern_figures_agree_with_the_lists_they_open(
    client: TestClient, world: World, session: Session
) -> None:
    today = clock.today()
    year = today.year
    # a pair made today and not contacted yet (neither on time nor late) beside the world's pair contacted today
    session.add(
        Liaison(leader_id=world.leader.id or 0, expert_id=world.other_expert.id or 0, year=year, confirmed=True)
    )
    # a concern raised last year and still open past its due date: the 超期 list shows it, so must the figure
    session.add(
        raised_concern(
            world,
            content="去年提出的诉求",
            raised_on=today.replace(year=year - 1, month=11, day=1),
            due_date=today.replace(year=year - 1, month=12, day=1),
        )
    )
    session.commit()
    login_as(client, world, Role.city_official)
    page = client.get("/official").text
    assert '<a href="/official/liaisons?overdue=1">0</a> / 2' in page
    table = page.split('id="liaison-table"')[1].split("</table>")[0]
    cells = re.findall(r'<td>([^<]+)</td><td class="num">(\d+)</td>', table)
    assert cells == [("按期联系", "1"), ("尚未联系（未超期）", "1"), ("超期未联系", "0"), ("合计", "2")]
    assert '<a href="/official/concerns?overdue=1">1</a>' in page
    assert "共 1 件" in client.get("/official/concerns?overdue=1").text
    login_as(client, world, Role.district_official)
    district = client.get("/official").text
    assert "/official/concerns" not in district


def test_a_refused_proposal_is_shown_on_the_needs_page(client: TestClient, world: World, session: Session) -> None:
    # 安排此专家 tapped in a second tab after the first already proposed the expert: the official stays on the
    # need's page (its visits and ranked experts as they now are) with the reason, not on a bare error page
    login_as(client, world, Role.district_official)
    page = client.get(f"/official/needs/{world.need.id}").text
    answer = client.post(
        f"/official/needs/{world.need.id}/propose",
        data={"csrf_token": csrf_of(page), "expert_id": str(world.expert.id)},
    )
    assert answer.status_code == 409
    assert "未能安排该专家" in answer.text
    assert f"专家{world.expert.name}已安排在该需求中" in answer.text
    assert "已安排的专家" in answer.text
    assert len(session.exec(select(Visit).where(Visit.need_id == world.need.id)).all()) == 1


def test_an_import_without_a_type_or_a_file_says_so_beside_that_field(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/import").text)
    roster = "姓名,工作单位,所在区县\n张三,,蒲江县\n".encode()
    no_kind = client.post(
        "/official/import",
        data={"csrf_token": token, "kind": "", "dry_run": "1"},
        files={"file": ("roster.csv", roster, "text/csv")},
    )
    assert no_kind.status_code == 422
    assert '<p class="field-error" id="f-kind-error">请选择导入的名单类型</p>' in no_kind.text
    assert 'name="dry_run" value="1" checked' in no_kind.text  # what was ticked is kept
    no_file = client.post(
        "/official/import",
        data={"csrf_token": token, "kind": "experts"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_file.status_code == 422
    assert '<p class="field-error" id="f-file-error">请选择要上传的 Excel 文件</p>' in no_file.text
    assert '<option value="experts" selected>' in no_file.text
    assert 'name="dry_run" value="1" checked' not in no_file.text
    checked = client.post(
        "/official/import",
        data={"csrf_token": token, "kind": "experts", "dry_run": "1"},
        files={"file": ("roster.csv", roster, "text/csv")},
    )
    assert "仅检查，未写入" in checked.text
    assert 'name="dry_run" value="1" checked' in checked.text


def test_empty_lists_say_what_to_do_next(client: TestClient, world: World, session: Session) -> None:
    year = clock.today().year
    login_as(client, world, Role.city_official)
    next_year = client.get(f"/official/liaisons?year={year + 1}").text
    assert f'<a href="/official/liaisons/plan?year={year + 1}">生成 {year + 1} 年度联系方案</a>' in next_year
    assert f"{year} 年度没有超期未联系的联系关系" in client.get("/official/liaisons?overdue=1").text
    assert "创建后运行匹配即可生成派遣方案" in client.get("/official/campaigns").text
    assert "没有待审核的需求。基层单位提交的需求会出现在这里" in client.get("/official/needs").text
    searched = client.get("/official/needs?status=open&q=不存在的词").text
    assert "没有标题或描述含“不存在的词”的征集中需求" in searched
    login_as(client, world, Role.leader)
    assert "点“记录联系 / 登记诉求”，与联系记录一并登记" in client.get("/leader/concerns").text
