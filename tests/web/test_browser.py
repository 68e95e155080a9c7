"""End to end in a real Chromium: each role's journey through the pages of a live server, with screenshots.

Runs Debian's /usr/bin/chromium through Playwright against uvicorn on 127.0.0.1 (a free port) and a temporary
SQLite database seeded with the small world of tests/service/world.py. Screenshots of the main pages at desktop
(1280) and phone (375) width go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, SQLModel

import service.models  # noqa: F401  (registers the tables)
from service.db import make_engine
from tests.service.world import PASSWORD, make_world

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium fonts-wqy-microhei)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn serving the app on a seeded temporary database; yields its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium fonts-wqy-microhei)")
    root = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{root / 'live.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        make_world(session)
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "ZHIQIAO_DATABASE_URL": url,
        "ZHIQIAO_SECRET_KEY": "browser-tests-" + "k" * 40,
        "ZHIQIAO_VAR_DIR": str(root / "var"),
        "ZHIQIAO_SEARCH_DB_PATH": str(root / "search.db"),
        "ZHIQIAO_SEARCH_SYNC_INTERVAL_SECONDS": "0.5",
        "ZHIQIAO_LOGIN_RATE_LIMIT": "1000/minute",
        "ZHIQIAO_ENVIRONMENT": "development",
    }
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + (root / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@dataclass
class Visitor:
    """One person's browser tab, collecting console errors and taking screenshots."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def note_console(self, message: Any) -> None:
        """Console errors, except Chromium's line for a form page answered 4xx on purpose (e.g. 422)."""
        if message.type != "error":
            return
        document = message.location.get("url") == self.page.url
        expected = re.search(r"status of (401|403|409|422)", message.text)
        if not (document and expected):
            self.errors.append(f"{message.location.get('url')}: {message.text}")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def login(self, username: str) -> None:
        self.go("/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def shoot(self, name: str) -> None:
        """Screenshots at desktop and phone width; at phone width nothing scrolls sideways but tables."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(150)
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
            if label == "phone":
                overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name}: page scrolls sideways by {overflow}px at 375px"
        self.page.set_viewport_size(DESKTOP)

    def kpi(self, name: str) -> str:
        return str(self.page.locator(f'[data-kpi="{name}"]').inner_text()).strip()


@pytest.fixture
def visitor_for(browser: Any, live_server: str) -> Iterator[Any]:
    """Opens a fresh browser context (its own cookies) per person."""
    contexts = []
    visitors: list[Visitor] = []

    def open_visitor() -> Visitor:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        visitor = Visitor(page=page, base=live_server)
        page.on("console", lambda m: visitor.note_console(m))
        page.on("pageerror", lambda e: visitor.errors.append(str(e)))
        visitors.append(visitor)
        return visitor

    yield open_visitor
    for context in contexts:
        context.close()
    assert [e for v in visitors for e in v.errors] == []


NEED_TITLE = "猕猴桃园溃疡病防控与滴灌改造"


def test_need_to_rated_service_across_all_roles(visitor_for: Any) -> None:
    city = visitor_for()
    city.login("city")
    city.go("/official")
    city.page.wait_for_selector("#chart-district .main-svg")
    needs_before = int(city.kpi("needs_posted"))
    counted_before = int(city.kpi("visits_done"))
    city.shoot("official-dashboard")

    unit = visitor_for()
    unit.login("unit")
    unit.shoot("unit-needs")
    unit.go("/unit/needs/new")
    unit.page.get_by_label("需求描述").fill("x" * 10)
    unit.page.get_by_role("button", name="提交审核").click()
    summary = unit.page.locator("#error-summary")
    assert "需求标题为必填项" in summary.inner_text()
    assert "服务类型为必填项" in summary.inner_text()
    unit.shoot("unit-need-form-errors")
    unit.page.get_by_label("需求标题").fill(NEED_TITLE)
    unit.page.get_by_label("需求描述").fill("村里猕猴桃溃疡病多发，希望专家指导溃疡病防控，并改造滴灌。")
    unit.page.get_by_label("服务类型").select_option("技术服务")
    unit.page.get_by_label("所属领域").select_option("210")
    unit.page.get_by_role("button", name="提交审核").click()
    assert "需求已提交" in unit.page.locator(".notice").inner_text()

    district = visitor_for()
    district.login("district")
    district.go("/official/needs")
    district.page.get_by_role("link", name=NEED_TITLE).click()
    district.page.get_by_role("button", name="审核通过").click()
    assert "审核通过" in district.page.locator(".notice").inner_text()
    candidate = district.page.locator("li.candidate", has_text="李果")
    assert "猕猴桃" in candidate.locator(".reasons").inner_text()
    district.shoot("official-match-view")
    district.go("/official/campaigns")
    district.page.get_by_label("活动名称").fill("春季千名专家下基层（蒲江）")
    district.page.get_by_label("需求领域").select_option("210")
    district.page.get_by_label("专家领域").select_option("210")
    district.page.get_by_role("button", name="创建活动").click()
    district.page.get_by_role("button", name="运行匹配").click()
    pair = district.page.locator("tr", has_text=NEED_TITLE)
    assert "李果" in pair.inner_text()
    district.shoot("official-campaign")
    district.page.once("dialog", lambda dialog: dialog.accept())
    district.page.get_by_role("button", name="发布方案").click()
    assert "方案已发布" in district.page.locator(".notice").inner_text()
    campaign_url = district.page.url.split("?")[0]

    expert = visitor_for()
    expert.login("expert")
    expert.shoot("expert-home")
    expert.page.locator(".invite", has_text=NEED_TITLE).get_by_role("link", name="查看并答复").click()
    expert.page.get_by_role("button", name="接受邀请").click()
    assert "接受" in expert.page.locator(".notice").inner_text()
    expert.page.get_by_label("服务日期").fill(time.strftime("%Y-%m-%d"))
    expert.page.get_by_label("服务天数").fill("1")
    expert.page.get_by_label("服务内容").fill("现场讲解溃疡病冬季清园与滴灌布设。")
    expert.page.get_by_label("培训人数").fill("25")
    expert.shoot("expert-visit-record")
    expert.page.get_by_role("button", name="提交服务记录").click()
    assert "服务记录已提交" in expert.page.locator(".notice").inner_text()
    expert.go("/expert/needs?q=猕猴桃")
    expert.page.wait_for_selector(".card-list .card")
    expert.shoot("expert-search")

    unit.go("/unit/needs")
    unit.page.get_by_role("link", name=NEED_TITLE).click()
    unit.page.locator("label[title='5 星']").click()
    unit.page.get_by_label("评价（选填）").fill("讲得清楚，管用。")
    unit.shoot("unit-need-rate")
    unit.page.get_by_role("button", name="确认并评价").click()
    assert "已确认服务" in unit.page.locator(".notice").inner_text()
    assert "5 星" in unit.page.locator(".rating").first.inner_text()

    district.page.goto(campaign_url)
    assert district.kpi("accepted") == "1"

    city.go("/official")
    city.page.wait_for_selector("#chart-month .main-svg")
    assert int(city.kpi("needs_posted")) == needs_before + 1
    assert int(city.kpi("visits_done")) == counted_before + 1


def test_leader_logs_a_contact(visitor_for: Any) -> None:
    leader = visitor_for()
    leader.login("leader")
    leader.shoot("leader-home")
    leader.page.get_by_role("link", name="记录联系 / 登记诉求").first.click()
    leader.page.get_by_label("联系方式").select_option("交流座谈")
    leader.page.get_by_label("联系情况").fill("座谈了解团队建设情况")
    leader.page.get_by_role("button", name="保存").click()
    assert "联系记录已保存" in leader.page.locator(".notice").inner_text()
    assert "座谈了解团队建设情况" in leader.page.content()


def test_script_in_a_title_stays_text_in_the_browser(visitor_for: Any) -> None:
    unit = visitor_for()
    unit.login("unit")
    unit.go("/unit/needs/new")
    unit.page.evaluate("window.__pwned = false")
    unit.page.get_by_label("需求标题").fill("<script>window.__pwned = true</script>灌溉")
    unit.page.get_by_label("服务类型").select_option("人才培训")
    unit.page.get_by_role("button", name="保存草稿").click()
    assert unit.page.locator("h1").inner_text() == "<script>window.__pwned = true</script>灌溉"
    assert unit.page.evaluate("window.__pwned === true") is False
    keyboard_only = unit.page.locator("a, button, input, select, textarea").count()
    assert keyboard_only > 0


def test_login_page_at_phone_width(visitor_for: Any) -> None:
    visitor = visitor_for()
    visitor.go("/login")
    visitor.shoot("login")
    visitor.page.keyboard.press("Tab")
    assert re.search("智桥", visitor.page.title())


@pytest.fixture(scope="session", autouse=True)
def _copy_readme_screenshots() -> Iterator[None]:
    """After the run, refresh the few screenshots the README shows (docs/screenshots/)."""
    yield
    wanted = [
        "official-dashboard-desktop",
        "official-match-view-desktop",
        "official-campaign-desktop",
        "unit-need-form-errors-phone",
        "expert-home-phone",
    ]
    target = REPO / "docs" / "screenshots"
    if os.environ.get("ZHIQIAO_UPDATE_SCREENSHOTS") == "1":
        target.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            source = ARTIFACTS / f"{name}.png"
            if source.exists():
                shutil.copyfile(source, target / f"{name}.png")
