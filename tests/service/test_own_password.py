"""Changing one's own password, through the API and the page: the current password is asked for (and a wrong
one counts as a failed login), the policy holds, the other sessions end and this one goes on."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import config
from service.web.session import SESSION_COOKIE
from tests.service.world import PASSWORD, World
from tests.web.conftest import csrf_of, login_as

URL = "/api/v1/auth/password"
TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"
NEW_PASSWORD = "another-horse-7"


@pytest.fixture
def session(kept_session: Session) -> Session:
    return kept_session


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post(TOKEN_URL, data={"username": username, "password": password}).status_code


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post(TOKEN_URL, data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_user_changes_their_password_and_only_this_session_goes_on(client: TestClient, world: World) -> None:
    this, other = _bearer(client, "expert"), _bearer(client, "expert")
    answer = client.post(URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=this)
    assert answer.status_code == 200, answer.text
    fresh = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert client.get(ME_URL, headers=fresh).json()["username"] == "expert"
    assert client.get(ME_URL, headers=this).status_code == 401
    assert client.get(ME_URL, headers=other).status_code == 401
    assert _login(client, "expert", PASSWORD) == 401
    assert _login(client, "expert", NEW_PASSWORD) == 200


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"current_password": "not-my-password-1", "new_password": NEW_PASSWORD}, 422, "当前密码不正确"),
        ({"current_password": PASSWORD, "new_password": "short1"}, 422, "密码至少 8 位"),
        ({"current_password": PASSWORD, "new_password": " " * 10}, 422, "密码"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, 422, "新密码不能与当前密码相同"),
        ({"current_password": PASSWORD}, 422, "新密码"),
    ],
)
def test_a_refused_change_says_why_and_keeps_the_password(
    client: TestClient, world: World, body: dict[str, str], status: int, expected: str
) -> None:
    headers = _bearer(client, "unit")
    answer = client.post(URL, json=body, headers=headers)
    assert answer.status_code == status
    assert expected in answer.json()["detail"]
    assert client.get(ME_URL, headers=headers).status_code == 200  # nothing ended
    assert _login(client, "unit", PASSWORD) == 200


def test_guessing_the_current_password_spends_the_usernames_login_attempts(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIQIAO_LOGIN_USERNAME_RATE_LIMIT", "3/minute")
    config.get_settings.cache_clear()
    headers = _bearer(client, "leader")
    for guess in ("guess-one-1", "guess-two-2", "guess-three-3"):
        body = {"current_password": guess, "new_password": NEW_PASSWORD}
        assert client.post(URL, json=body, headers=headers).status_code == 422
    right = client.post(URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=headers)
    assert right.status_code == 429
    assert _login(client, "leader", PASSWORD) == 429


def test_the_api_takes_no_cookie_for_the_change(client: TestClient, world: World) -> None:
    login_as(client, world, "expert")
    answer = client.post(URL, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert answer.status_code == 401
    assert _login(client, "expert", PASSWORD) == 200


def _post_page(client: TestClient, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/account/password").text)
    return client.post("/account/password", data={"csrf_token": token, **fields}, follow_redirects=False)


@pytest.mark.parametrize("role", ["unit", "expert", "district_official", "city_official", "leader"])
def test_every_role_finds_the_page_from_the_header(client: TestClient, world: World, role: str) -> None:
    login_as(client, world, role)
    home = client.get("/", follow_redirects=True)
    assert 'href="/account/password">修改密码</a>' in home.text
    page = client.get("/account/password")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.text


def test_the_page_explains_beside_the_fields_and_never_echoes_a_password(client: TestClient, world: World) -> None:
    login_as(client, world, "unit")
    answer = _post_page(
        client, current_password=PASSWORD, new_password="new-secret-41", new_password_again="new-secret-42"
    )
    assert answer.status_code == 422
    text = answer.text
    assert 'id="f-new_password_again-error">两次输入的新密码不一致' in text
    assert "new-secret-4" not in text
    assert PASSWORD not in text
    wrong = _post_page(
        client, current_password="not-my-password", new_password=NEW_PASSWORD, new_password_again=NEW_PASSWORD
    )
    assert 'id="f-current_password-error">当前密码不正确' in wrong.text
    empty = _post_page(client)
    assert "当前密码为必填项" in empty.text
    assert _login(client, "unit", PASSWORD) == 200


def test_after_the_change_the_page_session_goes_on_with_a_new_cookie(client: TestClient, world: World) -> None:
    login_as(client, world, "expert")
    old_cookie = client.cookies.get(SESSION_COOKIE)
    answer = _post_page(client, current_password=PASSWORD, new_password=NEW_PASSWORD, new_password_again=NEW_PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/expert?msg=password_changed"
    new_cookie = answer.cookies.get(SESSION_COOKIE)
    assert new_cookie
    assert new_cookie != old_cookie
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, new_cookie)
    assert "密码已修改" in client.get("/expert?msg=password_changed").text
    assert client.get(ME_URL, headers={"Authorization": f"Bearer {old_cookie}"}).status_code == 401
    assert _login(client, "expert", NEW_PASSWORD) == 200
