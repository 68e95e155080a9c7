"""The campaign planner page: create with validation, run, lock and remove pairs, publish."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.models import Campaign, CampaignPair, Expert, Need, Visit
from service.vocab import Role, VisitOrigin, VisitStatus
from service.web.pages.campaigns import PAIRS_PER_PAGE
from tests.service.world import DISTRICT, World
from tests.web.conftest import csrf_of, login_as

YEAR = clock.today().year


def test_a_campaign_without_a_name_is_refused(client: TestClient, world: World, session: Session) -> None:
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/campaigns").text)
    answer = client.post("/official/campaigns", data={"csrf_token": token, "name": " ", "year": str(YEAR)})
    assert answer.status_code == 422
    assert "活动名称为必填项" in answer.text
    assert session.exec(select(Campaign)).first() is None


def _run_campaign(
    client: TestClient, world: World, session: Session, need_field: str, expert_field: str
) -> tuple[str, str]:
    """A district official creates and runs a campaign of the world's need (its proposed visit removed first):
    (the campaign page's path, the form token)."""
    session.delete(session.get(Visit, world.visit.id))
    session.commit()
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/campaigns").text)
    created = client.post(
        "/official/campaigns",
        data={
            "csrf_token": token,
            "name": "春季下基层",
            "year": str(YEAR),
            "need_field": need_field,
            "expert_field": expert_field,
        },
    )
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    assert client.post(f"{url}/run", data={"csrf_token": token}).status_code == 303
    return url, token


def test_create_run_adjust_and_publish(client: TestClient, world: World, session: Session) -> None:
    url, token = _run_campaign(client, world, session, "210", "210")
    page = client.get(url).text
    assert "李果" in page
    assert world.need.title in page
    assert "无共同关键词" not in page  # 猕猴桃, 溃疡病 ...
    pair = session.exec(select(CampaignPair)).one()
    assert client.post(f"{url}/pairs/{pair.id}/lock", data={"csrf_token": token}).status_code == 303
    session.expire_all()
    assert session.get(CampaignPair, pair.id).locked  # type: ignore[union-attr]
    assert client.post(f"{url}/publish", data={"csrf_token": token}).status_code == 303
    session.expire_all()
    visit = session.exec(select(Visit).where(Visit.need_id == world.need.id)).one()
    assert (visit.expert_id, visit.origin) == (world.expert.id, VisitOrigin.campaign)
    assert "方案已发布" in client.get(f"{url}?msg=campaign_published").text


def test_a_pair_that_shares_no_key_term_says_so(client: TestClient, world: World, session: Session) -> None:
    # the kiwi orchard's need, and only the bridge engineer's field among the experts
    url, _ = _run_campaign(client, world, session, "210", "560")
    rows = [row for row in client.get(url).text.split("<tr") if world.need.title in row]
    assert rows
    assert world.other_expert.name in rows[0]
    assert "无共同关键词" in rows[0]


def _need_district_options(page: str) -> list[str]:
    select = page.split('id="f-need_district"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_a_district_official_is_offered_only_their_own_district_for_needs(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    page = client.get("/official/campaigns").text
    assert _need_district_options(page) == [DISTRICT]
    assert f'<option value="{DISTRICT}" selected>蒲江县</option>' in page
    login_as(client, world, Role.city_official)
    city = _need_district_options(client.get("/official/campaigns").text)
    assert city[0] == ""  # 全部区县
    assert len(city) > 20


def test_the_run_summary_counts_places_already_taken_apart(client: TestClient, world: World, session: Session) -> None:
    """The need asks for two experts and one has accepted already: one place is left, and the run fills it."""
    need = session.get(Need, world.need.id)
    assert need is not None
    need.experts_wanted = 2
    session.add(need)
    session.add(
        Visit(need_id=need.id or 0, expert_id=world.other_expert.id or 0, year=YEAR, status=VisitStatus.accepted)
    )
    session.commit()
    url, _ = _run_campaign(client, world, session, "210", "210")
    summary = re.search(r"<p [^>]*data-last-run>(.*?)</p>", client.get(url).text)
    assert summary is not None
    assert summary.group(1) == (
        "最近一次匹配：待安排的 1 个名额中 1 个已有人选，其中新增配对 1 个；另有 1 个名额此前已有专家接受，不在其内。"
    )


def test_a_campaign_of_many_pairs_is_shown_a_page_at_a_time(client: TestClient, world: World, session: Session) -> None:
    experts = [Expert(name=f"专家{i:03d}", district=DISTRICT) for i in range(PAIRS_PER_PAGE + 5)]
    session.add_all(experts)
    campaign = Campaign(name="全市下基层", year=YEAR)
    session.add(campaign)
    session.flush()
    session.add_all(
        CampaignPair(campaign_id=campaign.id or 0, need_id=world.need.id or 0, expert_id=e.id or 0, score=0.5)
        for e in experts
    )
    session.commit()
    login_as(client, world, Role.city_official)
    url = f"/official/campaigns/{campaign.id}"
    first = client.get(url).text
    assert first.count('id="pair-') == PAIRS_PER_PAGE
    assert "第 1 / 2 页" in first
    second = client.get(url, params={"page": 2}).text
    assert second.count('id="pair-') == 5
    # an adjustment on the second page comes back to it
    last = session.exec(select(CampaignPair).order_by(col(CampaignPair.id).desc())).first()
    assert last is not None
    token = csrf_of(second)
    answer = client.post(f"{url}/pairs/{last.id}/lock", data={"csrf_token": token, "page": "2"})
    assert answer.headers["location"].startswith(f"{url}?page=2&")


def test_a_city_campaign_for_one_districts_needs_belongs_to_that_district(
    client: TestClient, world: World, session: Session
) -> None:
    login_as(client, world, Role.city_official)
    token = csrf_of(client.get("/official/campaigns").text)
    for name, district in (("蒲江专场", DISTRICT), ("全市专场", "")):
        answer = client.post(
            "/official/campaigns",
            data={"csrf_token": token, "name": name, "year": str(YEAR), "need_district": district},
        )
        assert answer.status_code == 303, answer.text
    session.expire_all()
    scopes = {c.name: c.district for c in session.exec(select(Campaign))}
    assert scopes == {"蒲江专场": DISTRICT, "全市专场": None}
    login_as(client, world, Role.district_official)
    listed = client.get("/official/campaigns").text
    assert "蒲江专场" in listed
    assert "全市专场" not in listed


def test_a_refused_run_or_publish_is_shown_on_the_campaign_page(
    client: TestClient, world: World, session: Session
) -> None:
    # filters that select no need: the campaign is created (allowed), running it is refused; the official stays
    # on the campaign's page with the reason and what to do, not on a bare error page pointing at 返回首页
    login_as(client, world, Role.district_official)
    token = csrf_of(client.get("/official/campaigns").text)
    created = client.post(
        "/official/campaigns",
        data={"csrf_token": token, "name": "空活动", "year": str(YEAR), "need_field": "160"},
    )
    assert created.status_code == 303
    url = created.headers["location"].split("?")[0]
    assert "放宽需求的区县、领域或服务类型条件" in client.get(url).text
    ran = client.post(f"{url}/run", data={"csrf_token": token})
    assert ran.status_code == 422
    assert "活动尚未选择任何需求" in ran.text
    assert 'role="alert"' in ran.text
    assert "空活动" in ran.text
    assert "已选需求" in ran.text
    published = client.post(f"{url}/publish", data={"csrf_token": token})
    assert published.status_code == 409
    assert "方案中没有配对，请先运行匹配" in published.text
    assert "已选需求" in published.text
