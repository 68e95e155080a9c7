"""The officials' dashboard figures: needs and visits by district and month, ratings, liaison compliance.

Read-only counts over the same tables the service functions write, scoped like every list: a district
official sees their own district, the city sees all. Charts and the tables beside them use the same numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.domain.access import district_scope, is_city
from service.domain.liaisons import liaison_views
from service.models import Account, Liaison, Need, Visit
from service.reference import district_name
from service.vocab import NeedStatus, VisitStatus

LIVE_NEEDS = (NeedStatus.open, NeedStatus.matched, NeedStatus.in_service)
#: A visit counts when the unit has confirmed it (DESIGN: confirmed and a service record exists).
COUNTED_VISITS = (VisitStatus.confirmed,)
MONTHS_SHOWN = 12


@dataclass
class Dashboard:
    needs_total: int = 0
    needs_waiting_review: int = 0
    needs_live: int = 0
    needs_done: int = 0
    visits_counted: int = 0
    visits_in_progress: int = 0
    rating_average: float | None = None
    needs_by_district: list[tuple[str, int]] = field(default_factory=list)
    visits_by_district: list[tuple[str, int]] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    needs_by_month: list[int] = field(default_factory=list)
    visits_by_month: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=lambda: [0] * 5)
    liaisons_total: int | None = None
    liaisons_overdue: int | None = None


def _month_keys(today: date) -> list[str]:
    keys = []
    year, month = today.year, today.month
    for _ in range(MONTHS_SHOWN):
        keys.append(f"{year}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]


def build_dashboard(*, session: Session, viewer: Account, today: date | None = None) -> Dashboard:
    """The figures `viewer` may see (their district, or the whole city)."""
    today = today or date.today()
    scope = district_scope(viewer)
    board = Dashboard(months=_month_keys(today))

    need_filter = [Need.district == scope] if scope else []
    status_counts = dict(
        session.exec(select(Need.status, func.count()).where(*need_filter).group_by(Need.status)).all()  # type: ignore[arg-type]
    )
    board.needs_total = sum(status_counts.values())
    board.needs_waiting_review = status_counts.get(NeedStatus.submitted, 0)
    board.needs_live = sum(status_counts.get(s, 0) for s in LIVE_NEEDS)
    board.needs_done = status_counts.get(NeedStatus.done, 0)
    by_district = session.exec(
        select(Need.district, func.count()).where(*need_filter).group_by(Need.district)  # type: ignore[arg-type]
    ).all()
    board.needs_by_district = sorted(((district_name(d), n) for d, n in by_district), key=lambda x: -x[1])

    visits = select(Visit.status, col(Visit.rating), col(Visit.service_date), Need.district).join(
        Need,
        Need.id == Visit.need_id,  # type: ignore[arg-type]
    )
    if scope:
        visits = visits.where(Need.district == scope)
    month_index = {m: i for i, m in enumerate(board.months)}
    board.needs_by_month = [0] * MONTHS_SHOWN
    board.visits_by_month = [0] * MONTHS_SHOWN
    visit_districts: Counter[str] = Counter()
    ratings: list[int] = []
    for status, rating, service_date, district in session.exec(visits).all():
        if status in COUNTED_VISITS:
            board.visits_counted += 1
            visit_districts[district] += 1
            if service_date is not None:
                slot = month_index.get(f"{service_date.year}-{service_date.month:02d}")
                if slot is not None:
                    board.visits_by_month[slot] += 1
        elif status in (VisitStatus.accepted, VisitStatus.scheduled, VisitStatus.done):
            board.visits_in_progress += 1
        if rating is not None and 1 <= rating <= 5:
            ratings.append(rating)
            board.ratings[rating - 1] += 1
    board.rating_average = round(sum(ratings) / len(ratings), 2) if ratings else None
    board.visits_by_district = sorted(((district_name(d), n) for d, n in visit_districts.items()), key=lambda x: -x[1])

    for created_at in session.exec(select(Need.created_at).where(*need_filter)).all():
        slot = month_index.get(f"{created_at.year}-{created_at.month:02d}")
        if slot is not None:
            board.needs_by_month[slot] += 1

    if is_city(viewer):
        pairs = list(session.exec(select(Liaison).where(col(Liaison.active), Liaison.year == today.year)).all())
        views = liaison_views(session, pairs)
        board.liaisons_total = len(views)
        board.liaisons_overdue = sum(1 for v in views if v.contact_overdue)
    return board
