"""The officials' work queue beside the dashboard's report figures: needs waiting for review, needs live now.

The year's figures (needs posted, visits done, by district and month, ratings, liaison compliance) come from
`service.domain.reports.dashboard_summary`, so that the page, the API and the Excel reports agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from service.domain.access import district_scope
from service.models import Account, Need
from service.vocab import NeedStatus

LIVE_NEEDS = (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service)


@dataclass
class WorkQueue:
    needs_waiting_review: int
    needs_live: int


def work_queue(*, session: Session, viewer: Account) -> WorkQueue:
    """Needs in the viewer's scope waiting for review, and those taking or being served by experts now."""
    scope = district_scope(viewer)
    statement = select(Need.status, func.count()).group_by(Need.status)  # type: ignore[arg-type]
    if scope:
        statement = statement.where(Need.district == scope)
    counts = dict(session.exec(statement).all())
    return WorkQueue(
        needs_waiting_review=counts.get(NeedStatus.submitted, 0),
        needs_live=sum(counts.get(s, 0) for s in LIVE_NEEDS),
    )
