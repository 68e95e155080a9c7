"""Search: index 100,000 synthetic needs in the embedded backend; query latency beside a plain SQL LIKE search.

`build_needs_index(n, path)` is reusable (e.g. for an HTTP benchmark against the API): it writes the
synthetic needs into an embedded index file and returns the backend, the documents and the time taken.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from search.embedded import EmbeddedBackend
from search.query import SearchQuery
from tests.benchmarks.table import print_table

N_NEEDS = int(os.environ.get("ZHIQIAO_BENCH_NEEDS", "100000"))
REPEATS = 25
BATCH = 2_000
SEED = 20240601

CROPS = "猕猴桃 柑橘 水稻 玉米 茶叶 生猪 肉牛 蔬菜 食用菌 中药材 花椒 枇杷 葡萄 草莓 油菜 小麦 竹笋 蜂蜜".split()
PROBLEMS = (
    "溃疡病 黄龙病 稻瘟病 根腐病 病虫害 土壤酸化 连作障碍 品质下降 产量不稳 粪污处理 冷链保鲜 品牌营销 "
    "销售渠道 设备老化 技术断档 人才短缺"
).split()
TOPICS = (
    "智慧农业 物联网 大数据 人工智能 电子商务 直播带货 乡村旅游 社区养老 中医药 食品安全 污水处理 垃圾分类 "
    "无人机植保 数字乡村 基层治理 心理健康 应急管理 文化传承 新能源 工业互联网 在建工程 安全生产"
).split()
ACTIONS = "技术指导 专家咨询 现场培训 难题攻关 政策宣讲 方案设计 诊断评估 示范推广".split()
PLACES = (
    "锦江区 青羊区 金牛区 武侯区 成华区 龙泉驿区 青白江区 新都区 温江区 双流区 郫都区 新津区 "
    "金堂县 大邑县 蒲江县 都江堰市 彭州市 邛崃市 崇州市 简阳市 高新区 天府新区 东部新区"
).split()
UNIT_KINDS = "农业农村局 街道办事处 社区居委会 村委会 中心小学 卫生院 产业园区 合作社 科技局".split()
DISTRICT_CODES = [
    *[f"5101{n:02d}" for n in (4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 21, 29, 31, 81, 82, 83, 84, 85)],
    "GX",
    "TF",
    "DB",
]
FIELDS = "110 120 140 150 180 210 220 230 240 310 320 360 410 413 416 420 520 580 610 630 710 790 840 880".split()
SERVICE_TYPES = ("技术服务", "科技推广", "项目攻关", "人才培训", "巡回宣讲")
STATUSES = ("open",) * 5 + ("submitted", "matched", "in_service", "done", "done", "withdrawn", "draft")

SENTENCES = (
    "{place}{unit}近年来{crop}种植面积扩大，但{problem}问题突出，急需专家开展{action}。",
    "希望围绕{topic}提供{action}，帮助解决{problem}等实际困难。",
    "我单位计划引进{topic}相关技术，需要专家协助制定方案并培训骨干人员。",
    "去年{crop}因{problem}减产约三成，群众反映强烈。",
    "服务对象约{people}人，要求专家{days}天内到现场。",
    "前期已与高校对接，但缺少懂{topic}的专业人才长期指导。",
)


def synthetic_needs(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`n` seeded needs whose text is stitched from domain word lists."""
    rng = random.Random(seed)
    start = dt.datetime(2022, 1, 1)
    out = []
    for i in range(n):
        words: dict[str, Any] = {
            "place": rng.choice(PLACES),
            "unit": rng.choice(UNIT_KINDS),
            "crop": rng.choice(CROPS),
            "problem": rng.choice(PROBLEMS),
            "topic": rng.choice(TOPICS),
            "action": rng.choice(ACTIONS),
            "people": rng.randrange(20, 800),
            "days": rng.randrange(3, 30),
        }
        description = "".join(s.format(**words) for s in rng.sample(SENTENCES, rng.randrange(2, 5)))
        title_subject = words["crop"] + words["problem"] if rng.random() < 0.6 else words["topic"]
        created = start + dt.timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        wanted = created.date() + dt.timedelta(days=rng.randrange(7, 90)) if rng.random() < 0.7 else None
        out.append(
            {
                "id": i + 1,
                "title": f"{title_subject}{words['action']}",
                "description": description,
                "unit_name": f"{words['place']}{words['unit']}",
                "service_type": rng.choice(SERVICE_TYPES),
                "field": rng.choice(FIELDS),
                "district": rng.choice(DISTRICT_CODES),
                "status": rng.choice(STATUSES),
                "created_at": created.isoformat(timespec="seconds"),
                "wanted_from": wanted.isoformat() if wanted else None,
                "wanted_to": (wanted + dt.timedelta(days=30)).isoformat() if wanted else None,
            }
        )
    return out


@dataclass
class NeedsIndex:
    """An embedded index of synthetic needs and how long indexing took."""

    backend: EmbeddedBackend
    documents: list[dict[str, Any]]
    index_seconds: float
    path: Path


def build_needs_index(n: int, path: str | Path) -> NeedsIndex:
    """Write `n` synthetic needs into an embedded index at `path` (emptied first), timing the indexing."""
    documents = synthetic_needs(n)
    backend = EmbeddedBackend(path)
    backend.reset("needs")
    started = time.perf_counter()
    for i in range(0, n, BATCH):
        backend.index_documents("needs", documents[i : i + BATCH])
    return NeedsIndex(backend, documents, time.perf_counter() - started, Path(path))


def build_like_table(documents: list[dict[str, Any]], path: Path) -> tuple[sqlite3.Connection, float]:
    """The same rows in a plain SQLite table, searched with LIKE: the baseline."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE needs (id INTEGER PRIMARY KEY, title TEXT, description TEXT, unit_name TEXT, "
        "district TEXT, status TEXT, created_at TEXT)"
    )
    started = time.perf_counter()
    con.executemany(
        "INSERT INTO needs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (d["id"], d["title"], d["description"], d["unit_name"], d["district"], d["status"], d["created_at"])
            for d in documents
        ],
    )
    con.execute("CREATE INDEX needs_created ON needs (created_at)")
    con.commit()
    return con, time.perf_counter() - started


def like_search(con: sqlite3.Connection, q: str, district: str | None) -> tuple[int, list[int]]:
    """Every whitespace-separated word somewhere in the text (LIKE '%w%'), newest first: total and a page."""
    where, params = [], []
    for word in q.split():
        where.append("(title LIKE ? OR description LIKE ? OR unit_name LIKE ?)")
        params += [f"%{word}%"] * 3
    if district:
        where.append("district = ?")
        params.append(district)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = con.execute(f"SELECT count(*) FROM needs{clause}", params).fetchone()[0]
    page = [r[0] for r in con.execute(f"SELECT id FROM needs{clause} ORDER BY created_at DESC LIMIT 20", params)]
    return int(total), page


def _latency(fn: Callable[[], object]) -> tuple[float, float]:
    fn()  # warm the page cache
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


QUERIES: list[tuple[str, str | None]] = [
    ("猕猴桃", None),
    ("溃疡病", None),
    ("猕猴桃 溃疡", None),
    ("处理", None),  # mostly inside 粪污处理 / 污水处理
    ("智慧农业 培训", None),
    ("无人机", "510131"),
    ("技术", None),  # in almost every need
    ("桃", None),  # one character
    ("zhihui", None),  # no match
    ("", "510104"),  # browse a district, newest first
]
FACETS = ("district", "status", "service_type", "field")


def run() -> None:
    """Index N_NEEDS synthetic needs, then time each query in the embedded backend and with LIKE."""
    with tempfile.TemporaryDirectory(prefix="zhiqiao-bench-search-") as tmp:
        built = build_needs_index(N_NEEDS, Path(tmp) / "search.sqlite")
        size_mb = built.path.stat().st_size / 1e6
        like, like_seconds = build_like_table(built.documents, Path(tmp) / "like.sqlite")
        like_mb = Path(tmp, "like.sqlite").stat().st_size / 1e6
        print_table(
            f"Indexing {N_NEEDS:,} synthetic needs (batches of {BATCH:,})",
            ["store", "seconds", "docs/s", "file MB"],
            [
                ["embedded FTS5", built.index_seconds, N_NEEDS / built.index_seconds, size_mb],
                ["plain table for LIKE", like_seconds, N_NEEDS / like_seconds, like_mb],
            ],
        )
        rows = []
        for q, district in QUERIES:
            filters = {"district": district} if district else {}
            sort = "relevance" if q else "newest"
            plain = SearchQuery(q=q, filters=filters, sort=sort)
            faceted = SearchQuery(q=q, filters=filters, sort=sort, facets=list(FACETS))
            total = built.backend.search("needs", plain).total
            like_total, _ = like_search(like, q, district)
            fts = _latency(partial(built.backend.search, "needs", plain))
            fac = _latency(partial(built.backend.search, "needs", faceted))
            base = _latency(partial(like_search, like, q, district))
            label = (q or "(empty)") + (f" @{district}" if district else "")
            rows.append([label, total, like_total, *fts, *fac, *base])
        print_table(
            f"Search latency in-process, ms over {REPEATS} runs (page of 20 + total; LIKE: same rows, newest first)",
            ["query", "hits", "LIKE hits", "fts p50", "fts p95", "+facets p50", "+facets p95", "LIKE p50", "LIKE p95"],
            rows,
        )
        built.backend.close()
        like.close()
