"""Platform at a city's scale: exports, lists, imports and campaign runs over a synthetic database, with SQL counts.

A SQLite database migrated as the app migrates it is filled with `EXPERTS` experts (specialties and two
documents each from a vocabulary of real fields), `UNITS` units, `NEEDS` needs over two years and `VISITS`
visits in every state (direct inserts: the benchmark times reading, not loading). Then, as the city official,
each operation runs through the same domain functions the API calls; the table gives its median wall time over
`REPEAT` runs (one run for the city-wide campaign) and how many SQL statements it sent. Sizes from
ZHIQIAO_BENCH_PLATFORM_EXPERTS (the rest scale with it).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service import audit, clock
from service.db import make_engine
from service.domain import audit_log, campaigns, experts, needs, visits
from service.exporting import export_experts, export_needs, export_visits
from service.importing import ImportKind, import_file
from service.matcher import MatchIndex
from service.migrate import upgrade
from service.models import Account, Expert, Need, Unit, Visit
from service.models.campaign import CampaignCreate
from service.reference import districts
from service.vocab import Role, VisitStatus
from tests.benchmarks.table import print_table
from tests.service.fixtures_excel import EXPERT_HEADERS, csv_bytes, expert_row, grid
from tests.statements import counted_statements

EXPERTS = int(os.environ.get("ZHIQIAO_BENCH_PLATFORM_EXPERTS", "10000"))
UNITS, NEEDS, VISITS = EXPERTS * 3 // 10, EXPERTS * 2, EXPERTS * 3
REPEAT = 3
#: experts per imported file
IMPORTED = 2_000

TOPICS = [
    ("210", "猕猴桃溃疡病防控", "果园土壤改良与水肥一体化"),
    ("210", "水稻高产栽培", "稻田病虫害绿色防控"),
    ("230", "生猪规模养殖", "非洲猪瘟防控与猪场生物安全"),
    ("320", "高血压社区管理", "慢性病健康教育"),
    ("560", "桥梁抗震加固", "农村公路养护技术"),
    ("740", "乡村规划编制", "传统村落保护利用"),
    ("880", "职业技能培训", "中小学科学教育"),
    ("630", "电子商务直播", "农产品品牌营销"),
]
STATES = [s.value for s in VisitStatus]


def _fill(engine: Engine, rng: random.Random) -> None:
    codes = list(districts())
    this_year = clock.today().year
    with Session(engine) as session:
        session.execute(
            insert(Unit),
            [
                {"name": f"单位{i}", "kind": "村", "district": rng.choice(codes), "contact_name": ""}
                for i in range(UNITS)
            ],
        )
        rows = []
        for i in range(EXPERTS):
            field, a, b = rng.choice(TOPICS)
            rows.append(
                {
                    "name": f"专家{i}",
                    "employer": f"单位{rng.randrange(UNITS)}" if rng.random() < 0.3 else f"研究院{i % 200}",
                    "title": "研究员",
                    "fields": [field],
                    "field_labels": [],
                    "specialties": f"{a}，{b}",
                    "documents": [{"kind": "项目", "title": a, "text": b}, {"kind": "论文", "title": b, "text": a}],
                    "district": rng.choice(codes),
                    "yearly_capacity": 10,
                    "status": "在库",
                    "available": True,
                    "party_member": False,
                }
            )
        session.connection().execute(insert(Expert), rows)
        rows = []
        for i in range(NEEDS):
            field, a, b = rng.choice(TOPICS)
            start = date(this_year - rng.randrange(2), rng.randrange(1, 13), 1)
            rows.append(
                {
                    "unit_id": rng.randrange(1, UNITS + 1),
                    "title": f"{a}需求{i}",
                    "description": f"希望专家指导{a}和{b}。",
                    "service_type": "技术服务",
                    "field": field,
                    "district": rng.choice(codes),
                    "status": rng.choice(["open", "open", "matched", "in_service", "done", "done", "done"]),
                    "experts_wanted": rng.randrange(1, 4),
                    "wanted_from": start,
                    "wanted_to": start + timedelta(days=60),
                    "review_note": "",
                }
            )
        session.connection().execute(insert(Need), rows)
        pairs = {(rng.randrange(1, NEEDS + 1), rng.randrange(1, EXPERTS + 1)) for _ in range(VISITS)}
        session.execute(
            insert(Visit),
            [
                {
                    "need_id": n,
                    "expert_id": e,
                    "year": this_year - rng.randrange(2),
                    "status": rng.choice(STATES),
                    "origin": "official",
                    "decline_reason": "",
                    "content": "",
                    "technologies": "",
                    "comment": "",
                }
                for n, e in sorted(pairs)
            ],
        )
        session.add(Account(username="city", password_hash="-", role=Role.city_official))
        session.commit()


def _medians(rows: list[list[object]]) -> list[list[object]]:
    """Rows of runs measured in turns (label, seconds, statements) folded into one row per label: the median."""
    labels = list(dict.fromkeys(str(r[0]) for r in rows))
    out = []
    for label in labels:
        runs = [r for r in rows if r[0] == label]
        out.append([label, statistics.median(float(str(r[1])) for r in runs), runs[-1][2]])
    return out


def _time(engine: Engine, action: Callable[[Session], object], repeat: int = REPEAT) -> tuple[float, int]:
    """Median seconds over `repeat` runs, each in a fresh session, and the statements of one run."""
    seconds, statements = [], 0
    for _ in range(repeat):
        with Session(engine) as session, counted_statements(engine) as count:
            started = time.perf_counter()
            action(session)
            seconds.append(time.perf_counter() - started)
            statements = count[0]
    return statements and statistics.median(seconds), statements


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="zhiqiao-bench-platform-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        upgrade(engine)
        started = time.perf_counter()
        _fill(engine, random.Random(2026))
        print(
            f"{EXPERTS:,} experts, {UNITS:,} units, {NEEDS:,} needs, {VISITS:,} visits (filled in "
            f"{time.perf_counter() - started:.1f} s)"
        )
        with Session(engine) as session:
            city = session.exec(select(Account)).one()
            session.expunge(city)
        matcher = MatchIndex()
        with Session(engine) as session:
            started = time.perf_counter()
            matcher.refresh(session)
            print(f"match index built in {time.perf_counter() - started:.1f} s")
        district = next(iter(districts()))
        year = clock.today().year
        rows: list[list[object]] = []

        def measure(label: str, action: Callable[[Session], object], repeat: int = REPEAT) -> None:
            seconds, statements = _time(engine, action, repeat)
            rows.append([label, seconds, statements])

        measure(
            "experts list, first page",
            lambda s: experts.list_experts(
                session=s, viewer=city, filters=experts.ExpertFilters(), limit=20, offset=0, sort=None
            ),
        )
        measure(
            "needs list, first page",
            lambda s: needs.list_needs(
                session=s, viewer=city, filters=needs.NeedFilters(), limit=20, offset=0, sort=None
            ),
        )
        measure(
            "visits list, first page",
            lambda s: visits.list_visits(
                session=s, viewer=city, filters=visits.VisitFilters(), limit=20, offset=0, sort=None
            ),
        )
        measure(
            "export experts.xlsx", lambda s: export_experts(session=s, viewer=city, filters=experts.ExpertFilters())
        )
        measure("export needs.xlsx", lambda s: export_needs(session=s, viewer=city, filters=needs.NeedFilters()))
        measure("export visits.xlsx", lambda s: export_visits(session=s, viewer=city, filters=visits.VisitFilters()))
        for label, where, repeat in (("one district", district, REPEAT), ("city-wide", None, 1)):

            def create_and_run(s: Session, where: str | None = where) -> None:
                made = campaigns.create_campaign(
                    session=s,
                    actor=city,
                    data=CampaignCreate(name=f"基准{time.perf_counter()}", year=year, district=where),
                )
                campaigns.run_campaign(session=s, actor=city, matcher=matcher, campaign_id=made.id)

            measure(f"campaign create + run, {label}", create_and_run, repeat)
        measure(
            "campaign list",
            lambda s: campaigns.list_campaigns(session=s, viewer=city, year=None, limit=20, offset=0, sort=None),
        )
        # imports, each run with a file of its own: new experts, then the same experts with a new title (updates),
        # each record with its 操作记录 row
        batches = iter(range(1, 100))

        def import_experts(s: Session, title: str) -> None:
            first = 10_000_000 + next(batches) // 2 * IMPORTED  # the new-title run repeats the last new file
            lines = grid(EXPERT_HEADERS, [expert_row(first + i, 职称=title) for i in range(IMPORTED)])
            report = import_file(
                session=s, actor=city, kind=ImportKind.experts, content=csv_bytes(lines), filename="专家.csv"
            )
            assert not report.rejected, report.rejected[:3]
            assert report.created + report.updated == IMPORTED

        def unrecorded(s: Session, title: str) -> None:
            with audit.paused():
                import_experts(s, title)

        for _ in range(REPEAT):  # in turns, so that a slower spell of the machine hits both alike
            measure(f"import {IMPORTED:,} new experts", lambda s: import_experts(s, "教授"), 1)
            measure(f"import {IMPORTED:,} experts, title changed", lambda s: import_experts(s, "研究员"), 1)
            measure("  the same without 操作记录: new", lambda s: unrecorded(s, "教授"), 1)
            measure("  the same without 操作记录: changed", lambda s: unrecorded(s, "研究员"), 1)
        rows[-4 * REPEAT :] = _medians(rows[-4 * REPEAT :])
        measure(
            "audit log, first page",
            lambda s: audit_log.list_events(s, audit_log.AuditFilters(entity="expert"), limit=50, offset=0),
        )
        print_table(
            f"Domain operations as the city official (median of {REPEAT}; SQLite; statements of one run)",
            ["operation", "seconds", "SQL statements"],
            rows,
        )
