"""A privacy and authorisation review as an attacker with a valid low-privilege login: what each found hole was,
and that it stays closed."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from uvicorn.logging import AccessFormatter

from service import clock
from service.api.deps import SESSION_COOKIE
from service.logging_setup import PersonalDataFilter
from service.models import Expert, Need, Visit
from service.search_sync import reindex
from service.security import create_access_token
from service.vocab import NeedStatus, Role, VisitStatus
from tests.service.world import OTHER_DISTRICT, World, make_account

API = "/api/v1"


def test_a_campaign_naming_another_districts_needs_does_not_tell_their_titles(
    client: TestClient, world: World, session: Session
) -> None:
    """A district official who puts another district's need ids into a campaign (JSON body) was refused with the
    titles of those needs, drafts included: a way to read records the official may not open."""
    hidden = Need(
        unit_id=world.other_unit.id or 0,
        title="春熙路社区内部整改方案（未公开）",
        service_type="技术服务",
        district=OTHER_DISTRICT,
        status=NeedStatus.draft,
    )
    session.add(hidden)
    session.commit()
    session.refresh(hidden)
    district = world.headers(Role.district_official)
    assert client.get(f"{API}/needs/{hidden.id}", headers=district).status_code == 403
    refused = client.post(
        f"{API}/campaigns",
        json={"name": "本区活动", "year": clock.today().year, "needs": {"ids": [world.need.id, hidden.id]}},
        headers=district,
    )
    assert refused.status_code == 422, refused.text
    assert hidden.title not in refused.text
    assert f"编号 {hidden.id}" in refused.json()["detail"]


# ---- logs: numbers written as a Chinese input method or a URL writes them, and landlines ---------------------

FULL_WIDTH_MOBILE = "１３８１２３４５６７８"  # typed with a Chinese input method in full-width mode
ENCODED_FULL_WIDTH_MOBILE = "".join(f"%{b:02X}" for b in FULL_WIDTH_MOBILE.encode())  # as the browser sends it
ENCODED_FULL_WIDTH_ID = "".join(f"%{b:02X}" for b in "５１０１３１１９７００１０１１２３Ｘ".encode())


@pytest.mark.parametrize(
    ("query", "masked"),
    [
        (f"q={ENCODED_FULL_WIDTH_MOBILE}", "q=138****5678"),
        (f"q={FULL_WIDTH_MOBILE}", "q=138****5678"),
        (f"id={ENCODED_FULL_WIDTH_ID}", "id=510131********123X"),
        ("q=138%2D1234%2D5678", "q=138%2D****%2D5678"),
        ("q=028-85501234", "q=028-****1234"),
        ("q=08388123456&page=2", "q=0838****3456&page=2"),
    ],
)
def test_the_access_line_masks_full_width_digits_encoded_separators_and_landlines(query: str, masked: str) -> None:
    """Were written in full: a search box's phone typed in full-width digits (the browser percent-encodes them),
    a number whose dashes came percent-encoded, and a landline (the forms take 028-85501234 as a phone)."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/v1/experts?{query}", "1.1", 200),
        None,
    )
    assert PersonalDataFilter().filter(record)
    line = AccessFormatter("%(request_line)s", use_colors=False).format(record)
    assert line == f"GET /api/v1/experts?{masked} HTTP/1.1"


@pytest.mark.parametrize(
    "text", ["第１行：名称不能为空", "took 12.5 ms", "2026-12-01T17:51:04+0000", "q=%E4%B8%AD%E6%96%87&offset=0"]
)
def test_text_without_a_number_is_logged_as_it_was(text: str) -> None:
    record = logging.LogRecord("zhiqiao", logging.INFO, __file__, 1, "%s", (text,), None)
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == text


_SERVED = textwrap.dedent(
    """
    import logging.config, socket, sys, threading, time
    import httpx, uvicorn
    from service.logging_setup import server_log_config
    logging.config.dictConfig(server_log_config())
    from service.app import create_app
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_config=None))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    for query in sys.argv[1:]:
        httpx.get(f"http://127.0.0.1:{port}/expert/needs?q={query}")
    server.should_exit = True
    time.sleep(0.5)
    """
)


def test_a_real_servers_access_log_masks_full_width_and_landline_numbers(tmp_path: Path) -> None:
    """What `zhiqiao serve` writes for the expert's search box (a GET form) sent with such numbers."""
    env = {**os.environ, "ZHIQIAO_VAR_DIR": str(tmp_path), "ZHIQIAO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    queries = [ENCODED_FULL_WIDTH_MOBILE, "028-85501234", "138%2D1234%2D5678"]
    done = subprocess.run(
        [sys.executable, "-c", _SERVED, *queries], capture_output=True, text=True, env=env, timeout=120
    )
    written = done.stdout + done.stderr
    assert done.returncode == 0, written
    access = [line for line in written.splitlines() if '"GET /expert/needs' in line]
    assert len(access) == 3, written
    assert "q=138****5678 " in access[0]
    assert "q=028-****1234 " in access[1]
    assert "q=138%2D****%2D5678 " in access[2]
    for secret in (ENCODED_FULL_WIDTH_MOBILE, "85501234", "%2D1234%2D"):
        assert secret not in written


# ---- numbers written into free text -------------------------------------------------------------------------

DESCRIPTION = "村里 300 亩猕猴桃溃疡病严重。联系人张主任 13812340000，村委会座机 028-88886666。"
MASKED_DESCRIPTION = "村里 300 亩猕猴桃溃疡病严重。联系人张主任 138****0000，村委会座机 028-****6666。"


def test_a_number_written_into_a_needs_description_is_masked_like_its_contact_phone(
    client: TestClient, world: World, session: Session
) -> None:
    """A unit writes its contact's phone into the description (the contact phone field is masked to experts
    until one accepts): the description showed it to every expert, through the need, the search index (which held
    it) and the pages."""
    need = session.get(Need, world.need.id)
    assert need is not None
    need.description = DESCRIPTION
    session.add(need)
    session.commit()
    reindex(session, client.app.state.search)  # type: ignore[attr-defined]
    url = f"{API}/needs/{world.need.id}"
    for role in ("unit", "district_official", "city_official"):
        assert client.get(url, headers=world.headers(role)).json()["description"] == DESCRIPTION, role
    expert = world.headers("expert")
    assert client.get(url, headers=expert).json()["description"] == MASKED_DESCRIPTION
    listed = client.get(f"{API}/needs", headers=expert).json()["data"]
    assert {n["description"] for n in listed if n["id"] == world.need.id} == {MASKED_DESCRIPTION}
    for role in ("expert", "unit", "city_official"):
        for query in ("猕猴桃", "13812340000", "88886666"):
            found = client.get(f"{API}/search/needs", params={"q": query}, headers=world.headers(role))
            assert found.status_code == 200, found.text
            assert "13812340000" not in found.text, (role, query)
            assert "88886666" not in found.text, (role, query)
    account = world.accounts["expert"]
    client.cookies.set(SESSION_COOKIE, create_access_token(account.id or 0, account.role))
    for page in (f"/expert/needs/{world.need.id}", "/expert/needs?q=猕猴桃"):
        shown = client.get(page)
        assert shown.status_code == 200, page
        assert "13812340000" not in shown.text, page
        assert "88886666" not in shown.text, page


def test_an_expert_cannot_find_a_masked_number_digit_by_digit_through_the_list_filter(
    client: TestClient, world: World, session: Session
) -> None:
    """The need list's `q` (also the expert's search page when the search engine is down) matched the stored text:
    with the masked description 138****0000 in hand, 1381, 13812, ... found the need or not, digit by digit."""
    need = session.get(Need, world.need.id)
    assert need is not None
    need.description = DESCRIPTION
    session.add(need)
    session.commit()
    expert = world.headers("expert")

    def found(q: str, headers: dict[str, str]) -> bool:
        answer = client.get(f"{API}/needs", params={"q": q}, headers=headers)
        assert answer.status_code == 200, answer.text
        return world.need.id in {n["id"] for n in answer.json()["data"]}

    for probe in ("张主任 1381", "13812340000", "028-8888", "88886666"):
        assert not found(probe, expert), probe
        assert found(probe, world.headers("district_official")), probe  # entitled: as stored
    for words in ("300 亩", "猕猴桃"):
        assert found(words, expert), words


def test_an_expert_cannot_learn_a_masked_number_from_the_shared_terms_of_a_recommendation(
    client: TestClient, world: World, session: Session
) -> None:
    """为我推荐 names the terms an expert's texts share with a need: were numbers match words, guesses written into
    the profile would come back as shared terms when one was the need's hidden number (checked: they are not,
    `matching.text.match_word` drops numbers)."""
    need = session.get(Need, world.need.id)
    expert = session.get(Expert, world.expert.id)
    assert need is not None
    assert expert is not None
    visit = session.get(Visit, world.visit.id)
    assert visit is not None
    visit.status = VisitStatus.cancelled  # a need the expert is invited to is not recommended to them as well
    need.description = DESCRIPTION
    expert.specialties = "猕猴桃溃疡病防治 13812340000 13812349999 028-88886666"
    session.add_all([need, expert, visit])
    session.commit()
    answer = client.get(f"{API}/experts/{world.expert.id}/recommendations", headers=world.headers("expert"))
    assert answer.status_code == 200, answer.text
    shown = next(r for r in answer.json() if r["need"]["id"] == world.need.id)
    assert shown["reasons"]["shared_terms"]  # matched on its words
    assert "1381234" not in answer.text
    assert "8888" not in answer.text
    candidates = client.get(f"{API}/needs/{world.need.id}/candidates", headers=world.headers("unit"))
    assert "1381234" not in candidates.text


def test_numbers_in_an_experts_own_texts_are_masked_for_those_not_entitled_to_the_phone(
    client: TestClient, world: World, session: Session
) -> None:
    """An expert who wrote their number into their specialties or documents: shown to a unit choosing among
    candidates and to another district's official, where the phone field itself is masked."""
    expert = session.get(Expert, world.expert.id)
    assert expert is not None
    expert.specialties = "猕猴桃栽培；咨询电话 13812345678"
    expert.documents = [{"kind": "简历", "title": "个人简历", "text": "联系 13812345678"}]
    session.add(expert)
    other_district = make_account(session, "jinjiang_texts", Role.district_official, district=OTHER_DISTRICT)
    session.commit()
    url = f"{API}/experts/{world.expert.id}"
    for role in ("expert", "city_official", "district_official", "leader"):  # entitled to the phone
        seen = client.get(url, headers=world.headers(role)).json()
        assert seen["specialties"].endswith("13812345678"), role
        assert seen["documents"][0]["text"] == "联系 13812345678", role
    token = create_access_token(other_district.id or 0, other_district.role)
    seen = client.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    assert seen["specialties"] == "猕猴桃栽培；咨询电话 138****5678"
    assert seen["documents"][0]["text"] == "联系 138****5678"
    candidates = client.get(f"{API}/needs/{world.need.id}/candidates", headers=world.headers("unit"))
    assert candidates.status_code == 200
    assert "138****5678" in candidates.text
    assert "13812345678" not in candidates.text


# ---- what a shared computer's browser keeps after logout -----------------------------------------------------


def test_pages_and_api_answers_are_not_kept_by_the_browser_static_files_are(client: TestClient, world: World) -> None:
    """Pages and API answers carried no Cache-Control: a village office's shared browser kept the unit's need page
    (with the expert's phone) and showed it again from its history after logout."""
    account = world.accounts["unit"]
    client.cookies.set(SESSION_COOKIE, create_access_token(account.id or 0, account.role))
    for path in (f"/unit/needs/{world.need.id}", "/login", "/no-such-page"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
    client.cookies.clear()
    city = world.headers("city_official")
    for path in (f"{API}/experts/{world.expert.id}", f"{API}/exports/experts.xlsx", f"{API}/needs/999999"):
        assert client.get(path, headers=city).headers.get("cache-control") == "no-store", path
    assert client.post(f"{API}/auth/token", data={"username": "x", "password": "y"}).headers["cache-control"] == (
        "no-store"
    )
    static = client.get("/static/app/site.css")
    assert static.status_code == 200
    assert static.headers.get("cache-control") != "no-store"
    assert client.get("/static/vendor/plotly.min.js").headers["cache-control"] == "public, max-age=86400"
