"""The pages' session cookie on the JSON API: accepted for reading (GET, HEAD: the pages' Excel links), never for
a write, which has no CSRF token and would otherwise be forgeable from another site."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.deps import SESSION_COOKIE
from service.models import Need
from service.paths import REPO_ROOT
from service.security import create_access_token
from service.vocab import NeedStatus
from tests.service.world import PASSWORD, World

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _cookie_of(world: World, role: str) -> dict[str, str]:
    account = world.accounts[role]
    return {SESSION_COOKIE: create_access_token(account.id or 0, account.role)}


def test_an_api_write_with_only_the_session_cookie_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    """The reviewer's case: a cross-site POST that the browser sends with the victim's cookie."""
    forged = TestClient(client.app, cookies=_cookie_of(world, "unit"))
    answer = forged.post(f"/api/v1/needs/{world.need.id}/withdraw", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "not_authenticated"
    assert CHINESE.search(answer.json()["detail"])
    assert "Bearer" in answer.json()["detail"]
    session.expire_all()
    assert session.get(Need, world.need.id).status == NeedStatus.open  # type: ignore[union-attr]


def test_every_unsafe_method_ignores_the_cookie(client: TestClient, world: World) -> None:
    browser = TestClient(client.app, cookies=_cookie_of(world, "city_official"))
    body = {"username": "new-login", "password": "long-enough-1", "role": "city_official"}
    assert browser.post("/api/v1/accounts", json=body).status_code == 401
    assert browser.patch(f"/api/v1/units/{world.unit.id}", json={"contact_person": "某人"}).status_code == 401
    assert browser.patch(f"/api/v1/accounts/{world.accounts['unit'].id}", json={"active": False}).status_code == 401


def test_the_same_write_with_the_bearer_token_goes_through(client: TestClient, world: World) -> None:
    answer = client.post(f"/api/v1/needs/{world.need.id}/withdraw", headers=world.headers("unit"))
    assert answer.status_code == 200, answer.text


def test_reading_with_the_cookie_still_works_for_the_export_links(client: TestClient, world: World) -> None:
    browser = TestClient(client.app, cookies=_cookie_of(world, "district_official"))
    download = browser.get("/api/v1/exports/experts.xlsx")
    assert download.status_code == 200, download.text
    assert browser.head("/api/v1/exports/experts.xlsx").status_code in (200, 405)
    assert browser.get("/api/v1/auth/me").json()["username"] == "district"


def test_a_stale_cookie_does_not_stop_a_script_from_getting_a_token(client: TestClient, world: World) -> None:
    """The public token endpoint ignores the cookie rather than refusing the request (Swagger UI in a browser)."""
    browser = TestClient(client.app, cookies={SESSION_COOKIE: "expired-or-garbage"})
    answer = browser.post("/api/v1/auth/token", data={"username": "expert", "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def test_no_page_script_or_form_writes_to_the_api() -> None:
    """The pages write through their own CSRF-checked forms; their scripts and templates only link to API reads."""
    sources = [*(REPO_ROOT / "service" / "static").rglob("*.js"), *(REPO_ROOT / "service" / "templates").rglob("*")]
    writes = re.compile(r"fetch\(|XMLHttpRequest|sendBeacon|action=\"/api|formaction=\"/api", re.IGNORECASE)
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in sources
        if path.is_file() and not path.name.endswith(".min.js") and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
