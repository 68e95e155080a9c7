"""考核问效 reports: needs and visits per district, concerns per handling department, liaison contacts per leader.

Definitions (one place, so that the API, the .xlsx exports and the dashboard agree):
- **year**: needs by the year they were created (China time), visits by their service year (`Visit.year`),
  concerns by the year they were raised, liaison pairs by their year.
- **needs posted**: created in the year and past the draft stage (submitted, open, …, done, or withdrawn).
- **needs filled**: posted needs with at least one accepted visit (accepted, scheduled, done or confirmed).
- **needs done**: posted needs whose status is done.
- **visits done**: a visit counts when the unit has confirmed it and a service record exists (DESIGN §2):
  status confirmed and a service date recorded. People trained, service days and the mean rating are taken
  over counted visits; **experts engaged** are the distinct experts with a counted visit.
- **district** of a need or visit: the need's district; of a concern or liaison pair: the expert's district.
- **contacted recently**: an active pair of the year with a contact within the last
  `Settings.contact_interval_months` months (as of today).
- **concerns**: answered = answered or closed; answered on time = replied on or before the due date; overdue
  open = still open and past the due date (today).

District officials see their own district only; city officials see all, or one district when they filter.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from service import clock
from service.domain.access import district_scope, require_district
from service.domain.liaisons import contact_overdue, contact_since
from service.models import Account, Concern, Contact, Expert, Leader, Liaison, Need, Visit
from service.reference import district_name, districts
from service.vocab import VISIT_HOLDS_PLACE, ConcernStatus, NeedStatus, VisitStatus

UNASSIGNED_DEPARTMENT = "未指定承办部门"
TOTAL_LABEL = "合计"


class DistrictReportRow(SQLModel):
    district: str
    district_name: str
    needs_posted: int = 0
    needs_filled: int = 0
    needs_done: int = 0
    visits_done: int = 0
    service_days: float = 0.0
    people_trained: int = 0
    mean_rating: float | None = None
    experts_engaged: int = 0


class DistrictReport(SQLModel):
    year: int
    rows: list[DistrictReportRow]
    total: DistrictReportRow


class DepartmentReportRow(SQLModel):
    department: str
    total: int = 0
    due: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue_open: int = 0
    on_time_rate: float | None = None


class DepartmentReport(SQLModel):
    year: int
    rows: list[DepartmentReportRow]
    total: DepartmentReportRow


class LiaisonReportRow(SQLModel):
    leader_id: int | None
    leader_name: str
    rank: str = ""
    pairs: int = 0
    contacted_recently: int = 0
    not_contacted: int = 0
    contacts_in_year: int = 0
    concerns_raised: int = 0
    compliance_rate: float | None = None


class LiaisonReport(SQLModel):
    year: int
    since: date
    rows: list[LiaisonReportRow]
    total: LiaisonReportRow


def _scope(viewer: Account, district: str | None) -> str | None:
    """The district a report is limited to: a district official's own, or the city official's filter."""
    own = district_scope(viewer)
    if own is not None:
        if district is not None:
            require_district(viewer, district)
        return own
    return district


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in China time, as UTC instants (stored timestamps are UTC)."""
    # officials count years and months in China Standard Time
    start = datetime(year, 1, 1, tzinfo=clock.CHINA_TIME).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=clock.CHINA_TIME).astimezone(UTC)
    return start, end


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _district_rows(scope: str | None) -> dict[str, DistrictReportRow]:
    codes = [scope] if scope is not None else list(districts())
    return {code: DistrictReportRow(district=code, district_name=district_name(code)) for code in codes}


def _posted_needs(year: int, scope: str | None) -> list[Any]:
    start, end = _year_bounds(year)
    conditions: list[Any] = [Need.status != NeedStatus.draft, Need.created_at >= start, Need.created_at < end]
    if scope is not None:
        conditions.append(Need.district == scope)
    return conditions


def _counted_visits(year: int, scope: str | None) -> list[Any]:
    conditions: list[Any] = [
        Visit.year == year,
        Visit.status == VisitStatus.confirmed,
        col(Visit.service_date).is_not(None),
    ]
    if scope is not None:
        conditions.append(Need.district == scope)
    return conditions


def district_report(*, session: Session, viewer: Account, year: int, district: str | None = None) -> DistrictReport:
    """Needs posted/filled/done and counted visits per district (definitions in the module docstring)."""
    scope = _scope(viewer, district)
    rows = _district_rows(scope)
    posted = _posted_needs(year, scope)

    def row(code: str) -> DistrictReportRow:
        if code not in rows:  # a district missing from the reference list still shows up
            rows[code] = DistrictReportRow(district=code, district_name=district_name(code))
        return rows[code]

    for code, n in session.exec(select(Need.district, func.count()).where(*posted).group_by(col(Need.district))):
        row(code).needs_posted = int(n)
    for code, n in session.exec(
        select(Need.district, func.count()).where(*posted, Need.status == NeedStatus.done).group_by(col(Need.district))
    ):
        row(code).needs_done = int(n)
    filled = (
        select(Need.district, func.count(distinct(col(Need.id))))
        .join(Visit, col(Visit.need_id) == col(Need.id))
        .where(*posted, col(Visit.status).in_(VISIT_HOLDS_PLACE))
        .group_by(col(Need.district))
    )
    for code, n in session.exec(filled):
        row(code).needs_filled = int(n)
    visits = (
        sa_select(
            col(Need.district),
            func.count(col(Visit.id)),
            func.coalesce(func.sum(Visit.service_days), 0),
            func.coalesce(func.sum(Visit.people_trained), 0),
            func.avg(Visit.rating),
            func.count(distinct(col(Visit.expert_id))),
        )
        .join(Need, col(Need.id) == col(Visit.need_id))
        .where(*_counted_visits(year, scope))
        .group_by(col(Need.district))
    )
    for code, count, days, trained, rating, engaged in session.execute(visits).all():
        r = row(code)
        r.visits_done, r.service_days, r.people_trained = int(count), float(days), int(trained)
        r.mean_rating = round(float(rating), 2) if rating is not None else None
        r.experts_engaged = int(engaged)

    total = DistrictReportRow(district="", district_name=TOTAL_LABEL)
    for r in rows.values():
        total.needs_posted += r.needs_posted
        total.needs_filled += r.needs_filled
        total.needs_done += r.needs_done
        total.visits_done += r.visits_done
        total.service_days += r.service_days
        total.people_trained += r.people_trained
    overall = session.exec(
        select(func.avg(Visit.rating), func.count(distinct(col(Visit.expert_id))))
        .join(Need, col(Need.id) == col(Visit.need_id))
        .where(*_counted_visits(year, scope))
    ).one()
    # An expert serving two districts counts once in the total, so the total is its own query.
    total.mean_rating = round(float(overall[0]), 2) if overall[0] is not None else None
    total.experts_engaged = int(overall[1])
    return DistrictReport(year=year, rows=list(rows.values()), total=total)


def department_report(
    *, session: Session, viewer: Account, year: int, district: str | None = None, today: date | None = None
) -> DepartmentReport:
    """Concerns raised in the year per handling department: total, answered, on time, overdue and open."""
    scope = _scope(viewer, district)
    today = today or clock.today()
    statement = select(Concern).where(Concern.raised_on >= date(year, 1, 1), Concern.raised_on < date(year + 1, 1, 1))
    if scope is not None:
        statement = statement.join(Expert, col(Expert.id) == col(Concern.expert_id)).where(Expert.district == scope)
    rows: dict[str, DepartmentReportRow] = {}
    for concern in session.exec(statement):
        name = concern.department or UNASSIGNED_DEPARTMENT
        r = rows.setdefault(name, DepartmentReportRow(department=name))
        _count_concern(r, concern, today)
    total = DepartmentReportRow(department=TOTAL_LABEL)
    for r in rows.values():
        r.on_time_rate = _rate(r.answered_on_time, r.due)
        total.total += r.total
        total.due += r.due
        total.answered += r.answered
        total.answered_on_time += r.answered_on_time
        total.overdue_open += r.overdue_open
    total.on_time_rate = _rate(total.answered_on_time, total.due)
    ordered = sorted(rows.values(), key=lambda r: (r.department == UNASSIGNED_DEPARTMENT, -r.total, r.department))
    return DepartmentReport(year=year, rows=ordered, total=total)


def _count_concern(row: DepartmentReportRow, concern: Concern, today: date) -> None:
    """A concern counts towards the on-time rate once it is due: answered (early or late), or still open past
    its due date. One still open before its due date has not yet failed nor succeeded."""
    row.total += 1
    if concern.status in (ConcernStatus.answered, ConcernStatus.closed):
        row.answered += 1
        row.due += 1
        if concern.replied_on is not None and concern.replied_on <= concern.due_date:
            row.answered_on_time += 1
    elif concern.status == ConcernStatus.open and today > concern.due_date:
        row.overdue_open += 1
        row.due += 1


def liaison_report(
    *, session: Session, viewer: Account, year: int, district: str | None = None, today: date | None = None
) -> LiaisonReport:
    """Active pairs of the year per leader: how many had a contact within the contact interval, and how many are
    overdue (`liaisons.contact_overdue`, as the liaison list flags them). A past year is read as it stood on
    31 December."""
    scope = _scope(viewer, district)
    today = today or clock.today()
    since = contact_since(min(today, date(year, 12, 31)))
    statement = select(Liaison).where(Liaison.year == year, col(Liaison.active).is_(True))
    if scope is not None:
        statement = statement.join(Expert, col(Expert.id) == col(Liaison.expert_id)).where(Expert.district == scope)
    pairs = list(session.exec(statement))
    pair_ids = [p.id or 0 for p in pairs]
    last_contact: dict[int, date] = {}
    contacts_in_year: Counter[int] = Counter()
    concerns: Counter[int] = Counter()
    if pair_ids:
        for liaison_id, last in session.exec(
            select(Contact.liaison_id, func.max(Contact.date))
            .where(col(Contact.liaison_id).in_(pair_ids))
            .group_by(col(Contact.liaison_id))
        ):
            if last is not None:
                last_contact[liaison_id] = last
        for liaison_id, n in session.exec(
            select(Contact.liaison_id, func.count())
            .where(
                col(Contact.liaison_id).in_(pair_ids),
                Contact.date >= date(year, 1, 1),
                Contact.date < date(year + 1, 1, 1),
            )
            .group_by(col(Contact.liaison_id))
        ):
            contacts_in_year[liaison_id] = int(n)
        for liaison_id, n in session.exec(
            select(Concern.liaison_id, func.count())
            .where(
                col(Concern.liaison_id).in_(pair_ids),
                Concern.raised_on >= date(year, 1, 1),
                Concern.raised_on < date(year + 1, 1, 1),
            )
            .group_by(col(Concern.liaison_id))
        ):
            concerns[liaison_id] = int(n)
    leaders = {x.id: x for x in session.exec(select(Leader))}
    rows: dict[int, LiaisonReportRow] = {}
    for p in sorted(pairs, key=lambda p: p.leader_id):
        leader = leaders.get(p.leader_id)
        r = rows.setdefault(
            p.leader_id,
            LiaisonReportRow(
                leader_id=p.leader_id, leader_name=leader.name if leader else "", rank=leader.rank if leader else ""
            ),
        )
        key = p.id or 0
        r.pairs += 1
        latest = last_contact.get(key)
        if latest is not None and latest >= since:
            r.contacted_recently += 1
        if contact_overdue(p, latest, today):
            r.not_contacted += 1
        r.contacts_in_year += contacts_in_year[key]
        r.concerns_raised += concerns[key]
    total = LiaisonReportRow(leader_id=None, leader_name=TOTAL_LABEL)
    for r in rows.values():
        r.compliance_rate = _rate(r.pairs - r.not_contacted, r.pairs)
        for name in ("pairs", "contacted_recently", "not_contacted", "contacts_in_year", "concerns_raised"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    total.compliance_rate = _rate(total.pairs - total.not_contacted, total.pairs)
    return LiaisonReport(year=year, since=since, rows=list(rows.values()), total=total)


# ---- the dashboard -------------------------------------------------------------------------------------------


class DistrictCount(SQLModel):
    district: str
    district_name: str
    needs: int
    visits: int


class MonthCount(SQLModel):
    month: int
    needs: int
    visits: int


class LiaisonCompliance(SQLModel):
    pairs: int
    contacted_recently: int
    not_contacted: int
    rate: float | None


class ConcernSummary(SQLModel):
    total: int
    answered: int
    answered_on_time: int
    overdue_open: int


class DashboardSummary(SQLModel):
    year: int
    district: str | None
    needs_posted: int
    visits_done: int
    people_trained: int
    mean_rating: float | None
    by_district: list[DistrictCount]
    by_month: list[MonthCount]
    rating_distribution: dict[str, int]
    liaison: LiaisonCompliance
    concerns: ConcernSummary


def dashboard_summary(*, session: Session, viewer: Account, year: int | None = None) -> DashboardSummary:
    """The numbers of the officials' dashboard for `year` (default: this year), limited to the viewer's scope.

    Shape (a `DashboardSummary`; `.model_dump()` gives plain JSON):
        year, district (None: whole city; a district official gets their own)
        needs_posted, visits_done, people_trained, mean_rating (None without ratings) — the totals
        by_district: [{district, district_name, needs, visits}] — every district in scope, reference order;
            needs = needs posted, visits = visits done (counted: confirmed with a service record)
        by_month: [{month: 1..12, needs, visits}] — needs by creation month (China time), visits by service date
            (a visit of the year served in the next one in December)
        rating_distribution: {"1": n, ..., "5": n} — ratings of counted visits
        liaison: {pairs, contacted_recently, not_contacted, rate} — active pairs of the year, contact within
            the contact interval (rate None without pairs)
        concerns: {total, answered, answered_on_time, overdue_open} — concerns raised in the year
    Definitions are those of the reports (module docstring).
    """
    year = year or clock.today().year
    scope = district_scope(viewer)
    report = district_report(session=session, viewer=viewer, year=year)
    needs_by_month: Counter[int] = Counter()
    for created in session.exec(select(Need.created_at).where(*_posted_needs(year, scope))):
        needs_by_month[clock.city_date(created).month] += 1
    visits_by_month: Counter[int] = Counter()
    ratings: dict[str, int] = {str(i): 0 for i in range(1, 6)}
    counted = (
        sa_select(col(Visit.service_date), col(Visit.rating))
        .join(Need, col(Need.id) == col(Visit.need_id))
        .where(*_counted_visits(year, scope))
    )
    for service_date, rating in session.execute(counted).all():
        # a visit counts in its service year (Visit.year); one served early in the next year (the unit's period
        # ran over New Year) goes in December, so that the months add up to the year's visits
        visits_by_month[service_date.month if service_date.year == year else 12] += 1
        if rating is not None:
            ratings[str(rating)] = ratings.get(str(rating), 0) + 1
    liaisons = liaison_report(session=session, viewer=viewer, year=year).total
    concerns = department_report(session=session, viewer=viewer, year=year).total
    return DashboardSummary(
        year=year,
        district=scope,
        needs_posted=report.total.needs_posted,
        visits_done=report.total.visits_done,
        people_trained=report.total.people_trained,
        mean_rating=report.total.mean_rating,
        by_district=[
            DistrictCount(
                district=r.district, district_name=r.district_name, needs=r.needs_posted, visits=r.visits_done
            )
            for r in report.rows
        ],
        by_month=[MonthCount(month=m, needs=needs_by_month[m], visits=visits_by_month[m]) for m in range(1, 13)],
        rating_distribution=ratings,
        liaison=LiaisonCompliance(
            pairs=liaisons.pairs,
            contacted_recently=liaisons.contacted_recently,
            not_contacted=liaisons.not_contacted,
            rate=liaisons.compliance_rate,
        ),
        concerns=ConcernSummary(
            total=concerns.total,
            answered=concerns.answered,
            answered_on_time=concerns.answered_on_time,
            overdue_open=concerns.overdue_open,
        ),
    )


# ---- sheets for the .xlsx exports ----------------------------------------------------------------------------

DISTRICT_HEADERS = [
    "区县",
    "发布需求数",
    "已对接需求数",
    "已完成需求数",
    "有效服务次数",
    "服务天数",
    "培训人数",
    "平均评分",
    "参与专家人数",
]
DEPARTMENT_HEADERS = ["承办部门", "诉求总数", "应答复", "已答复", "按期答复", "超期未答复", "按期答复率"]
LIAISON_HEADERS = ["领导", "职级", "联系专家数", "近期已联系", "超期未联系", "本年联系次数", "诉求件数", "联系达标率"]


def district_sheet(report: DistrictReport) -> list[list[object]]:
    """Rows for the district report workbook (the total last)."""
    return [
        [
            r.district_name,
            r.needs_posted,
            r.needs_filled,
            r.needs_done,
            r.visits_done,
            r.service_days,
            r.people_trained,
            r.mean_rating,
            r.experts_engaged,
        ]
        for r in [*report.rows, report.total]
    ]


def department_sheet(report: DepartmentReport) -> list[list[object]]:
    """Rows for the department report workbook (the total last)."""
    return [
        [r.department, r.total, r.due, r.answered, r.answered_on_time, r.overdue_open, _percent(r.on_time_rate)]
        for r in [*report.rows, report.total]
    ]


def liaison_sheet(report: LiaisonReport) -> list[list[object]]:
    """Rows for the liaison report workbook (the total last)."""
    return [
        [
            r.leader_name,
            r.rank,
            r.pairs,
            r.contacted_recently,
            r.not_contacted,
            r.contacts_in_year,
            r.concerns_raised,
            _percent(r.compliance_rate),
        ]
        for r in [*report.rows, report.total]
    ]


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"
