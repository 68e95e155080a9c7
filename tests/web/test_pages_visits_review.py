"""Pages of the 千名专家下基层 workflow, from a review: what an expert is offered on a need's page."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.models import Need
from service.vocab import NeedStatus, Role
from tests.service.world import DISTRICT, World
from tests.web.conftest import login_as


def _need(session: Session, world: World, *, days_left: int) -> Need:
    """An open need of the world's unit, wanted until `days_left` days from today (negative: over)."""
    today = clock.today()
    need = Need(
        unit_id=world.unit.id or 0,
        title="柑橘园冬季清园技术指导",
        service_type="技术服务",
        district=DISTRICT,
        status=NeedStatus.open,
        wanted_from=today - timedelta(days=60),
        wanted_to=today + timedelta(days=days_left),
    )
    session.add(need)
    session.commit()
    session.refresh(need)
    return need


def test_a_need_whose_wanted_period_is_over_offers_no_volunteering(
    client: TestClient, world: World, session: Session
) -> None:
    """The service refuses to let an expert volunteer for it (409); the page must not offer the button."""
    need = _need(session, world, days_left=-1)
    login_as(client, world, Role.expert)
    page = client.get(f"/expert/needs/{need.id}")
    assert page.status_code == 200
    assert f'action="/expert/needs/{need.id}/volunteer"' not in page.text
    assert "期望的服务时间已结束" in page.text


def test_a_need_still_wanted_offers_volunteering(client: TestClient, world: World, session: Session) -> None:
    need = _need(session, world, days_left=0)  # its last day is today
    login_as(client, world, Role.expert)
    page = client.get(f"/expert/needs/{need.id}")
    assert f'action="/expert/needs/{need.id}/volunteer"' in page.text
    assert "期望的服务时间已结束" not in page.text
