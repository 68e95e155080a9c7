"""Search: 100,000 synthetic needs in the embedded backend, in process and over HTTP, beside plain SQL LIKE.

In process: index time, then per query the latency (wall and CPU ms) of the backend with the four facets the
API asks for, cold (the per-process cache of query words' matches off) and warm, and of a LIKE search over the
same rows. Over HTTP: the real app (uvicorn, 1 and 2 workers) on loopback with an official's token, loaded by
`wrk` (16 concurrent keep-alive connections, closed loop) over a mix of queries; beside it a bare FastAPI
endpoint answering the same mix with LIKE (total, four facets by GROUP BY, page of 20 newest; no auth, no
highlights). Sizes: ZHIQIAO_BENCH_NEEDS (100,000), ZHIQIAO_BENCH_HTTP_SECONDS per run (20; LIKE: a quarter).
The HTTP part needs `wrk` (Debian: `apt-get install wrk`) and is skipped with a printed reason without it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from matching.text import normalize
from search.analysis import WORD_RUN, analyse_run
from search.embedded import EmbeddedBackend
from search.query import SearchQuery
from tests.benchmarks.table import print_table

N_NEEDS = int(os.environ.get("ZHIQIAO_BENCH_NEEDS", "100000"))
REPEATS = 25
HTTP_CLIENTS = 16
HTTP_SECONDS = int(os.environ.get("ZHIQIAO_BENCH_HTTP_SECONDS", "20"))
WARM_UP_SECONDS = 3
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
    index_cpu_seconds: float = 0.0


def build_needs_index(n: int, path: str | Path) -> NeedsIndex:
    """Write `n` synthetic needs into an embedded index at `path` (emptied first), timing the indexing."""
    documents = synthetic_needs(n)
    backend = EmbeddedBackend(path)
    backend.reset("needs")
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(0, n, BATCH):
        backend.index_documents("needs", documents[i : i + BATCH])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return NeedsIndex(backend, documents, elapsed, Path(path), cpu)


def build_like_table(documents: list[dict[str, Any]], path: Path) -> tuple[sqlite3.Connection, float]:
    """The same rows in a plain SQLite table, searched with LIKE: the baseline."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE needs (id INTEGER PRIMARY KEY, title TEXT, description TEXT, unit_name TEXT, "
        "district TEXT, field TEXT, service_type TEXT, status TEXT, created_at TEXT)"
    )
    started = time.perf_counter()
    con.executemany(
        "INSERT INTO needs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d["id"],
                d["title"],
                d["description"],
                d["unit_name"],
                d["district"],
                d["field"],
                d["service_type"],
                d["status"],
                d["created_at"],
            )
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


def _latency(fn: Callable[[], object]) -> tuple[float, float, float]:
    """Wall p50, wall p95 and CPU p50 in ms (CPU time shows the work when others load the machine)."""
    fn()  # warm the page cache
    times, cpu = [], []
    for _ in range(REPEATS):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], statistics.median(cpu)


def _uncached_analysis(documents: list[dict[str, Any]]) -> list[object]:
    """Segmenting without the per-run cache (which synthetic text, built from few clauses, flatters)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for doc in documents:
        for name in ("title", "description", "unit_name"):
            for run in WORD_RUN.findall(normalize(doc[name])):
                analyse_run.__wrapped__(run)
    elapsed = time.perf_counter() - started
    label = f"analysis only, run cache off ({len(documents):,} docs)"
    return [label, elapsed, time.process_time() - cpu_started, len(documents) / elapsed]


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


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
    ("猕候桃", None),  # a pinyin slip: searched as typed, mended (search.spelling), searched again
    ("", "510104"),  # browse a district, newest first
]
FACETS = ("district", "status", "service_type", "field")


# The HTTP mix: what officials type and click (the API always asks for the four facets).
HTTP_MIX: list[dict[str, str]] = [
    {"q": "猕猴桃"},
    {"q": "溃疡病"},
    {"q": "猕猴桃 溃疡"},
    {"q": "智慧农业 培训"},
    {"q": "无人机", "district": "510131"},
    {"q": "技术"},
    {"q": "乡村旅游", "status": "open"},
    {"q": "食品安全 培训"},
    {"q": "人才短缺", "service_type": "人才培训"},
    {"q": "处理"},
    {"q": "桃"},
    {"q": "", "district": "510104"},
    {"q": "", "sort": "newest"},
    {"q": "生猪 粪污", "page": "2"},
    {"q": "心理健康", "date_from": "2023-01-01", "date_to": "2023-12-31"},
    {"q": "zhihui"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(target: list[str], env: dict[str, str], workers: int) -> Iterator[str]:
    """A uvicorn subprocess on loopback serving `target`; killed (its whole process group) on exit."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {' '.join(command)}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 120 s")
            time.sleep(0.3)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


def http_mix(n_generated: int = 200, seed: int = SEED) -> list[dict[str, str]]:
    """HTTP_MIX plus `n_generated` seeded queries built from the same word lists (two words, filters, pages)."""
    rng = random.Random(seed)
    mix = list(HTTP_MIX)
    for _ in range(n_generated):
        first = rng.choice(CROPS + TOPICS)
        params = {"q": first + (" " + rng.choice(PROBLEMS + ACTIONS) if rng.random() < 0.6 else "")}
        extra = rng.random()
        if extra < 0.25:
            params["district"] = rng.choice(DISTRICT_CODES)
        elif extra < 0.4:
            params["service_type"] = rng.choice(SERVICE_TYPES)
        elif extra < 0.5:
            params["sort"] = "newest"
        if rng.random() < 0.2:
            params["page"] = str(rng.randrange(2, 4))
        mix.append(params)
    return mix


_WRK_SCRIPT = """
local paths = {%(paths)s}
local auth = %(auth)s
local at = 0
init = function(args) at = tonumber(args[1]) or 0 end
request = function()
  at = at + 1
  local headers = {}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("GET", paths[(at %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%.3f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(base: str, path: str, mix: list[dict[str, str]], auth: str, seconds: int, script: Path) -> list[object]:
    """Drive `base + path` over `mix` with wrk (HTTP_CLIENTS connections, 2 threads) after an untimed warm-up;
    [requests, errors, p50, p95, p99, req/s] (latency in ms, per request, from wrk's histogram)."""
    paths = ", ".join(_lua_string(f"{path}?{urlencode(params)}") for params in mix)
    script.write_text(_WRK_SCRIPT % {"paths": paths, "auth": _lua_string(auth)}, encoding="utf-8")
    command = [
        "wrk",
        "-t2",
        f"-c{HTTP_CLIENTS}",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base,
        "--",
        str(random.randrange(len(mix))),
    ]
    subprocess.run([*command[:1], f"-d{WARM_UP_SECONDS}s", *command[1:]], check=True, capture_output=True)
    out = subprocess.run([*command[:1], f"-d{seconds}s", *command[1:]], check=True, capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    requests, errors, duration, p50, p95, p99 = line.split()[1:]
    return [int(requests), int(errors), float(p50), float(p95), float(p99), int(requests) / float(duration)]


def _app_database(path: Path) -> tuple[str, str, str]:
    """A migrated SQLite database for the app with one city official: (url, username, password)."""
    from sqlmodel import Session

    from service.db import make_engine
    from service.domain.accounts import create_account
    from service.migrate import upgrade
    from service.vocab import Role

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        create_account(session=session, username="bench-city", password="bench-pass-2024", role=Role.city_official)
        session.commit()
    engine.dispose()
    return url, "bench-city", "bench-pass-2024"


def like_app() -> Any:
    """A bare FastAPI app answering the HTTP mix with LIKE over ZHIQIAO_BENCH_LIKE_DB (the baseline)."""
    from fastapi import FastAPI

    path = os.environ["ZHIQIAO_BENCH_LIKE_DB"]
    local = threading.local()
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/search")
    def search(
        q: str = "",
        district: str | None = None,
        status: str | None = None,
        service_type: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        sort: str = "relevance",
        page: int = 1,
    ) -> dict[str, Any]:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = sqlite3.connect(path, check_same_thread=False)
        where, params = [], []
        for word in q.split():
            where.append("(title LIKE ? OR description LIKE ? OR unit_name LIKE ?)")
            params += [f"%{word}%"] * 3
        for name, value in (("district", district), ("status", status), ("service_type", service_type)):
            if value:
                where.append(f"{name} = ?")
                params.append(value)
        if date_from:
            where.append("created_at >= ?")
            params.append(date_from)
        if date_to:
            where.append("created_at < date(?, '+1 day')")
            params.append(date_to)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        facets: dict[str, dict[str, int]] = {n: {} for n in ("district", "field", "service_type", "status")}
        total = 0
        for *values, n in con.execute(
            f"SELECT district, field, service_type, status, count(*) FROM needs{clause} GROUP BY 1, 2, 3, 4", params
        ):
            total += n
            for name, value in zip(facets, values, strict=True):
                facets[name][value] = facets[name].get(value, 0) + n
        rows = con.execute(
            f"SELECT id, title, description, unit_name, district, field, service_type, status, created_at "
            f"FROM needs{clause} ORDER BY created_at DESC LIMIT 20 OFFSET ?",
            [*params, (page - 1) * 20],
        ).fetchall()
        keys = ("id", "title", "description", "unit_name", "district", "field", "service_type", "status", "created_at")
        return {"hits": [dict(zip(keys, r, strict=True)) for r in rows], "total": total, "facets": facets}

    return app


def run_http(built: NeedsIndex, tmp: Path) -> None:
    """The real app and the LIKE baseline over HTTP under HTTP_CLIENTS concurrent connections (wrk)."""
    if shutil.which("wrk") is None:
        print("HTTP part skipped: wrk is not installed (Debian: apt-get install wrk)")
        return
    built.backend.close()
    url, username, password = _app_database(tmp / "app.sqlite")
    like_db = tmp / "like-http.sqlite"
    build_like_table(built.documents, like_db)[0].close()
    env = {
        "ZHIQIAO_DATABASE_URL": url,
        "ZHIQIAO_SEARCH_DB_PATH": str(built.path),
        "ZHIQIAO_SEARCH_SYNC_INTERVAL_SECONDS": "0",
        "ZHIQIAO_VAR_DIR": str(tmp / "var"),
        "ZHIQIAO_BENCH_LIKE_DB": str(like_db),
    }
    mix, script = http_mix(), tmp / "mix.lua"
    rows = []
    for workers, cache_mb in ((1, "32"), (2, "32"), (2, "0")):
        with _server(["service.main:app"], {**env, "ZHIQIAO_SEARCH_MATCH_CACHE_MB": cache_mb}, workers) as base:
            token = httpx.post(
                f"{base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30
            ).json()["access_token"]
            label = f"app, {workers} worker(s)" + ("" if cache_mb != "0" else ", word cache off")
            result = _wrk(base, "/api/v1/search/needs", mix, f"Bearer {token}", HTTP_SECONDS, script)
            rows.append([label, *result, _loadavg()])
    for workers in (1, 2):
        with _server(["tests.benchmarks.bench_search:like_app", "--factory"], env, workers) as base:
            result = _wrk(base, "/search", mix, "", max(5, HTTP_SECONDS // 4), script)
            rows.append([f"LIKE endpoint, {workers} worker(s)", *result, _loadavg()])
    print_table(
        f"HTTP on loopback: wrk, {HTTP_CLIENTS} concurrent keep-alive connections over {len(mix)} queries, "
        f"{HTTP_SECONDS} s after {WARM_UP_SECONDS} s warm-up ({len(built.documents):,} needs; app: "
        "GET /api/v1/search/needs with 4 facets and highlights; target p95 <= 30 ms)",
        ["server", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s", "loadavg after"],
        rows,
    )


def run() -> None:
    """Index N_NEEDS synthetic needs, then time each query in the embedded backend and with LIKE."""
    with tempfile.TemporaryDirectory(prefix="zhiqiao-bench-search-") as tmp:
        built = build_needs_index(N_NEEDS, Path(tmp) / "search.sqlite")
        size_mb = built.path.stat().st_size / 1e6
        like, like_seconds = build_like_table(built.documents, Path(tmp) / "like.sqlite")
        like_mb = Path(tmp, "like.sqlite").stat().st_size / 1e6
        print_table(
            f"Indexing {N_NEEDS:,} synthetic needs (batches of {BATCH:,}; loadavg {_loadavg()})",
            ["store", "seconds", "CPU s", "docs/s", "file MB"],
            [
                ["embedded FTS5", built.index_seconds, built.index_cpu_seconds, N_NEEDS / built.index_seconds, size_mb],
                ["plain table for LIKE", like_seconds, "", N_NEEDS / like_seconds, like_mb],
                [*_uncached_analysis(built.documents[:5000]), ""],
            ],
        )
        cold = EmbeddedBackend(built.path, match_cache_bytes=0)
        rows = []
        for q, district in QUERIES:
            filters = {"district": district} if district else {}
            sort = "relevance" if q else "newest"
            query = SearchQuery(q=q, filters=filters, sort=sort, facets=list(FACETS))
            total = built.backend.search("needs", query).total
            like_total, _ = like_search(like, q, district)
            without_cache = _latency(partial(cold.search, "needs", query))
            with_cache = _latency(partial(built.backend.search, "needs", query))
            base = _latency(partial(like_search, like, q, district))
            label = (q or "(empty)") + (f" @{district}" if district else "")
            rows.append([label, total, like_total, *without_cache, *with_cache, *base[:2]])
        cold.close()
        print_table(
            f"Search latency in-process with the API's 4 facets, ms over {REPEATS} runs (page of 20 + total + "
            f"facets; cold: word cache off; LIKE: same rows, newest first, no facets; loadavg {_loadavg()})",
            [
                "query",
                "hits",
                "LIKE hits",
                "cold p50",
                "cold p95",
                "cold cpu",
                "warm p50",
                "warm p95",
                "warm cpu",
                "LIKE p50",
                "LIKE p95",
            ],
            rows,
        )
        like.close()
        if os.environ.get("ZHIQIAO_BENCH_HTTP", "1") != "0":
            run_http(built, Path(tmp))
        built.backend.close()
