"""The officials' work queue beside the dashboard's report figures: needs waiting for review, needs live now, and
(for the city, whose 专家诉求 list it links to) concerns overdue now, whatever year they were raised in.

The year's figures (needs posted, visits done, by district and month, ratings, liaison compliance) come from
`service.domain.reports.dashboard_summary`, so that the page, the API and the Excel reports agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from service.domain import liaisons as liaison_service
from service.domain.access import district_scope
from service.models import Account, Need
from service.vocab import NeedStatus, Role

LIVE_NEEDS = (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service)


@dataclass
class WorkQueue:
    needs_waiting_review: int
    needs_live: int
    #: the count of the 专家诉求 list's 超期 filter (city officials only; None for a district official)
    concerns_overdue: int | None = None


def work_queue(*, session: Session, viewer: Account) -> WorkQueue:
    """Needs in the viewer's scope waiting for review, and those taking or being served by experts now."""
    scope = district_scope(viewer)
    statement = select(Need.status, func.count()).group_by(Need.status)  # type: ignore[arg-type]
    if scope:
        statement = statement.where(Need.district == scope)
    counts = dict(session.exec(statement).all())
    concerns_overdue = None
    if viewer.role == Role.city_official:
        _, concerns_overdue = liaison_service.list_concerns(
            session=session, viewer=viewer, status=None, department=None, overdue=True, limit=0, offset=0, sort=None
        )
    return WorkQueue(
        needs_waiting_review=counts.get(NeedStatus.submitted, 0),
        needs_live=sum(counts.get(s, 0) for s in LIVE_NEEDS),
        concerns_overdue=concerns_overdue,
    )
