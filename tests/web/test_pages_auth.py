"""Logging in and out through the pages: cookie, CSRF, redirects, role checks."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.deps import SESSION_COOKIE
from service.vocab import Role
from tests.service.world import PASSWORD, World
from tests.web.conftest import csrf_of, login_as


def _login(client: TestClient, username: str, password: str, next_url: str = "/") -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    data = {"username": username, "password": password, "csrf_token": token, "next": next_url}
    return client.post("/login", data=data)


def test_anonymous_visitor_is_sent_to_login_and_back(client: TestClient, world: World) -> None:
    answer = client.get("/unit/needs?status=open")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/unit/needs%3Fstatus%3Dopen"
    page = client.get(answer.headers["location"])
    assert 'name="next" value="/unit/needs?status=open"' in page.text
    done = _login(client, "unit", PASSWORD, "/unit/needs?status=open")
    assert done.status_code == 303
    assert done.headers["location"] == "/unit/needs?status=open"


def test_login_sets_an_httponly_lax_session_cookie_and_goes_home(client: TestClient, world: World) -> None:
    answer = _login(client, "expert", PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/expert"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development
    me = client.get("/api/v1/auth/me")
    assert me.json()["username"] == "expert"


def test_wrong_password_shows_a_message_and_sets_no_session(client: TestClient, world: World) -> None:
    answer = _login(client, "unit", "wrong-password")
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text
    assert 'value="unit"' in answer.text
    assert SESSION_COOKIE not in client.cookies


def test_login_never_redirects_to_another_site(client: TestClient, world: World) -> None:
    answer = _login(client, "unit", PASSWORD, "//evil.example.com/x")
    assert answer.headers["location"] == "/unit/needs"


def test_post_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    login_as(client, world, Role.unit)
    answer = client.post("/unit/needs/new", data={"title": "无令牌的需求", "service_type": "技术服务"})
    assert answer.status_code == 400
    assert "页面已过期" in answer.text
    forged = client.post(
        "/unit/needs/new", data={"title": "伪造令牌", "service_type": "技术服务", "csrf_token": "0" * 64}
    )
    assert forged.status_code == 400
    assert "无令牌的需求" not in client.get("/unit/needs").text


def test_login_form_without_token_is_refused(client: TestClient, world: World) -> None:
    answer = client.post("/login", data={"username": "unit", "password": PASSWORD})
    assert answer.status_code == 400
    assert SESSION_COOKIE not in client.cookies


def test_a_role_opening_another_roles_page_gets_a_403_page(client: TestClient, world: World) -> None:
    login_as(client, world, Role.expert)
    answer = client.get("/unit/needs")
    assert answer.status_code == 403
    assert "无权访问" in answer.text
    assert "text/html" in answer.headers["content-type"]


def test_logout_clears_the_session(client: TestClient, world: World) -> None:
    _login(client, "unit", PASSWORD)
    token = csrf_of(client.get("/unit/needs").text)
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?msg=logged_out"
    assert client.get("/unit/needs").status_code == 303


def test_demo_accounts_are_hinted_outside_production_only(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import config

    assert "演示账号" in client.get("/login").text
    monkeypatch.setenv("ZHIQIAO_ENVIRONMENT", "production")
    monkeypatch.setenv("ZHIQIAO_SECRET_KEY", "Vq3-x9LrT_2mKp8ZsW4nYb7HcJd6FgQe1UaR5oXiE0tN")
    config.get_settings.cache_clear()
    client.cookies.clear()
    page = client.get("/login")
    assert "演示账号" not in page.text
    cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith("zhiqiao_anon"))
    assert "Secure" in cookie


def test_pages_are_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(p.startswith("/api/") or p in ("/healthz", "/readyz") for p in paths), sorted(paths)


def test_home_sends_each_role_to_its_pages(client: TestClient, world: World) -> None:
    homes = {
        Role.unit: "/unit/needs",
        Role.expert: "/expert",
        Role.district_official: "/official",
        Role.city_official: "/official",
        Role.leader: "/leader",
    }
    for role, home in homes.items():
        login_as(client, world, role)
        assert client.get("/").headers["location"] == home


@pytest.mark.parametrize("path", ["/nonexistent", "/unit/nothing-here", "/official/needs/1/typo", "/static/app/x.css"])
def test_a_mistyped_address_shows_the_not_found_page(client: TestClient, world: World, path: str) -> None:
    anonymous = client.get(path)
    assert anonymous.status_code == 404
    assert anonymous.headers["content-type"].startswith("text/html")
    assert "页面不存在" in anonymous.text
    assert '"detail"' not in anonymous.text
    login_as(client, world, Role.unit)
    signed_in = client.get(path)
    assert signed_in.status_code == 404
    assert "页面不存在" in signed_in.text
    assert 'href="/unit/needs"' in signed_in.text  # the role's navigation, to find the way back


def test_a_page_address_opened_by_the_wrong_method_shows_a_page(client: TestClient, world: World) -> None:
    login_as(client, world, Role.unit)
    answer = client.get(f"/unit/needs/{world.draft_need.id}/submit")  # a form's address, POST only
    assert answer.status_code == 405
    assert "页面不存在" in answer.text


def test_unknown_api_addresses_keep_answering_json(client: TestClient) -> None:
    for path in ("/api/v1/nonexistent", "/api", "/api/v2/needs"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.json()["detail"] == "访问的地址不存在"
    wrong_method = client.delete("/api/v1/needs")
    assert wrong_method.status_code == 405
    assert "detail" in wrong_method.json()
