"""领导干部联系专家 pages, found in review: the overdue list the dashboard links to, a concern's department typed
alone on the leader's contact form, the planner asked for a year pairs cannot be made for."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.models import Contact, Liaison
from service.vocab import Role
from tests.service.world import World
from tests.web.conftest import csrf_of, login_as


def test_the_overdue_list_behind_the_dashboard_figure_is_this_years(
    client: TestClient, world: World, session: Session
) -> None:
    """The dashboard counts this year's pairs; the list its figure links to showed every year's, so a pair of
    last year (contacted in February, overdue when its year ended) made "0" open a list of one."""
    year = clock.today().year
    old = Liaison(
        leader_id=world.leader.id or 0,
        expert_id=world.other_expert.id or 0,
        year=year - 1,
        confirmed=True,
        created_at=datetime(year - 2, 12, 1, tzinfo=UTC),
    )
    session.add(old)
    session.flush()
    session.add(Contact(liaison_id=old.id or 0, date=date(year - 1, 2, 1), mode="电话"))
    session.commit()
    login_as(client, world, Role.city_official)
    assert '<a href="/official/liaisons?overdue=1">0</a> / 1' in client.get("/official").text
    listed = client.get("/official/liaisons?overdue=1")
    assert listed.status_code == 200
    assert world.other_expert.name not in listed.text
    assert f"{year} 年度共 0 对" in listed.text
    everything = client.get("/official/liaisons").text
    assert f"{year} 年度共 1 对" in everything
    assert world.expert.name in everything
    # Last year's pairs are one click away, judged as they stood at the year's end.
    past = client.get(f"/official/liaisons?year={year - 1}&overdue=1").text
    assert f"{year - 1} 年度共 1 对" in past
    assert world.other_expert.name in past
    assert "往年的按当年年底计" in past
    assert f'href="/official/liaisons?year={year - 1}&amp;overdue=1"' in listed.text


def test_a_department_typed_alone_asks_for_the_concern_instead_of_dropping_it(
    client: TestClient, world: World, session: Session
) -> None:
    """The leader typed the department to handle the expert's problem but forgot its category and content: the
    contact was stored and the concern silently lost."""
    login_as(client, world, Role.leader)
    url = f"/leader/liaisons/{world.liaison.id}/contact"
    token = csrf_of(client.get(url).text)
    form = {"csrf_token": token, "date": clock.today().isoformat(), "mode": "走访慰问", "department": "市教育局"}
    answer = client.post(url, data=form)
    assert answer.status_code == 422
    assert "诉求类别为必填项" in answer.text
    assert "诉求内容为必填项" in answer.text
    assert 'value="市教育局"' in answer.text  # what was typed is kept
    session.expire_all()
    assert len(session.exec(select(Contact)).all()) == 1  # only the world's: nothing half-stored


def test_the_planner_refuses_a_past_year_beside_the_year_field(client: TestClient, world: World) -> None:
    year = clock.today().year
    login_as(client, world, Role.city_official)
    answer = client.get(f"/official/liaisons/plan?year={year - 1}")
    assert answer.status_code == 422
    assert 'id="f-year-error"' in answer.text
    assert f"只能确定本年度（{year}年）或下一年度（{year + 1}年）的联系关系" in answer.text
    assert 'name="pair"' not in answer.text
    assert client.get(f"/official/liaisons/plan?year={year + 1}").status_code == 200
