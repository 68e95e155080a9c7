"""Login throttling shared by the API's token endpoint and the login page: per client address over both routes,
and per username from any address; `zhiqiao serve` believes forwarded headers only from named proxies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service import config
from service.cli import admin
from tests.service.world import PASSWORD, World
from tests.web.conftest import csrf_of

TOKEN_URL = "/api/v1/auth/token"


def _api(client: TestClient, username: str, password: str, **headers: str) -> int:
    return client.post(TOKEN_URL, data={"username": username, "password": password}, headers=headers).status_code


def _page(client: TestClient, username: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    form = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=form, follow_redirects=False).status_code


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    """Settings changed here are not kept for the tests that follow."""
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


@pytest.fixture
def username_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIQIAO_LOGIN_USERNAME_RATE_LIMIT", "3/minute")
    config.get_settings.cache_clear()


def test_failures_for_one_username_are_counted_across_addresses_and_routes(
    client: TestClient, world: World, username_limit: None
) -> None:
    """Rotating X-Forwarded-For (or the address) and switching between API and page gives no more guesses."""
    assert _api(client, "expert", "guess-one-1", **{"X-Forwarded-For": "203.0.113.1"}) == 401
    assert _api(client, "expert", "guess-two-2", **{"X-Forwarded-For": "203.0.113.2"}) == 401
    assert _page(client, "expert", "guess-three-3") == 401
    blocked = client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json() == {"detail": "尝试次数过多，请稍后再试", "code": "rate_limited"}
    assert _page(client, " Expert ", PASSWORD) == 429  # the same name, however typed
    assert (
        "尝试次数过多"
        in client.post(
            "/login",
            data={"username": "expert", "password": PASSWORD, "csrf_token": csrf_of(client.get("/login").text)},
        ).text
    )
    assert _api(client, "unit", PASSWORD) == 200  # other usernames are not affected


def test_successful_logins_do_not_spend_the_usernames_attempts(
    client: TestClient, world: World, username_limit: None
) -> None:
    for _ in range(6):
        assert _api(client, "expert", PASSWORD) == 200


def test_the_per_address_limit_counts_both_routes_together(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIQIAO_LOGIN_RATE_LIMIT", "3/minute")
    config.get_settings.cache_clear()
    assert _api(client, "nobody-1", "guess-guess") == 401
    assert _page(client, "nobody-2", "guess-guess") == 401
    assert _api(client, "nobody-3", "guess-guess") == 401
    assert _page(client, "unit", PASSWORD) == 429
    assert _api(client, "unit", PASSWORD) == 429


def test_a_bad_limit_setting_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIQIAO_LOGIN_USERNAME_RATE_LIMIT", "ten a minute")
    with pytest.raises(ValueError, match="rate limit"):
        config.Settings()


def _served_with(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs, app=app))
    config.get_settings.cache_clear()
    admin.serve_command(host="127.0.0.1", port=8000, workers=1)
    return seen


def test_serve_believes_no_forwarded_headers_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZHIQIAO_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable must not widen it
    seen = _served_with(monkeypatch)
    assert seen["proxy_headers"] is False
    assert seen["forwarded_allow_ips"] == ""


def test_serve_believes_the_named_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIQIAO_FORWARDED_ALLOW_IPS", "10.0.0.5, 10.0.1.0/24")
    seen = _served_with(monkeypatch)
    assert seen["proxy_headers"] is True
    assert seen["forwarded_allow_ips"] == "10.0.0.5, 10.0.1.0/24"
