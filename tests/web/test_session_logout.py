"""Logout ends the session on the server: the cookie it replaced is refused afterwards, not only forgotten by
the browser that logged out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.api.deps import SESSION_COOKIE
from tests.service.world import PASSWORD, World
from tests.web.conftest import csrf_of


def _log_in(client: TestClient, username: str) -> str:
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


def test_a_cookie_copied_before_logout_is_refused_after_it(client: TestClient, world: World) -> None:
    cookie = _log_in(client, "unit")
    assert client.get("/unit/needs").status_code == 200
    answer = client.post("/logout", data={"csrf_token": csrf_of(client.get("/unit/needs").text)})
    assert answer.status_code == 303
    copy = TestClient(client.app, follow_redirects=False, cookies={SESSION_COOKIE: cookie})
    page = copy.get("/unit/needs")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert copy.get("/api/v1/auth/me").status_code == 401
    assert copy.get("/").headers["location"] == "/login"


def test_logout_ends_the_accounts_other_sessions_too(client: TestClient, world: World) -> None:
    other_device = TestClient(client.app, follow_redirects=False)
    _log_in(other_device, "expert")
    _log_in(client, "expert")
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/expert/profile").text)})
    assert other_device.get("/expert/profile").status_code == 303


def test_logging_in_again_after_logout_works(client: TestClient, world: World) -> None:
    _log_in(client, "unit")
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/unit/needs").text)})
    client.cookies.clear()
    _log_in(client, "unit")
    assert client.get("/unit/needs").status_code == 200


def test_logout_without_a_session_still_answers(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/login").text)
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303
