"""Lists and exports read related rows (needs' units, visits' needs and experts, experts' used places, units'
employees for conflicts) in a fixed number of queries, not one per row: the statements sent do not grow with the
rows listed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import clock
from service.domain import experts, needs, visits
from service.exporting import export_visits
from service.matcher import conflicted_experts, conflicted_experts_by_need
from service.models import Account, Expert, Need, Unit, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.world import DISTRICT, World
from tests.statements import counted_statements


def _grow(session: Session, world: World, n: int, first: int = 0) -> None:
    """`n` more units, each with a need, an expert employed by it and an accepted visit of the world's expert."""
    for i in range(first, first + n):
        unit = Unit(name=f"增补单位{i}", kind="村", district=DISTRICT)
        session.add(unit)
        session.flush()
        need = Need(unit_id=unit.id or 0, title=f"增补需求{i}", service_type="技术服务", district=DISTRICT)
        need.status = NeedStatus.open
        session.add(need)
        session.add(Expert(name=f"增补专家{i}", employer=unit.name, district=DISTRICT))
        session.flush()
        year = clock.today().year
        session.add(Visit(need_id=need.id or 0, expert_id=world.expert.id or 0, year=year, status=VisitStatus.accepted))
    session.commit()


def _city(session: Session, world: World) -> Account:
    return world.accounts[Role.city_official]


LISTS: dict[str, Callable[[Session, Account], object]] = {
    "needs": lambda s, a: needs.list_needs(
        session=s, viewer=a, filters=needs.NeedFilters(), limit=100, offset=0, sort=None
    ),
    "visits": lambda s, a: visits.list_visits(
        session=s, viewer=a, filters=visits.VisitFilters(), limit=100, offset=0, sort=None
    ),
    "experts": lambda s, a: experts.list_experts(
        session=s, viewer=a, filters=experts.ExpertFilters(), limit=100, offset=0, sort=None
    ),
    "visits export": lambda s, a: export_visits(session=s, viewer=a, filters=visits.VisitFilters()),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_sends_as_many_statements_for_many_rows_as_for_few(
    session: Session, world: World, engine: Engine, name: str
) -> None:
    listing, city = LISTS[name], _city(session, world)
    _grow(session, world, 2)
    with Session(engine) as fresh, counted_statements(engine) as few:
        listing(fresh, city)
    _grow(session, world, 25, first=2)
    with Session(engine) as fresh, counted_statements(engine) as many:
        listing(fresh, city)
    assert many[0] == few[0]


def test_conflicts_of_many_needs_are_those_of_each(session: Session, world: World) -> None:
    _grow(session, world, 4)
    all_needs = list(session.exec(select(Need)))
    together = conflicted_experts_by_need(session, all_needs)
    assert together == {n.id: conflicted_experts(session, n) for n in all_needs}
    assert sum(len(c) for c in together.values()) == 4  # each new unit employs one expert
