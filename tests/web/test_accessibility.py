"""Accessibility in a real Chromium: axe-core's WCAG 2.1 A/AA rules (and its best practices) over every role's pages.

axe-core comes bundled in the `axe-playwright-python` wheel (injected into the page, nothing fetched from a CDN).
Each role's pages — lists, detail pages in their different states, forms redrawn with errors, the login and error
pages — are checked at desktop (1280) and phone (375) width on a live server of its own, seeded with the small
world of tests/service/world.py plus a record of each state a page draws differently (a visit to schedule, one to
rate, a need to review, a campaign's pairs, the liaison planner's proposal). A serious or critical violation fails
the test; every violation found (of any impact) is written to tests/artifacts/accessibility-<role>.json.

Then the main journeys by keyboard alone (Tab, typing, arrows, Space, Enter; no clicks): post a need, review it,
create, run and publish a campaign, accept a visit and record it, rate it with the stars, log a contact. Each focus
stop must show a focus ring, and → on the stars must choose the star drawn to the right.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from service import clock
from service.api.deps import SESSION_COOKIE
from service.models import Campaign, CampaignPair, Need, Visit
from service.vocab import NeedStatus, VisitStatus
from tests.service.world import DISTRICT, World
from tests.web.test_browser import (  # noqa: F401  (browser_type_launch_args: Debian's Chromium)
    ARTIFACTS,
    CHROMIUM,
    DESKTOP,
    PASSWORD,
    PHONE,
    YEAR,
    browser_type_launch_args,
    run_live_server,
    seed_planner_and_concern,
    wait_for,
)

pytestmark = pytest.mark.browser

#: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, heading order, region).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
AXE = Axe()


def seed_every_state(session: Session, world: World) -> None:
    """The browser journeys' records, plus a need waiting for review, an accepted visit (dates and record forms),
    a done visit for the unit to rate, a confirmed one with its stars, and a campaign with pairs."""
    seed_planner_and_concern(session, world)
    today = clock.today()
    tea = Need(
        unit_id=world.unit.id or 0,
        title="茶园病虫害绿色防控",
        description="茶园小绿叶蝉危害重，希望专家指导绿色防控。",
        service_type="技术服务",
        field="210",
        district=DISTRICT,
        status=NeedStatus.in_service,
        contact_name="张主任",
        contact_phone="13900003333",
    )
    waiting = Need(
        unit_id=world.unit.id or 0,
        title="农村电商人才培训",
        description="希望培训村里的年轻人开网店。",
        service_type="人才培训",
        district=DISTRICT,
        status=NeedStatus.submitted,
    )
    session.add_all([tea, waiting])
    session.flush()
    session.add_all(
        [
            Visit(need_id=tea.id or 0, expert_id=world.expert.id or 0, year=YEAR, status=VisitStatus.accepted),
            Visit(
                need_id=tea.id or 0,
                expert_id=world.other_expert.id or 0,
                year=YEAR,
                status=VisitStatus.confirmed,
                service_date=today - timedelta(days=3),
                service_days=1,
                content="讲解茶园绿色防控技术。",
                people_trained=12,
                rating=4,
                comment="很实用",
            ),
            Visit(
                need_id=world.need.id or 0,
                expert_id=world.other_expert.id or 0,
                year=YEAR,
                status=VisitStatus.done,
                service_date=today - timedelta(days=1),
                service_days=1,
                content="现场查看溃疡病发病情况。",
            ),
        ]
    )
    campaign = Campaign(
        name="春季千名专家下基层（无障碍检查）",
        district=DISTRICT,
        year=YEAR,
        need_ids=[world.need.id or 0, tea.id or 0],
        expert_ids=[world.expert.id or 0, world.other_expert.id or 0],
    )
    session.add(campaign)
    session.flush()
    reasons = {"shared_terms": ["猕猴桃", "溃疡病"], "field_match": True, "district": "same", "text_score": 0.4}
    session.add_all(
        [
            CampaignPair(
                campaign_id=campaign.id or 0,
                need_id=world.need.id or 0,
                expert_id=world.expert.id or 0,
                score=0.8,
                reasons=reasons,
            ),
            CampaignPair(
                campaign_id=campaign.id or 0,
                need_id=tea.id or 0,
                expert_id=world.other_expert.id or 0,
                score=0.3,
                locked=True,
                reasons={"district": "neighbour"},
            ),
        ]
    )
    session.commit()


@dataclass
class Site:
    base: str
    tokens: dict[str, str]
    ids: dict[str, int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A live server of this module's own (its pages are seeded with more states than the journeys need)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-l10n fonts-wqy-microhei)")
    root = tmp_path_factory.mktemp("a11y")
    with run_live_server(root, seed_every_state) as (server, base):
        live = wait_for(server, root, base)
        yield Site(base=live.base, tokens=live.tokens, ids=_ids_of(root))


def _ids_of(root: Path) -> dict[str, int]:
    """The seeded records' ids, read back from the live database by title (the pages' addresses need them)."""
    with closing(sqlite3.connect(root / "live.db")) as db:
        needs = dict(db.execute("SELECT title, id FROM need").fetchall())
        visits = {
            (need, status): visit
            for visit, need, status in db.execute("SELECT id, need_id, status FROM visit").fetchall()
        }
        ids = {
            "need": needs["猕猴桃溃疡病综合防治技术指导"],
            "draft": needs["电商直播培训"],
            "tea": needs["茶园病虫害绿色防控"],
            "waiting": needs["农村电商人才培训"],
            "campaign": db.execute("SELECT id FROM campaign").fetchone()[0],
            "liaison": db.execute("SELECT id FROM liaison ORDER BY id").fetchone()[0],
        }
    ids["proposed_visit"] = visits[(ids["need"], "proposed")]
    ids["accepted_visit"] = visits[(ids["tea"], "accepted")]
    return ids


def _submit(label: str) -> Callable[[Any], None]:
    """An action that presses a form's button with nothing filled in (the page is redrawn with its errors)."""

    def act(page: Any) -> None:
        page.get_by_role("button", name=label, exact=True).click()
        page.wait_for_load_state()

    return act


def _bad_login(page: Any) -> None:
    page.get_by_label("用户名").fill("unit")
    page.get_by_label("密码").fill(PASSWORD + "x")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _decline_without_reason(page: Any) -> None:
    page.get_by_text("婉拒…", exact=True).click()
    page.get_by_role("button", name="确认婉拒").click()
    page.wait_for_load_state()


def _reply_too_long(page: Any) -> None:
    card = page.locator("article", has_text="希望解决人才公寓")
    card.get_by_label("答复内容").fill("已" * 2001)
    card.get_by_role("button", name="答复").click()
    page.wait_for_load_state()


def _import_a_bad_file(page: Any) -> None:
    page.get_by_label("名单类型").select_option("experts")
    csv = "姓名,联系电话\n张三,123\n".encode()
    page.get_by_label("文件").set_input_files({"name": "experts.csv", "mimeType": "text/csv", "buffer": csv})
    page.get_by_label("只检查，不写入").check()
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()


def _charts_drawn(page: Any) -> None:
    page.wait_for_selector("#chart-liaison .main-svg")


Action = Callable[[Any], None] | None


def pages_of(role: str, ids: dict[str, int]) -> list[tuple[str, str, Action]]:
    """(name, path, what to do there before checking) for every page the role opens."""
    i = ids
    if role == "anonymous":
        return [
            ("login", "/login", None),
            ("login-error", "/login", _bad_login),
            ("not-found", "/no-such-page", None),
        ]
    if role == "unit":
        return [
            ("needs", "/unit/needs", None),
            ("need-form", "/unit/needs/new", None),
            ("need-form-errors", "/unit/needs/new", _submit("提交审核")),
            ("need-open", f"/unit/needs/{i['need']}", None),
            ("need-in-service", f"/unit/needs/{i['tea']}", None),
            ("need-draft", f"/unit/needs/{i['draft']}", None),
            ("need-edit", f"/unit/needs/{i['draft']}/edit", None),
            ("password", "/account/password", None),
            ("password-errors", "/account/password", _submit("修改密码")),
            ("forbidden", "/official", None),
        ]
    if role == "expert":
        return [
            ("home", "/expert", None),
            ("needs", "/expert/needs", None),
            ("needs-search", "/expert/needs?q=猕猴桃", None),
            ("need", f"/expert/needs/{i['need']}", None),
            ("need-volunteer", f"/expert/needs/{i['waiting']}", None),
            ("visits", "/expert/visits", None),
            ("visit-proposed", f"/expert/visits/{i['proposed_visit']}", None),
            ("visit-decline-errors", f"/expert/visits/{i['proposed_visit']}", _decline_without_reason),
            ("visit-accepted", f"/expert/visits/{i['accepted_visit']}", None),
            ("visit-record-errors", f"/expert/visits/{i['accepted_visit']}", _submit("提交服务记录")),
            ("liaison", "/expert/liaison", None),
            ("profile", "/expert/profile", None),
        ]
    if role in ("district", "city"):
        shared = [
            ("dashboard", "/official", _charts_drawn),
            ("needs", "/official/needs", None),
            ("need-review", f"/official/needs/{i['waiting']}", None),
            ("need-review-errors", f"/official/needs/{i['waiting']}", _submit("退回修改")),
            ("need-open", f"/official/needs/{i['need']}", None),
            ("need-in-service", f"/official/needs/{i['tea']}", None),
            ("campaigns", "/official/campaigns", None),
            ("campaigns-errors", "/official/campaigns", _submit("创建活动")),
            ("campaign", f"/official/campaigns/{i['campaign']}", None),
            ("reports", "/official/reports", None),
            ("import", "/official/import", None),
            ("import-report", "/official/import", _import_a_bad_file),
        ]
        if role == "district":
            return shared
        return shared + [
            ("liaisons", "/official/liaisons", None),
            ("liaison-plan", "/official/liaisons/plan", None),
            ("liaison-plan-proposal", f"/official/liaisons/plan?year={YEAR}", None),
            ("concerns", "/official/concerns", None),
            ("concerns-reply-errors", "/official/concerns?status=open", _reply_too_long),
            ("audit", "/official/audit", None),
            ("audit-errors", "/official/audit?entity_id=x&date_from=2026-12-09&date_to=2026-12-01", None),
        ]
    assert role == "leader"
    return [
        ("home", "/leader", None),
        ("contact", f"/leader/liaisons/{i['liaison']}/contact", None),
        ("contact-errors", f"/leader/liaisons/{i['liaison']}/contact", _submit("保存")),
        ("concerns", "/leader/concerns", None),
    ]


USERNAMES = {"unit": "unit", "expert": "expert", "district": "district", "city": "city", "leader": "leader"}


def check(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return list(results.response["violations"])


@pytest.mark.parametrize("role", ["anonymous", "unit", "expert", "district", "city", "leader"])
def test_every_page_passes_axe_at_desktop_and_phone_width(site: Site, browser: Any, role: str) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    if role in USERNAMES:
        context.add_cookies([{"name": SESSION_COOKIE, "value": site.tokens[USERNAMES[role]], "url": site.base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: list[dict[str, Any]] = []
    try:
        for name, path, action in pages_of(role, site.ids):
            page.goto(site.base + path)
            if action is not None:
                action(page)
            for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(size)
                for violation in check(page):
                    found.append(
                        {
                            "page": name,
                            "path": path,
                            "width": width,
                            "rule": violation["id"],
                            "impact": violation["impact"],
                            "help": violation["help"],
                            "count": len(violation["nodes"]),
                            "targets": [" ".join(map(str, n["target"])) for n in violation["nodes"]][:10],
                        }
                    )
            page.set_viewport_size(DESKTOP)
    finally:
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"accessibility-{role}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert blocking == [], "\n".join(
        f"{v['page']} ({v['width']}): {v['rule']} [{v['impact']}] ×{v['count']} {v['help']}: {v['targets']}"
        for v in blocking
    )


# ---- keyboard alone -----------------------------------------------------------------------------------------

#: Where the focus is, and whether it can be seen: an outline or a ring drawn by box-shadow.
_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  const label = e.labels && e.labels.length ? e.labels[0] : null;
  const mark = label && label.matches(".star-row label") ? getComputedStyle(label) : null;
  const shown = ring || (mark !== null && mark.outlineStyle !== "none" && parseFloat(mark.outlineWidth) > 0);
  const name = e.id ? "#" + e.id : (e.innerText || e.value || "").trim().slice(0, 30);
  return {tag: e.tagName.toLowerCase(), name: name, shown: shown};
}"""


@dataclass
class Keyboard:
    """Drives a page by Tab, Shift+Tab, typing, arrows, Space and Enter only; records focus it could not see."""

    page: Any
    unseen: list[str]
    presses: int = 0

    def tab_to(self, target: Any, limit: int = 120) -> None:
        """Tab until `target` has the focus, checking at each stop that the focus can be seen."""
        for _ in range(limit):
            if target.evaluate("e => e === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
            self.presses += 1
            focus = self.page.evaluate(_FOCUS)
            if focus is not None and not focus["shown"]:
                self.unseen.append(f"{self.page.url.split('?')[0]}: {focus['tag']} {focus['name']}")
        raise AssertionError(f"{target} not reached by Tab on {self.page.url}")

    def type_into(self, target: Any, text: str) -> None:
        self.tab_to(target)
        self.page.keyboard.type(text)

    def type_date(self, target: Any, day: date) -> None:
        """A date input's year, month and day fields (in the order a zh-CN Chromium draws them), → between."""
        self.tab_to(target)
        for index, part in enumerate((f"{day.year}", f"{day.month:02d}", f"{day.day:02d}")):
            if index:
                self.page.keyboard.press("ArrowRight")
            self.page.keyboard.type(part)
        assert target.input_value() == day.isoformat()

    def choose(self, target: Any, value: str) -> None:
        """A closed <select>: arrow keys step through its options."""
        self.tab_to(target)
        for _ in range(60):
            if target.input_value() == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"option {value} not reached by arrow keys")

    def press(self, target: Any) -> None:
        """Enter on a link or a submit button, then the page it leads to."""
        self.tab_to(target)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


KEYBOARD_NEED = "核桃林下种植技术指导"


def _left(element: Any) -> float:
    box = element.bounding_box()
    assert box is not None
    return float(box["x"])


def test_main_journeys_by_keyboard_alone(site: Site, browser: Any) -> None:
    """Post a need, review it, run and publish a campaign, accept a visit, record it, rate it, log a contact:
    every step by keyboard, every focus stop visible, the star rating's arrow keys going the way the stars do."""
    unseen: list[str] = []

    def person(username: str | None, size: dict[str, int] = DESKTOP) -> Keyboard:
        context = browser.new_context(viewport=size, locale="zh-CN")
        if username:
            context.add_cookies([{"name": SESSION_COOKIE, "value": site.tokens[username], "url": site.base}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return Keyboard(page, unseen)

    # the skip link comes first and shows itself
    unit = person(None, PHONE)
    unit.page.goto(site.base + "/unit/needs")  # → login, the username field has the focus
    unit.page.keyboard.press("Shift+Tab")
    skip = unit.page.get_by_role("link", name="跳到正文")
    unit.tab_to(skip)
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    # a unit logs in and posts a need (at phone width)
    unit.type_into(unit.page.get_by_label("用户名"), "unit")
    unit.type_into(unit.page.get_by_label("密码"), PASSWORD)
    with unit.page.expect_navigation():
        unit.page.keyboard.press("Enter")
    unit.press(unit.page.get_by_role("link", name="发布需求").last)
    unit.type_into(unit.page.get_by_label("需求标题"), KEYBOARD_NEED)
    unit.type_into(unit.page.get_by_label("需求描述"), "村里核桃林下想种中药材，希望专家指导林下种植。")
    unit.choose(unit.page.get_by_label("服务类型"), "技术服务")
    unit.choose(unit.page.get_by_label("所属领域"), "210")
    unit.press(unit.page.get_by_role("button", name="提交审核"))
    assert "需求已提交" in unit.page.locator(".notice").inner_text()

    # the district official reviews it, then runs and publishes a campaign
    district = person("district")
    district.page.goto(site.base + "/official/needs?status=submitted")
    district.press(district.page.get_by_role("link", name=KEYBOARD_NEED))
    district.press(district.page.get_by_role("button", name="审核通过"))
    assert "审核通过" in district.page.locator(".notice").inner_text()
    district.press(district.page.get_by_role("link", name="集中派遣"))
    district.type_into(district.page.get_by_label("活动名称"), "秋季专家下基层（键盘）")
    district.choose(district.page.get_by_label("需求领域"), "210")
    district.press(district.page.get_by_role("button", name="创建活动"))
    district.press(district.page.get_by_role("button", name="运行匹配"))
    assert "匹配完成" in district.page.locator(".notice").inner_text()
    district.page.once("dialog", lambda dialog: dialog.accept())
    district.press(district.page.get_by_role("button", name="发布方案"))
    assert "方案已发布" in district.page.locator(".notice").inner_text()

    # the expert accepts an invitation and records the service
    expert = person("expert")
    expert.page.goto(site.base + "/expert")
    expert.press(expert.page.locator(".invite", has_text=KEYBOARD_NEED).get_by_role("link", name="查看并答复"))
    expert.press(expert.page.get_by_role("button", name="接受邀请"))
    assert "接受" in expert.page.locator(".notice").inner_text()
    today = clock.today()
    expert.type_date(expert.page.get_by_label("服务日期"), today)
    expert.type_into(expert.page.get_by_label("服务天数"), "1")
    expert.type_into(expert.page.get_by_label("服务内容"), "现场讲解林下种植的选种与管护。")
    expert.press(expert.page.get_by_role("button", name="提交服务记录"))
    assert "服务记录已提交" in expert.page.locator(".notice").inner_text()

    # the unit rates it: the arrow keys move along the stars as they are drawn (→ is one star more)
    unit.page.goto(site.base + "/unit/needs")
    unit.press(unit.page.get_by_role("link", name=KEYBOARD_NEED))
    stars = unit.page.locator(".star-row input")
    unit.tab_to(stars.first)  # Tab enters the group on its first radio
    unit.page.keyboard.press("Space")
    checked = unit.page.locator(".star-row input:checked")
    chosen = unit.page.locator(".star-row input:checked + label")
    left_before = _left(chosen)
    unit.page.keyboard.press("ArrowRight")
    assert _left(chosen) > left_before, "→ chose a star further left"
    for _ in range(5):
        if checked.get_attribute("value") == "4":
            break
        unit.page.keyboard.press("ArrowRight")
    assert checked.get_attribute("value") == "4"
    unit.press(unit.page.get_by_role("button", name="确认并评价"))
    assert "已确认服务" in unit.page.locator(".notice").inner_text()

    # a leader logs a contact
    leader = person("leader")
    leader.page.goto(site.base + "/leader")
    leader.press(leader.page.get_by_role("link", name="记录联系 / 登记诉求").first)
    leader.type_date(leader.page.get_by_label("联系日期"), today)
    leader.choose(leader.page.get_by_label("联系方式"), "交流座谈")
    leader.type_into(leader.page.get_by_label("联系情况"), "电话了解林下种植推广情况")
    leader.press(leader.page.get_by_role("button", name="保存"))
    assert "联系记录已保存" in leader.page.locator(".notice").inner_text()

    for keyboard in (unit, district, expert, leader):
        keyboard.page.context.close()
    assert unseen == [], "focus not visible at:\n" + "\n".join(sorted(set(unseen)))
