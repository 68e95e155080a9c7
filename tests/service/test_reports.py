"""考核问效 reports: every number checked against a count made directly in SQL, plus the known answer."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, select

from service import clock
from service.domain.liaisons import add_months
from service.domain.reports import dashboard_summary
from service.models import Concern, Contact, Expert, Leader, Liaison, Need, Visit
from service.reference import district_name
from service.vocab import ConcernStatus, NeedStatus, Role, VisitStatus
from tests.service.world import DISTRICT, OTHER_DISTRICT, World

API = "/api/v1/reports"
CHINA = timezone(timedelta(hours=8))
HOLDS = "('accepted', 'scheduled', 'done', 'confirmed')"


def _calendar() -> tuple[date, int, datetime, datetime]:
    """Today, this year, and the year's window as UTC times."""
    today = clock.today()
    start, end = (datetime(year, 1, 1, tzinfo=CHINA).astimezone(UTC) for year in (today.year, today.year + 1))
    return today, today.year, start, end


TODAY, YEAR, START, END = _calendar()


@pytest.fixture(autouse=True)
def _dates_of_this_test() -> None:
    """The day and year read again as each test starts (before its data is made): read once at import, they went
    stale when a run crossed midnight, and a report asked for after it counted from the next day."""
    global YEAR, TODAY, START, END  # the module's helpers and tests read them
    TODAY, YEAR, START, END = _calendar()


@dataclass
class Ledger:
    third_expert: Expert
    second_leader: Leader


def _need(world: World, title: str, district: str, status: NeedStatus, **extra: Any) -> Need:
    unit = world.unit if district == DISTRICT else world.other_unit
    return Need(unit_id=unit.id or 0, title=title, service_type="技术服务", district=district, status=status, **extra)


def _visit(need: Need, expert: Expert, status: VisitStatus, year: int | None = None, **extra: Any) -> Visit:
    year = YEAR if year is None else year
    return Visit(need_id=need.id or 0, expert_id=expert.id or 0, status=status, year=year, **extra)


def _record(people: int, rating: int | None, day: date | None = None) -> dict[str, Any]:
    return {
        "service_date": day or TODAY,
        "service_days": 1.0,
        "content": "现场指导",
        "people_trained": people,
        "rating": rating,
    }


@pytest.fixture
def ledger(session: Session, world: World) -> Ledger:
    e1, e2 = world.expert, world.other_expert
    e3 = Expert(name="张三", district=DISTRICT, fields=["210"])
    session.add(e3)
    done = _need(world, "需求A", DISTRICT, NeedStatus.done)
    matched = _need(world, "需求B", DISTRICT, NeedStatus.matched)
    old = _need(world, "需求C", DISTRICT, NeedStatus.in_service, created_at=datetime(YEAR - 1, 6, 1, tzinfo=UTC))
    serving = _need(world, "需求D", OTHER_DISTRICT, NeedStatus.in_service)
    finished = _need(world, "需求E", OTHER_DISTRICT, NeedStatus.done)
    session.add_all([done, matched, old, serving, finished])
    session.commit()
    for record in (e3, done, matched, old, serving, finished):
        session.refresh(record)
    session.add_all(
        [
            _visit(done, e1, VisitStatus.confirmed, **_record(30, 5)),
            _visit(done, e3, VisitStatus.confirmed, **_record(10, 4)),
            _visit(matched, e1, VisitStatus.accepted),
            _visit(old, e3, VisitStatus.confirmed, **_record(5, 3)),  # need from last year, service this year
            _visit(serving, e2, VisitStatus.done, **_record(7, None)),  # not confirmed: not counted
            _visit(serving, e3, VisitStatus.confirmed, rating=1),  # no service record: not counted
            _visit(finished, e2, VisitStatus.confirmed, year=YEAR - 1, **_record(0, 2, date(YEAR - 1, 5, 1))),
        ]
    )
    # concerns, all raised through the world's contact
    first_day = date(YEAR, 1, 1)
    base = {"contact_id": world.contact.id, "liaison_id": world.liaison.id, "expert_id": e1.id, "content": "诉求"}
    session.add_all(
        [
            Concern(
                **base,
                category="科研条件",
                department="市科技局",
                raised_on=first_day,
                due_date=first_day + timedelta(30),
                status=ConcernStatus.answered,
                replied_on=first_day + timedelta(29),
            ),
            Concern(
                **base,
                category="项目",
                department="市科技局",
                raised_on=first_day,
                due_date=first_day + timedelta(30),
                status=ConcernStatus.closed,
                replied_on=first_day + timedelta(33),
                satisfaction=3,
            ),
            Concern(**base, category="住房", department="市住建局", raised_on=first_day, due_date=TODAY - timedelta(1)),
            Concern(
                **base, category="住房", department="市住建局", raised_on=first_day, due_date=TODAY + timedelta(10)
            ),
            Concern(**base, category="医疗", department="", raised_on=first_day, due_date=TODAY + timedelta(5)),
            Concern(
                **base,
                category="团队",
                department="市科技局",
                raised_on=date(YEAR - 1, 6, 1),
                due_date=date(YEAR - 1, 7, 1),
            ),
        ]
    )
    # liaisons: a second leader with a pair contacted eight months ago and one never contacted
    leader = Leader(name="周副市长", rank="其他市级", portfolio=["560"])
    session.add(leader)
    session.commit()
    session.refresh(leader)
    stale = Liaison(leader_id=leader.id or 0, expert_id=e2.id or 0, year=YEAR)
    silent = Liaison(leader_id=leader.id or 0, expert_id=e3.id or 0, year=YEAR)
    retired = Liaison(leader_id=leader.id or 0, expert_id=e3.id or 0, year=YEAR - 1)
    session.add_all([stale, silent, retired])
    session.commit()
    session.refresh(stale)
    session.add(Contact(liaison_id=stale.id or 0, date=add_months(TODAY, -8), mode="电话"))
    session.commit()
    return Ledger(e3, leader)


def _sql(session: Session, query: str, **params: Any) -> list[Any]:
    return list(session.execute(text(query), params).all())


def _district_counts(session: Session) -> dict[str, dict[str, Any]]:
    """The district report computed by hand-written SQL, independent of service/domain/reports.py."""
    window = {"start": START, "end": END}
    posted = "n.status <> 'draft' AND n.created_at >= :start AND n.created_at < :end"
    out: dict[str, dict[str, Any]] = {}

    def put(rows: list[Any], *names: str) -> None:
        for row in rows:
            entry = out.setdefault(row[0], {})
            entry.update(dict(zip(names, row[1:], strict=True)))

    put(
        _sql(session, f"SELECT n.district, COUNT(*) FROM need n WHERE {posted} GROUP BY n.district", **window),
        "needs_posted",
    )
    put(
        _sql(
            session,
            f"SELECT n.district, COUNT(*) FROM need n WHERE {posted} AND n.status = 'done' GROUP BY n.district",
            **window,
        ),
        "needs_done",
    )
    put(
        _sql(
            session,
            f"SELECT n.district, COUNT(*) FROM need n WHERE {posted} AND EXISTS "
            f"(SELECT 1 FROM visit v WHERE v.need_id = n.id AND v.status IN {HOLDS}) GROUP BY n.district",
            **window,
        ),
        "needs_filled",
    )
    put(
        _sql(
            session,
            "SELECT n.district, COUNT(*), SUM(v.people_trained), AVG(v.rating), COUNT(DISTINCT v.expert_id) "
            "FROM visit v JOIN need n ON n.id = v.need_id WHERE v.year = :year AND v.status = 'confirmed' "
            "AND v.service_date IS NOT NULL GROUP BY n.district",
            year=YEAR,
        ),
        "visits_done",
        "people_trained",
        "mean_rating",
        "experts_engaged",
    )
    return out


def test_district_report_matches_sql(client: TestClient, session: Session, world: World, ledger: Ledger) -> None:
    answer = client.get(f"{API}/districts", headers=world.headers(Role.city_official))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["year"] == YEAR
    rows = {r["district"]: r for r in report["rows"]}
    expected = _district_counts(session)
    for code, counts in expected.items():
        for name, value in counts.items():
            got = rows[code][name]
            if name == "mean_rating":
                assert got == pytest.approx(float(value), abs=0.01), (code, name)
            else:
                assert got == int(value), (code, name)
    # the known answer, so that a wrong query on both sides cannot pass
    here, there = rows[DISTRICT], rows[OTHER_DISTRICT]
    assert [here[k] for k in ("needs_posted", "needs_filled", "needs_done", "visits_done", "people_trained")] == [
        3,
        2,
        1,
        3,
        45,
    ]
    assert (here["mean_rating"], here["experts_engaged"]) == (4.0, 2)
    assert [there[k] for k in ("needs_posted", "needs_filled", "needs_done", "visits_done")] == [2, 2, 1, 0]
    assert there["mean_rating"] is None
    assert here["district_name"] == "蒲江县"
    total = report["total"]
    assert (total["needs_posted"], total["visits_done"], total["experts_engaged"]) == (5, 3, 2)
    assert len(report["rows"]) > 20  # every district is listed, with zeros where nothing happened


def test_district_officials_see_their_district_only(client: TestClient, world: World, ledger: Ledger) -> None:
    district = world.headers(Role.district_official)
    rows = client.get(f"{API}/districts", headers=district).json()["rows"]
    assert [r["district"] for r in rows] == [DISTRICT]
    assert client.get(f"{API}/districts", params={"district": OTHER_DISTRICT}, headers=district).status_code == 403
    city = client.get(f"{API}/districts", params={"district": "锦江区"}, headers=world.headers(Role.city_official))
    assert [r["district"] for r in city.json()["rows"]] == [OTHER_DISTRICT]
    liaisons = client.get(f"{API}/liaisons", headers=district).json()
    # only pairs whose expert is in the district: the world's pair and the never-contacted one
    assert (liaisons["total"]["pairs"], liaisons["total"]["contacted_recently"]) == (2, 1)
    assert client.get(f"{API}/districts", headers=world.headers(Role.unit)).status_code == 403


def test_department_report_matches_sql(client: TestClient, session: Session, world: World, ledger: Ledger) -> None:
    report = client.get(f"{API}/departments", headers=world.headers(Role.city_official)).json()
    rows = {r["department"]: r for r in report["rows"]}
    sql = _sql(
        session,
        "SELECT department, COUNT(*), "
        "SUM(CASE WHEN status IN ('answered', 'closed') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status IN ('answered', 'closed') AND replied_on <= due_date THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'open' AND due_date < :today THEN 1 ELSE 0 END) "
        "FROM concern WHERE raised_on >= :start AND raised_on < :end GROUP BY department",
        today=TODAY,
        start=date(YEAR, 1, 1),
        end=date(YEAR + 1, 1, 1),
    )
    assert len(sql) == len(rows)
    for department, total, answered, on_time, overdue in sql:
        row = rows[department or "未指定承办部门"]
        assert [row["total"], row["answered"], row["answered_on_time"], row["overdue_open"]] == [
            int(total),
            int(answered),
            int(on_time),
            int(overdue),
        ]
    assert [rows["市科技局"][k] for k in ("total", "answered", "answered_on_time", "overdue_open")] == [2, 2, 1, 0]
    assert [rows["市住建局"][k] for k in ("total", "answered", "answered_on_time", "overdue_open")] == [2, 0, 0, 1]
    assert rows["市科技局"]["on_time_rate"] == 0.5
    assert report["total"]["total"] == 5
    # the on-time rate is over the concerns already due: answered ones and open ones past their due date; one
    # still open before its due date (市住建局's second, the unassigned one) has not yet failed
    assert [(r["due"], r["on_time_rate"]) for r in (rows["市科技局"], rows["市住建局"], rows["未指定承办部门"])] == [
        (2, 0.5),
        (1, 0.0),
        (0, None),
    ]
    assert (report["total"]["due"], report["total"]["on_time_rate"]) == (3, round(1 / 3, 4))


def test_liaison_report_matches_sql(client: TestClient, session: Session, world: World, ledger: Ledger) -> None:
    report = client.get(f"{API}/liaisons", headers=world.headers(Role.city_official)).json()
    since = add_months(TODAY, -6)
    assert report["since"] == since.isoformat()
    sql = _sql(
        session,
        "SELECT l.leader_id, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM contact c WHERE c.liaison_id = l.id "
        "AND c.date >= :since) THEN 1 ELSE 0 END) FROM liaison l WHERE l.year = :year AND l.active "
        "GROUP BY l.leader_id",
        since=since,
        year=YEAR,
    )
    rows = {r["leader_id"]: r for r in report["rows"]}
    assert {leader: (int(pairs), int(recent)) for leader, pairs, recent in sql} == {
        k: (r["pairs"], r["contacted_recently"]) for k, r in rows.items()
    }
    assert (rows[world.leader.id]["pairs"], rows[world.leader.id]["contacted_recently"]) == (1, 1)
    second = rows[ledger.second_leader.id]
    # 超期未联系 counts the pairs the liaison list flags: the stale one; the silent one was made today and has
    # six months for its first contact. 联系达标率 is the share not overdue.
    assert (second["pairs"], second["contacted_recently"], second["not_contacted"]) == (2, 0, 1)
    assert (report["total"]["pairs"], report["total"]["contacted_recently"]) == (3, 1)
    assert report["total"]["compliance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    flagged = client.get(
        "/api/v1/liaisons", params={"year": YEAR, "overdue": True}, headers=world.headers(Role.city_official)
    )
    assert flagged.json()["count"] == report["total"]["not_contacted"]


def test_a_past_years_liaison_report_is_read_as_of_its_31_december(
    client: TestClient, session: Session, world: World, ledger: Ledger
) -> None:
    """Read a year later it would otherwise sink towards 0%: every contact of that year is older than six months
    by then."""
    [retired] = session.exec(select(Liaison).where(Liaison.year == YEAR - 1)).all()
    session.add(Contact(liaison_id=retired.id or 0, date=date(YEAR - 1, 12, 1), mode="走访慰问"))
    session.commit()
    report = client.get(f"{API}/liaisons", params={"year": YEAR - 1}, headers=world.headers(Role.city_official))
    assert report.json()["since"] == date(YEAR - 1, 6, 30).isoformat()
    total = report.json()["total"]
    assert (total["pairs"], total["contacted_recently"], total["not_contacted"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("path", "first_header"),
    [("districts.xlsx", "区县"), ("departments.xlsx", "承办部门"), ("liaisons.xlsx", "领导")],
)
def test_workbooks_carry_the_report(
    client: TestClient, world: World, ledger: Ledger, path: str, first_header: str
) -> None:
    city = world.headers(Role.city_official)
    answer = client.get(f"{API}/{path}", headers=city)
    assert answer.status_code == 200, answer.text
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][0] == first_header
    report = client.get(f"{API}/{path.removesuffix('.xlsx')}", headers=city).json()
    assert len(table) == len(report["rows"]) + 2  # header and total
    assert table[-1][0] == "合计"
    if path == "districts.xlsx":
        names = {row[0]: row for row in table[1:]}
        assert names[district_name(DISTRICT)][1:5] == [3, 2, 1, 3]


def test_dashboard_summary_agrees_with_reports(
    client: TestClient, session: Session, world: World, ledger: Ledger
) -> None:
    city = world.accounts[Role.city_official]
    summary = dashboard_summary(session=session, viewer=city)
    assert (summary.year, summary.district, summary.needs_posted, summary.visits_done) == (YEAR, None, 5, 3)
    assert summary.rating_distribution == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert sum(m.visits for m in summary.by_month) == 3
    assert summary.by_month[TODAY.month - 1].visits == 3
    assert sum(m.needs for m in summary.by_month) == 5
    here = next(d for d in summary.by_district if d.district == DISTRICT)
    assert (here.needs, here.visits) == (3, 3)
    assert (summary.liaison.pairs, summary.liaison.contacted_recently) == (3, 1)
    assert (summary.concerns.total, summary.concerns.overdue_open) == (5, 1)
    local = dashboard_summary(session=session, viewer=world.accounts[Role.district_official])
    assert [d.district for d in local.by_district] == [DISTRICT]
    assert local.needs_posted == 3
