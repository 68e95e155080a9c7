"""Login: wrong passwords, the rate limit, the pages' session cookie, expired and garbage tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import config, security
from service.api.auth import limiter
from service.api.deps import SESSION_COOKIE, AccountCache
from service.models import Account
from service.security import create_access_token
from service.vocab import Role
from tests.service.world import PASSWORD, World

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def session(kept_session: Session) -> Session:
    return kept_session


def _login(client: TestClient, username: str, password: str) -> object:
    return client.post(TOKEN_URL, data={"username": username, "password": password})


def test_right_password_gives_a_token_that_authenticates(client: TestClient, world: World) -> None:
    answer = client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    me = client.get(ME_URL, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["role"]) == ("expert", "expert")
    assert "password_hash" not in me.json()


@pytest.mark.parametrize(("username", "password"), [("expert", "wrong-password-1"), ("nobody", PASSWORD)])
def test_wrong_password_or_unknown_user_is_refused_in_chinese(
    client: TestClient, world: World, username: str, password: str
) -> None:
    answer = client.post(TOKEN_URL, data={"username": username, "password": password})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "用户名或密码错误", "code": "not_authenticated"}


def test_inactive_account_cannot_log_in_nor_use_its_token(client: TestClient, session: Session, world: World) -> None:
    account = world.accounts["unit"]
    token = create_access_token(account.id or 0, account.role)
    account.active = False
    session.add(account)
    session.commit()
    assert client.post(TOKEN_URL, data={"username": "unit", "password": PASSWORD}).status_code == 401
    assert client.get(ME_URL, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _change_after_first_use(client: TestClient, session: Session, account: Account, **changes: object) -> dict:
    """Use a token for `account` once, then change the account in the database; the token's headers."""
    headers = {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}
    assert client.get(ME_URL, headers=headers).status_code == 200
    for name, value in changes.items():
        setattr(account, name, value)
    session.add(account)
    session.commit()
    return headers


def test_a_deactivated_account_is_refused_once_the_process_has_reread_it(
    client: TestClient, session: Session, world: World
) -> None:
    """Guards reuse an account read in the last `account_cache_seconds`; past that a change takes effect."""
    cache: AccountCache = client.app.state.accounts  # type: ignore[attr-defined]
    now = [0.0]
    cache.clock = lambda: now[0]
    headers = _change_after_first_use(client, session, world.accounts["unit"], active=False)  # read at t=0
    now[0] = cache.ttl - 0.5
    assert client.get(ME_URL, headers=headers).status_code == 200
    now[0] = cache.ttl + 0.5
    assert client.get(ME_URL, headers=headers).status_code == 401


def test_with_the_account_cache_off_a_change_takes_effect_at_once(
    client: TestClient, session: Session, world: World
) -> None:
    client.app.state.accounts = AccountCache(ttl=0)  # type: ignore[attr-defined]
    headers = _change_after_first_use(client, session, world.accounts["unit"], role=Role.expert)
    assert client.get(ME_URL, headers=headers).json()["role"] == Role.expert


def test_missing_form_fields_answer_422_in_chinese(client: TestClient, world: World) -> None:
    answer = client.post(TOKEN_URL, data={"username": "expert"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "密码为必填项"


def test_login_attempts_are_rate_limited_per_client(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIQIAO_LOGIN_RATE_LIMIT", "3/minute")
    config.get_settings.cache_clear()
    limiter.reset()
    for _ in range(3):
        assert client.post(TOKEN_URL, data={"username": "expert", "password": "guess-guess"}).status_code == 401
    blocked = client.post(TOKEN_URL, data={"username": "expert", "password": "guess-guess"})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert CHINESE.search(blocked.json()["detail"])
    # Even the right password waits out the window: the limit counts attempts, not failures.
    assert client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD}).status_code == 429
    limiter.reset()
    assert client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD}).status_code == 200


def test_session_cookie_authenticates_like_the_bearer_token(client: TestClient, world: World) -> None:
    account = world.accounts["district_official"]
    client.cookies.set(SESSION_COOKIE, create_access_token(account.id or 0, account.role))
    me = client.get(ME_URL)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "district_official"
    assert client.get("/api/v1/units").status_code == 200
    client.cookies.set(SESSION_COOKIE, "not-a-token")
    assert client.get(ME_URL).status_code == 401


def _token(account: Account, *, expires: datetime, key: str | None = None) -> str:
    payload = {"sub": str(account.id), "role": account.role, "exp": expires}
    return jwt.encode(payload, key or config.get_settings().secret_key, algorithm="HS256")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda a: _token(a, expires=datetime.now(UTC) - timedelta(minutes=1)), id="expired"),
        pytest.param(lambda a: "garbage.token.value", id="garbage"),
        pytest.param(
            lambda a: _token(a, expires=datetime.now(UTC) + timedelta(hours=1), key="x" * 40), id="foreign-key"
        ),
        pytest.param(lambda a: jwt.encode({"role": "city_official"}, "k" * 40, algorithm="HS256"), id="no-sub"),
    ],
)
def test_bad_tokens_are_refused(client: TestClient, world: World, make_token: object) -> None:
    account = world.accounts["city_official"]
    token = make_token(account)  # type: ignore[operator]
    answer = client.get(ME_URL, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json()["detail"] == "请先登录"
    cookie = TestClient(client.app, cookies={SESSION_COOKIE: token})
    assert cookie.get(ME_URL).status_code == 401


def test_a_token_used_while_valid_is_refused_once_it_expires(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are remembered; their expiry is checked again on every request."""
    token = _token(world.accounts["expert"], expires=datetime.now(UTC) + timedelta(minutes=5))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(ME_URL, headers=headers).status_code == 200

    class Later(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Later:
            return cls.fromtimestamp(datetime.now(UTC).timestamp() + 600, tz)

    monkeypatch.setattr(security, "datetime", Later)
    assert client.get(ME_URL, headers=headers).status_code == 401
