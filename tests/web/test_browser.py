"""End to end in a real Chromium: each role's journey through the pages of a live server, with screenshots.

Runs Debian's /usr/bin/chromium through Playwright against uvicorn on 127.0.0.1 (a free port) and a temporary
SQLite database seeded with the small world of tests/service/world.py plus a few records for the liaison planner
and a concern to rate. The live server always uses its own SQLite file, so the suite runs the same on the SQLite
and the PostgreSQL lane. Screenshots of the main pages at desktop (1280) and phone (375) width go to
tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, SQLModel

import service.models  # noqa: F401  (registers the tables)
from service import clock, config
from service.api.deps import SESSION_COOKIE
from service.db import make_engine
from service.models import Expert, Leader, Liaison, Need
from service.security import create_access_token
from service.vocab import NeedStatus
from tests.service.concerns import answered_concern, raised_concern
from tests.service.world import DISTRICT, PASSWORD, World, make_world

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
# The interface language of the city's users, so that the screenshots show what they see (a date input reads
# 年/月/日, not mm/dd/yyyy): Chromium takes it from LANGUAGE, and draws it only with chromium-l10n installed (a
# context's locale sets only navigator.language and Accept-Language). LANG stays a UTF-8 locale that every
# machine has: under a LANG the C library lacks (zh_CN.UTF-8 here), Chromium names a download "download".
CHROMIUM_ENV = {"LANG": "C.UTF-8", "LANGUAGE": "zh_CN:zh"}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-l10n fonts-wqy-microhei)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "env": {**os.environ, **CHROMIUM_ENV},
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRET_KEY = "browser-tests-" + "k" * 40
YEAR = clock.today().year


def seed_planner_and_concern(session: Session, world: World) -> None:
    """A leader with clinical medicine in their portfolio, three high-tier experts (one paired with them last
    year) for the liaison planner, a reply waiting for the world's expert to rate and a concern to answer; and an
    open kiwi need in another district, which the world's expert is not yet on, for their 为我推荐."""
    session.add(
        Need(
            unit_id=world.other_unit.id or 0,
            title="猕猴桃果园溃疡病冬季清园指导",
            description="社区认领的猕猴桃果园溃疡病发病重，希望专家指导冬季清园和病枝剪除。",
            service_type="技术服务",
            field="210",
            district=world.other_unit.district,
            status=NeedStatus.open,
        )
    )
    chief = Leader(name="钱书记", rank="主要领导", portfolio=["320"])
    experts = [
        Expert(name=name, talent_tier=tier, fields=["320"], specialties=text, district=DISTRICT)
        for name, tier, text in (
            ("院士甲", "院士", "心血管内科临床医学研究"),
            ("领军乙", "国家级领军", "肿瘤临床诊疗与临床医学研究"),
            ("领军丙", "地方级领军", "呼吸内科临床医学"),
        )
    ]
    session.add_all([chief, *experts])
    session.flush()
    session.add(Liaison(leader_id=chief.id or 0, expert_id=experts[1].id or 0, year=YEAR - 1))
    session.add(
        answered_concern(
            world, category="科研条件", content="希望协调实验用地", department="市科技局", reply="已协调试验基地 20 亩"
        )
    )
    session.add(raised_concern(world, category="住房", content="希望解决人才公寓", department="市住建局"))
    session.commit()


@dataclass
class LiveServer:
    base: str
    #: Session cookie per username, signed with the server's key (for journeys that do not test logging in).
    tokens: dict[str, str]


@contextmanager
def run_live_server(
    root: Path, seed: Callable[[Session, World], None] = seed_planner_and_concern
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """uvicorn on a free port over a temporary SQLite database holding the small world plus `seed`'s records
    (not yet waited for: see `wait_for`). The session cookie of each account goes to root/tokens.json."""
    url = f"sqlite:///{root / 'live.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        world = make_world(session)
        seed(session, world)
        accounts = [(a.username, a.id or 0, a.role) for a in world.accounts.values()]
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZHIQIAO_SECRET_KEY", SECRET_KEY)
        config.get_settings.cache_clear()
        tokens = {username: create_access_token(account_id, role) for username, account_id, role in accounts}
    config.get_settings.cache_clear()
    (root / "tokens.json").write_text(json.dumps(tokens))
    port = _free_port()
    env = {
        **os.environ,
        "ZHIQIAO_DATABASE_URL": url,  # its own SQLite file on either test lane
        "ZHIQIAO_SECRET_KEY": SECRET_KEY,
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
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def wait_for(server: subprocess.Popen[bytes], root: Path, base: str) -> LiveServer:
    """The started server, once it answers /healthz."""
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("server did not start:\n" + (root / "server.log").read_text())
        time.sleep(0.2)
    return LiveServer(base=base, tokens=json.loads((root / "tokens.json").read_text()))


@pytest.fixture(scope="session")
def _server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], Path, str]]:
    """uvicorn started on a seeded temporary database (not yet waited for, so Chromium starts meanwhile)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-l10n fonts-wqy-microhei)")
    root = tmp_path_factory.mktemp("live")
    with run_live_server(root) as (server, base):
        yield server, root, base


@pytest.fixture(scope="session")
def live_server(_server_process: tuple[subprocess.Popen[bytes], Path, str]) -> LiveServer:
    """The started server, once it answers /healthz."""
    return wait_for(*_server_process)


@dataclass
class Visitor:
    """One person's browser tab, collecting console errors and taking screenshots."""

    page: Any
    base: str
    tokens: dict[str, str]
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

    def login(self, username: str, next_path: str = "") -> None:
        """Through the login form (Argon2 and all), then to `next_path` or the role's home."""
        self.go(f"/login?next={next_path}" if next_path else "/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def signed_in_as(self, username: str) -> None:
        """The session cookie the login form would set, for journeys that are not about logging in."""
        self.page.context.add_cookies([{"name": SESSION_COOKIE, "value": self.tokens[username], "url": self.base}])

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
def visitor_for(_server_process: object, browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Opens a fresh browser context (its own cookies) per person."""
    contexts = []
    visitors: list[Visitor] = []

    def open_visitor() -> Visitor:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        visitor = Visitor(page=page, base=live_server.base, tokens=live_server.tokens)
        page.on("console", lambda m: visitor.note_console(m))
        page.on("pageerror", lambda e: visitor.errors.append(str(e)))
        visitors.append(visitor)
        return visitor

    yield open_visitor
    for context in contexts:
        context.close()
    assert [e for v in visitors for e in v.errors] == []


NEED_TITLE = "猕猴桃园溃疡病防控与滴灌改造"


def pairs_fit_a_phone(page: Any) -> None:
    """At 375 px every cell of a campaign's pair is on screen (状态 and 调整 too) and the need's title has room."""
    page.set_viewport_size(PHONE)
    cells = page.locator("tr[id^='pair-']").first.locator("td")
    assert cells.count() == 6  # 需求, 专家, 理由, 匹配度, 状态, 调整
    for index in range(cells.count()):
        box = cells.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0, (index, box)
        assert box["x"] + box["width"] <= PHONE["width"], (index, box)
    title = cells.first.bounding_box()
    assert title is not None
    assert title["width"] >= 200, title
    page.set_viewport_size(DESKTOP)


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
    district.login("district", "/official/needs")
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
    pairs_fit_a_phone(district.page)
    district.page.once("dialog", lambda dialog: dialog.accept())
    district.page.get_by_role("button", name="发布方案").click()
    assert "方案已发布" in district.page.locator(".notice").inner_text()
    campaign_url = district.page.url.split("?")[0]

    expert = visitor_for()
    expert.signed_in_as("expert")
    expert.go("/expert")
    recommended = expert.page.locator("a.card-title[href^='/expert/needs/']").all_inner_texts()
    assert "猕猴桃果园溃疡病冬季清园指导" in recommended
    assert NEED_TITLE not in recommended  # an invitation, not offered again as a recommendation
    expert.shoot("expert-home")
    expert.page.locator(".invite", has_text=NEED_TITLE).get_by_role("link", name="查看并答复").click()
    expert.page.get_by_role("button", name="接受邀请").click()
    assert "接受" in expert.page.locator(".notice").inner_text()
    expert.page.get_by_label("开始日期").fill(time.strftime("%Y-%m-%d"))
    expert.page.get_by_role("button", name="保存服务时间").click()
    assert "服务时间已约定" in expert.page.locator(".notice").inner_text()
    assert "约定服务时间" in expert.page.locator(".facts").inner_text()
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


def test_city_plans_liaisons_then_reads_and_exports_the_reports(visitor_for: Any) -> None:
    city = visitor_for()
    city.signed_in_as("city")
    city.go("/official/liaisons")
    city.page.get_by_role("link", name="生成年度联系方案").click()
    # the form opens on the year a plan made today is for (next year from 1 December); the cast is this year's
    assert city.page.get_by_label("年度").input_value() == str(clock.planning_year())
    city.page.get_by_label("年度").fill(str(YEAR))
    city.page.get_by_role("button", name="生成建议方案").click()
    plan = city.page.locator("section.leader-plan", has_text="钱书记")
    assert "延续上年联系" in plan.locator("tr", has_text="领军乙").inner_text()
    assert "临床医学" in plan.locator("tr", has_text="院士甲").inner_text()
    assert "赵市长" in city.page.locator(".short-leaders").inner_text()
    city.shoot("official-liaison-plan")
    plan.get_by_label("领军丙").uncheck()
    city.page.once("dialog", lambda dialog: dialog.accept())
    city.page.get_by_role("button", name="确认勾选的配对").click()
    result = city.page.locator("#confirm-result").inner_text()
    assert "已建立 2 对联系关系" in result
    assert "领军丙" not in result

    city.page.get_by_role("link", name="考核问效").click()
    city.page.get_by_label("区县", exact=True).select_option("510131")
    city.page.get_by_role("button", name="查看").click()
    assert city.page.locator("#report-districts tbody tr").count() == 1
    leaders = city.page.locator("#report-liaisons tbody tr", has_text="钱书记").inner_text()
    assert leaders.split()[:3] == ["钱书记", "主要领导", "2"]
    city.shoot("official-reports")
    with city.page.expect_download() as download:
        city.page.locator("#report-districts").get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert "蒲江县" in download.value.suggested_filename


def test_expert_rates_the_reply_to_a_concern(visitor_for: Any) -> None:
    expert = visitor_for()
    expert.signed_in_as("expert")
    expert.go("/expert/liaison")
    concern = expert.page.locator("li.card", has_text="希望协调实验用地")
    concern.locator("label[title='4 星']").click()
    expert.shoot("expert-liaison")
    concern.get_by_role("button", name="提交评价并办结").click()
    assert "感谢您的评价" in expert.page.locator(".notice").inner_text()
    rated = expert.page.locator("li.card", has_text="希望协调实验用地")
    assert "4 星" in rated.locator(".rating").inner_text()
    assert rated.get_by_role("button", name="提交评价并办结").count() == 0


def test_a_refused_reply_is_explained_on_its_card_with_the_text_and_filter_kept(visitor_for: Any) -> None:
    city = visitor_for()
    city.signed_in_as("city")
    city.page.set_viewport_size(PHONE)
    city.go("/official/concerns?status=open")
    card = city.page.locator("article", has_text="希望解决人才公寓")
    card.get_by_label("答复内容").fill("已" * 2001)
    card.get_by_role("button", name="答复").click()
    city.page.wait_for_load_state()
    assert "status=open" in city.page.url
    card = city.page.locator("article", has_text="希望解决人才公寓")
    summary = card.locator("#error-summary")
    assert "答复不能超过 2000 个字符" in summary.inner_text()
    assert city.page.evaluate("document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert box is not None
    assert 0 <= box["y"] <= PHONE["height"] - box["height"]
    assert len(card.get_by_label("答复内容").input_value()) == 2001
    city.shoot("official-concerns-reply-error")


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


def test_the_password_page_from_the_header_explains_a_mismatch(visitor_for: Any) -> None:
    """Reached from the header at phone width; a refused change keeps the password (nothing is changed here,
    so the other journeys still log in)."""
    expert = visitor_for()
    expert.signed_in_as("expert")
    expert.go("/expert")
    expert.page.set_viewport_size(PHONE)
    expert.page.get_by_role("link", name="修改密码").click()
    expert.page.get_by_label("当前密码").fill(PASSWORD)
    expert.page.locator("#f-new_password").fill("new-secret-41")
    expert.page.get_by_label("再次输入新密码").fill("new-secret-42")
    expert.page.get_by_role("button", name="修改密码").click()
    assert "两次输入的新密码不一致" in expert.page.locator("#f-new_password_again-error").inner_text()
    assert expert.page.get_by_label("当前密码").input_value() == ""
    expert.shoot("password-mismatch")


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
        "official-liaison-plan-desktop",
        "official-reports-phone",
        "expert-liaison-phone",
    ]
    target = REPO / "docs" / "screenshots"
    if os.environ.get("ZHIQIAO_UPDATE_SCREENSHOTS") == "1":
        target.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            source = ARTIFACTS / f"{name}.png"
            if source.exists():
                shutil.copyfile(source, target / f"{name}.png")
