"""Days are the city's (UTC+8) wherever a date filters or counts: a need posted at 00:30 on 1 January in the city is
a need of that day in the needs list and the search index, as the reports count it; a leader's concerns are those
raised in the report's year."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.domain.reports import dashboard_summary
from service.models import Concern, Need, Visit
from service.search_sync import need_document
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.concerns import raised_concern
from tests.service.world import DISTRICT, World

API = "/api/v1"
NEW_YEARS_NIGHT = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)  # 2026-01-01 00:30 in the city


def _need_posted_on_new_years_night(session: Session, world: World) -> Need:
    need = Need(
        unit_id=world.unit.id or 0,
        title="元旦凌晨发布的需求",
        service_type="技术服务",
        district=DISTRICT,
        status=NeedStatus.open,
        created_at=NEW_YEARS_NIGHT,
    )
    session.add(need)
    session.commit()
    return need


def test_the_needs_list_filters_by_the_citys_days(client: TestClient, world: World, session: Session) -> None:
    need = _need_posted_on_new_years_night(session, world)
    headers = world.headers("city_official")

    def listed(start: str, end: str) -> list[int]:
        answer = client.get(f"{API}/needs", params={"created_from": start, "created_to": end}, headers=headers)
        assert answer.status_code == 200, answer.text
        return [n["id"] for n in answer.json()["data"]]

    assert need.id in listed("2026-01-01", "2026-01-01")
    assert need.id not in listed("2025-12-31", "2025-12-31")


def test_the_search_index_dates_a_need_by_the_citys_day(session: Session, world: World) -> None:
    need = _need_posted_on_new_years_night(session, world)
    assert clock.city_date(need.created_at) == date(2026, 1, 1)
    assert need_document(need, world.unit.name)["created_at"].startswith("2026-01-01T00:30")


def test_a_leaders_concerns_are_those_raised_in_the_reports_year(
    client: TestClient, world: World, session: Session
) -> None:
    year = world.liaison.year
    session.add(raised_concern(world, content="本年度提出", raised_on=date(year, 3, 1), due_date=date(year, 4, 1)))
    later = raised_concern(world, content="次年提出", raised_on=date(year + 1, 2, 1), due_date=date(year + 1, 3, 1))
    session.add(later)
    session.commit()
    assert session.get(Concern, later.id) is not None
    report = client.get(f"{API}/reports/liaisons", params={"year": year}, headers=world.headers("city_official")).json()
    row = next(r for r in report["rows"] if r["leader_id"] == world.leader.id)
    assert row["concerns_raised"] == 1


def test_a_visit_served_after_new_year_counts_in_its_years_december(session: Session, world: World) -> None:
    year = world.liaison.year - 1
    session.add(
        Visit(
            need_id=world.need.id or 0,
            expert_id=world.other_expert.id or 0,
            year=year,
            status=VisitStatus.confirmed,
            service_date=date(year + 1, 1, 2),
            service_days=1,
            rating=5,
        )
    )
    session.commit()
    summary = dashboard_summary(session=session, viewer=world.accounts[Role.city_official], year=year)
    assert summary.visits_done == 1
    assert [m.visits for m in summary.by_month] == [0] * 11 + [1]
