"""Capacity under contention: many acceptances at once never overbook an expert.

32 threads, each with its own database session, accept 32 proposed visits (one per need) for one expert who
has 3 places left. Exactly 3 succeed, the rest are refused with a conflict, and the database holds 3.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from service import clock
from service.domain.visits import act_on_visit
from service.errors import AppError
from service.models import Account, Expert, Need, Unit, Visit
from service.vocab import NeedStatus, Role, VisitStatus
from tests.conftest import ON_POSTGRES

THREADS = 32
CAPACITY, ALREADY_USED = 5, 2
YEAR = clock.today().year


def _build(session: Session) -> tuple[Account, list[int]]:
    """An expert with CAPACITY places, ALREADY_USED of them taken, and THREADS needs each with one proposal."""
    unit = Unit(name="蒲江县西来镇", kind="镇街", district="510131")
    expert = Expert(name="陈柑", district="510131", yearly_capacity=CAPACITY, fields=["210"])
    session.add_all([unit, expert])
    session.flush()
    account = Account(username="chen", password_hash="-", role=Role.expert, expert_id=expert.id)
    session.add(account)
    visits = []
    for n in range(THREADS + ALREADY_USED):
        need = Need(
            unit_id=unit.id or 0,
            title=f"柑橘病虫害防治第{n}期",
            service_type="技术服务",
            district="510131",
            status=NeedStatus.open,
        )
        session.add(need)
        session.flush()
        status = VisitStatus.accepted if n < ALREADY_USED else VisitStatus.proposed
        visit = Visit(need_id=need.id or 0, expert_id=expert.id or 0, year=YEAR, status=status)
        session.add(visit)
        visits.append(visit)
    session.commit()
    # A detached copy: the threads must not share the setup session.
    actor = Account(id=account.id, username="chen", password_hash="-", role=Role.expert, expert_id=expert.id)
    return actor, [v.id or 0 for v in visits[ALREADY_USED:]]


@pytest.fixture
def contended_engine(engine: Engine) -> Iterator[Engine]:
    """On PostgreSQL, one connection per thread (no pool queue), so all 32 really race in the database."""
    if not ON_POSTGRES:
        yield engine
        return
    racing = create_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    yield racing
    racing.dispose()


def test_concurrent_acceptances_never_exceed_capacity(engine: Engine, contended_engine: Engine) -> None:
    with Session(engine) as session:
        actor, visit_ids = _build(session)
    start = threading.Barrier(len(visit_ids))
    outcomes: dict[int, int] = {}
    unexpected: list[BaseException] = []

    def accept(visit_id: int) -> None:
        try:
            start.wait(timeout=60)
            with Session(contended_engine) as session:
                act_on_visit(session=session, actor=actor, visit_id=visit_id, action="accept")
            outcomes[visit_id] = 200
        except AppError as error:
            outcomes[visit_id] = error.status_code
        except BaseException as error:  # noqa: BLE001 - reported below with the thread's visit
            unexpected.append(error)

    threads = [threading.Thread(target=accept, args=(visit_id,)) for visit_id in visit_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert not unexpected, f"errors other than a refusal: {unexpected[:3]}"
    assert Counter(outcomes.values()) == {200: CAPACITY - ALREADY_USED, 409: THREADS - (CAPACITY - ALREADY_USED)}

    with Session(engine) as session:
        accepted = session.exec(
            select(func.count()).where(col(Visit.id).in_(visit_ids), Visit.status == VisitStatus.accepted)
        ).one()
        holding = session.exec(
            select(func.count()).where(
                Visit.expert_id == actor.expert_id, col(Visit.status).in_([VisitStatus.accepted])
            )
        ).one()
    assert accepted == CAPACITY - ALREADY_USED
    assert holding == CAPACITY
    accepted_ids = {visit_id for visit_id, status in outcomes.items() if status == 200}
    with Session(engine) as session:
        stored = {v.id for v in session.exec(select(Visit).where(Visit.status == VisitStatus.accepted)).all()}
    assert accepted_ids <= stored, "every acceptance that answered 200 is stored"
