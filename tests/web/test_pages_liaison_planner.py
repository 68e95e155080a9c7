"""The liaison planner page: a year's proposal with reasons, leaders short of their minimum, confirm after unticking."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Liaison
from service.vocab import Role
from tests.service.liaison_cast import Cast, make_cast
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as

PLAN = "/official/liaisons/plan"
YEAR = clock.today().year
_PAIR = re.compile(r'name="pair" value="([^"]+)"')


@pytest.fixture
def cast(session: Session, world: World) -> Cast:
    return make_cast(session, YEAR)


def _this_years_pairs(session: Session) -> set[tuple[int, int]]:
    session.expire_all()
    return {(x.leader_id, x.expert_id) for x in session.exec(select(Liaison).where(Liaison.year == YEAR))}


def test_only_the_city_opens_the_planner_and_the_liaisons_list_links_to_it(client: TestClient, world: World) -> None:
    login_as(client, world, Role.district_official)
    assert client.get(PLAN).status_code == 403
    login_as(client, world, Role.city_official)
    assert f'href="{PLAN}"' in client.get("/official/liaisons").text
    page = client.get(PLAN)
    assert page.status_code == 200
    assert f'value="{clock.planning_year()}"' in page.text  # this year; next year from 1 December
    assert 'min="2000" max="2100"' in page.text  # template attributes are markup, not escaped text
    assert 'name="pair"' not in page.text  # the planner runs only once a year is chosen


def test_a_year_out_of_range_is_refused_beside_the_field(client: TestClient, world: World) -> None:
    login_as(client, world, Role.city_official)
    answer = client.get(f"{PLAN}?year=1999")
    assert answer.status_code == 422
    assert 'id="f-year-error"' in answer.text
    assert 'name="pair"' not in answer.text


def test_the_proposal_shows_each_pair_with_its_reason_and_stores_nothing(
    client: TestClient, world: World, cast: Cast, session: Session
) -> None:
    before = _this_years_pairs(session)
    login_as(client, world, Role.city_official)
    page = client.get(f"{PLAN}?year={YEAR}")
    assert page.status_code == 200
    html = page.text
    [chief_section] = [
        s for s in html.split('<section class="card leader-plan">')[1:] if "钱书记" in s.split("</h2>")[0]
    ]
    for name in ("院士甲", "领军乙", "领军丙"):
        assert name in chief_section
    assert "延续上年联系" in html  # 领军乙, paired with 钱书记 last year
    assert '<mark class="term">临床医学</mark>' in html  # the field overlap behind an affinity pair
    short = html[html.index("未达最低人数的领导</h2>") :]
    assert "孙副市长" in short.split("</section>")[0]
    assert "无可联系的候选专家" in short.split("</section>")[0]
    assert "钱书记 — 退出辛：专家当前状态为“退出”" in html  # last year's pair not kept, with why
    assert _this_years_pairs(session) == before


def test_confirming_after_unticking_stores_only_the_ticked_pairs_and_reports_clashes(
    client: TestClient, world: World, cast: Cast, session: Session
) -> None:
    login_as(client, world, Role.city_official)
    page = client.get(f"{PLAN}?year={YEAR}").text
    values = _PAIR.findall(page)
    unticked = next(v for v in values if v.split(":")[1] == str(cast.experts["local_med"].id))
    ticked = [v for v in values if v != unticked]
    before = _this_years_pairs(session)
    answer = client.post(f"{PLAN}/confirm", data={"csrf_token": csrf_of(page), "year": str(YEAR), "pair": ticked})
    assert answer.status_code == 200
    stored = _this_years_pairs(session) - before
    assert stored == {(int(v.split(":")[0]), int(v.split(":")[1])) for v in ticked}
    assert (cast.chief.id, cast.experts["local_med"].id) not in stored
    assert f"已建立 {len(ticked)} 对联系关系" in answer.text
    kept = session.exec(
        select(Liaison).where(Liaison.expert_id == cast.experts["national_med"].id, Liaison.year == YEAR)
    )
    assert kept.one().kept_from_last_year

    # the world's expert already has 赵市长 this year: the clash is reported by name, nothing else changes
    clash = f"{cast.chief.id}:{world.expert.id}:0.5"
    again = client.post(f"{PLAN}/confirm", data={"csrf_token": csrf_of(page), "year": str(YEAR), "pair": [clash]})
    assert again.status_code == 200
    assert "已建立 0 对联系关系，1 对未建立" in again.text
    assert f"钱书记 — {world.expert.name}" in again.text
    assert f"已由{world.leader.name}联系" in again.text
    assert _this_years_pairs(session) == before | stored


def test_confirming_with_nothing_ticked_redraws_the_proposal(
    client: TestClient, world: World, cast: Cast, session: Session
) -> None:
    login_as(client, world, Role.city_official)
    page = client.get(f"{PLAN}?year={YEAR}").text
    before = _this_years_pairs(session)
    answer = client.post(f"{PLAN}/confirm", data={"csrf_token": csrf_of(page), "year": str(YEAR)})
    assert answer.status_code == 422
    assert "请至少勾选一对联系关系再确认" in answer.text
    assert 'name="pair"' in answer.text
    broken = client.post(f"{PLAN}/confirm", data={"csrf_token": csrf_of(page), "year": str(YEAR), "pair": "x"})
    assert broken.status_code == 422
    assert "请重新生成方案" in broken.text
    forged = client.post(f"{PLAN}/confirm", data={"year": str(YEAR), "pair": f"{cast.chief.id}:{world.expert.id}:"})
    assert forged.status_code == 400
    assert _this_years_pairs(session) == before
