"""A unit's and an expert's pages in a real Chromium, as a village secretary or an agronomist meets them on a phone:
long text (a pasted web address, a document's long title) stays inside its card at 375 px, an invitation is
declined with JavaScript off, and the back button after volunteering shows the page as it now is.

A live server of its own (tests/web/test_browser.py's `run_live_server`), seeded with the small world of
tests/service/world.py plus the long texts and needs these journeys need.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from service import clock
from service.api.deps import SESSION_COOKIE
from service.models import Expert, Need, Visit
from service.vocab import NeedStatus, VisitStatus
from tests.service.world import DISTRICT, World
from tests.web.test_browser import (  # noqa: F401  (browser_type_launch_args: Debian's Chromium)
    ARTIFACTS,
    CHROMIUM,
    DESKTOP,
    PHONE,
    YEAR,
    browser_type_launch_args,
    run_live_server,
    wait_for,
)

pytestmark = pytest.mark.browser

LONG_DOCUMENT = (
    "猕猴桃溃疡病绿色防控关键技术集成研究与示范推广（四川省重点研发计划项目，2023—2026年，蒲江县与都江堰市示范基地）"
)
LONG_ADDRESS = "https://www.example.com/nongye/kiwifruit/bacterial-canker/prevention-guide-2026-edition-full.pdf"
LONG_REASON = "Schedule-conflict:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 2


def seed_long_texts(session: Session, world: World) -> None:
    """The world's expert with a document of a long title; the unit's tea need served and rated with a pasted web
    address; a need the expert declined with a long unbroken reason; an open need for the expert to volunteer."""
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.documents = [{"kind": "项目", "title": LONG_DOCUMENT, "text": "猕猴桃溃疡病综合防控技术示范"}]
    session.add(expert)
    today = clock.today()
    tea = Need(
        unit_id=world.unit.id or 0,
        title="茶园病虫害绿色防控",
        description=f"茶园小绿叶蝉危害重，资料见 {LONG_ADDRESS}",
        service_type="技术服务",
        field="210",
        district=DISTRICT,
        status=NeedStatus.in_service,
        experts_wanted=2,
    )
    road = Need(
        unit_id=world.unit.id or 0,
        title="村道边坡治理咨询",
        service_type="技术服务",
        district=DISTRICT,
        status=NeedStatus.open,
    )
    orchard = Need(
        unit_id=world.unit.id or 0,
        title="猕猴桃果园土壤改良指导",
        description="果园土壤板结，希望专家指导猕猴桃园土壤改良。",
        service_type="技术服务",
        field="210",
        district=DISTRICT,
        status=NeedStatus.open,
        experts_wanted=2,
    )
    session.add_all([expert, tea, road, orchard])
    session.flush()
    session.add_all(
        [
            Visit(
                need_id=tea.id or 0,
                expert_id=world.other_expert.id or 0,
                year=YEAR,
                status=VisitStatus.confirmed,
                service_date=today - timedelta(days=2),
                service_days=1,
                content=f"讲解茶园绿色防控技术，课件见 {LONG_ADDRESS}",
                technologies=LONG_ADDRESS,
                rating=5,
                comment=f"很实用，录像放在 {LONG_ADDRESS}",
            ),
            Visit(
                need_id=road.id or 0,
                expert_id=world.expert.id or 0,
                year=YEAR,
                status=VisitStatus.declined,
                decline_reason=LONG_REASON,
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
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-l10n fonts-wqy-microhei)")
    root = tmp_path_factory.mktemp("ux-review")
    with run_live_server(root, seed_long_texts) as (server, base):
        live = wait_for(server, root, base)
        with closing(sqlite3.connect(root / "live.db")) as db:
            needs = dict(db.execute("SELECT title, id FROM need").fetchall())
            visits = dict(db.execute("SELECT need_id, id FROM visit").fetchall())
        ids = {
            "kiwi": needs["猕猴桃溃疡病综合防治技术指导"],
            "tea": needs["茶园病虫害绿色防控"],
            "orchard": needs["猕猴桃果园土壤改良指导"],
            "invitation": visits[needs["猕猴桃溃疡病综合防治技术指导"]],
            "declined": visits[needs["村道边坡治理咨询"]],
        }
        yield Site(base=live.base, tokens=live.tokens, ids=ids)


@pytest.fixture
def open_page(site: Site, browser: Any) -> Iterator[Any]:
    """A fresh tab signed in as `username` (JavaScript on or off), at phone width unless told."""
    contexts = []

    def open_as(username: str, *, javascript: bool = True, viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN", java_script_enabled=javascript)
        contexts.append(context)
        context.add_cookies([{"name": SESSION_COOKIE, "value": site.tokens[username], "url": site.base}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _chips_outside_their_card(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.reasons .chip')].filter(chip => {
                const card = chip.closest('.card').getBoundingClientRect();
                return chip.getBoundingClientRect().right > card.right + 0.5;
            }).map(chip => chip.textContent)"""
        )
    )


def test_long_text_stays_inside_its_card_on_a_phone(site: Site, open_page: Any) -> None:
    unit = open_page("unit")
    unit.goto(f"{site.base}/unit/needs/{site.ids['kiwi']}")
    document_chip = unit.locator(".reasons .chip", has_text="最相关成果")
    assert LONG_DOCUMENT in document_chip.first.inner_text()
    assert _chips_outside_their_card(unit) == []
    assert _overflow(unit) <= 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    unit.screenshot(path=str(ARTIFACTS / "ux-unit-candidates-phone.png"), full_page=True)

    unit.goto(f"{site.base}/unit/needs/{site.ids['tea']}")
    assert LONG_ADDRESS in unit.locator(".visit-card").inner_text()
    assert _overflow(unit) <= 0, "a pasted web address in a comment widens the page"
    unit.screenshot(path=str(ARTIFACTS / "ux-unit-rated-visit-phone.png"), full_page=True)

    expert = open_page("expert")
    expert.goto(f"{site.base}/expert/visits/{site.ids['declined']}")
    assert LONG_REASON in expert.locator("main").inner_text()
    assert _overflow(expert) <= 0, "a long decline reason widens the page"


def test_an_expert_declines_an_invitation_with_javascript_off(site: Site, open_page: Any) -> None:
    page = open_page("expert", javascript=False)
    page.goto(f"{site.base}/expert/visits/{site.ids['invitation']}")
    page.get_by_text("婉拒…", exact=True).click()
    page.get_by_label("婉拒原因").fill("本月在外地开展培训，时间冲突")
    page.get_by_role("button", name="确认婉拒").click()
    page.wait_for_load_state()
    assert "您已婉拒此次服务邀请" in page.locator(".notice").inner_text()
    assert "专家已婉拒" in page.locator(".page-head").inner_text()
    assert "本月在外地开展培训，时间冲突" in page.locator("main").inner_text()


def test_back_after_volunteering_shows_the_need_as_it_now_is(site: Site, open_page: Any) -> None:
    """Back from the visit page to the need: the server is asked again, so the need shows 我的服务 rather than a
    volunteer button that would now only answer with an error."""
    page = open_page("expert", viewport=DESKTOP)
    page.goto(f"{site.base}/expert/needs/{site.ids['orchard']}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="我愿意服务（自荐）").click()
    page.wait_for_url("**/expert/visits/*")
    assert "自荐成功" in page.locator(".notice").inner_text()
    page.go_back()
    page.wait_for_load_state()
    assert page.url.endswith(f"/expert/needs/{site.ids['orchard']}")
    assert page.get_by_role("button", name="我愿意服务（自荐）").count() == 0
    assert "专家已接受" in page.locator("main").inner_text()


def test_a_second_tap_does_not_send_the_form_again(site: Site, open_page: Any) -> None:
    """On a slow connection a secretary taps 提交审核 again: the form goes once, and the page answers with the
    need posted (not with 本单位已有标题… from a second copy, though the first was stored)."""
    page = open_page("unit", viewport=DESKTOP)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{site.base}/unit/needs/new")
    page.get_by_label("需求标题").fill("村集体经济项目策划")
    page.get_by_label("服务类型").select_option("项目攻关")
    page.evaluate(
        """() => {
            const button = document.querySelector('button[value="submit"]');
            button.click();
            setTimeout(() => button.click(), 0);  // the second tap, while the first is on its way
        }"""
    )
    page.wait_for_url("**/unit/needs/*?msg=need_submitted")
    assert posts == [f"{site.base}/unit/needs/new"]
    assert "需求已提交" in page.locator(".notice").inner_text()


def test_the_officials_lists_read_as_cards_on_a_phone(site: Site, open_page: Any) -> None:
    # the needs board's six columns squeezed a need's title to two characters a line at 375 px; each need (and
    # each liaison pair, each visit of a need) is one labelled card there, its title on a line of its own width
    official = open_page("district")
    official.goto(f"{site.base}/official/needs?status=")
    title = official.locator("table.stack td.stack-title").first
    assert title.evaluate("cell => cell.getBoundingClientRect().width") > 250
    assert official.locator("table.stack td[data-label='单位']").first.is_visible()
    assert _overflow(official) <= 0
    official.goto(f"{site.base}/official/needs/{site.ids['kiwi']}")
    visit = official.locator("table.stack td[data-label='专家']").first
    assert visit.evaluate("cell => cell.getBoundingClientRect().width") > 250
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    official.screenshot(path=str(ARTIFACTS / "ux-official-need-phone.png"), full_page=True)
    city = open_page("city")
    city.goto(f"{site.base}/official/liaisons")
    pair = city.locator("table.stack td[data-label='领导']").first
    assert pair.evaluate("cell => cell.getBoundingClientRect().width") > 250
    assert _overflow(city) <= 0
    # a desktop keeps the table
    wide = open_page("district", viewport=DESKTOP)
    wide.goto(f"{site.base}/official/needs?status=")
    assert wide.locator("table.stack thead").is_visible()
