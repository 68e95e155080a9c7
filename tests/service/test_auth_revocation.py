"""Ending access: the token version (logout, a password reset, a deactivation, a new role) and the city's
account endpoints that move it."""

from __future__ import annotations

import re

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import config
from service.api.deps import AccountCache
from service.domain.accounts import end_sessions
from service.models import Account
from service.security import create_access_token, decode_access_token
from tests.service.world import PASSWORD, World

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NEW_PASSWORD = "another-horse-7"


@pytest.fixture
def session(kept_session: Session) -> Session:
    return kept_session


def _token_headers(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    answer = client.post(TOKEN_URL, data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _city(world: World) -> dict[str, str]:
    return world.headers("city_official")


def _version(session: Session, account: Account) -> int:
    session.expire_all()
    stored = session.get(Account, account.id)
    assert stored is not None
    return stored.token_version


def test_tokens_carry_the_accounts_version(client: TestClient, world: World) -> None:
    headers = _token_headers(client, "expert")
    token = headers["Authorization"].removeprefix("Bearer ")
    claims = decode_access_token(token)
    assert claims is not None
    assert claims.version == 0
    assert jwt.decode(token, config.get_settings().secret_key, algorithms=["HS256"])["ver"] == 0


def test_ending_the_sessions_refuses_every_earlier_token_at_once(
    client: TestClient, session: Session, world: World
) -> None:
    """Even with a long account cache: the change was made by this process, which forgets what it read."""
    client.app.state.accounts = AccountCache(ttl=3600)  # type: ignore[attr-defined]
    first, second = _token_headers(client, "unit"), _token_headers(client, "unit")
    assert client.get(ME_URL, headers=first).status_code == 200
    account = world.accounts["unit"]
    end_sessions(session=session, account_id=account.id or 0)
    client.app.state.accounts.forget(account.id)  # type: ignore[attr-defined]
    assert client.get(ME_URL, headers=first).status_code == 401
    assert client.get(ME_URL, headers=second).status_code == 401
    fresh = _token_headers(client, "unit")
    assert client.get(ME_URL, headers=fresh).status_code == 200


def test_a_change_made_by_another_process_is_seen_once_the_cache_is_stale(
    client: TestClient, session: Session, world: World
) -> None:
    cache: AccountCache = client.app.state.accounts  # type: ignore[attr-defined]
    now = [0.0]
    cache.clock = lambda: now[0]
    account = world.accounts["expert"]
    old = {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role)}"}
    assert client.get(ME_URL, headers=old).status_code == 200  # remembered at version 0
    end_sessions(session=session, account_id=account.id or 0)  # as another worker's logout would
    new = {"Authorization": f"Bearer {create_access_token(account.id or 0, account.role, version=1)}"}
    # A token newer than the remembered account is read again at once (a login elsewhere after a logout) ...
    assert client.get(ME_URL, headers=new).status_code == 200
    # ... and that read is what the old token is then checked against.
    assert client.get(ME_URL, headers=old).status_code == 401
    now[0] = cache.ttl + 1
    assert client.get(ME_URL, headers=old).status_code == 401


def test_a_token_from_before_versions_counts_as_version_zero(
    client: TestClient, session: Session, world: World
) -> None:
    account = world.accounts["leader"]
    claims = {"sub": str(account.id), "role": account.role, "exp": 4102444800}
    legacy = jwt.encode(claims, config.get_settings().secret_key, algorithm="HS256")
    headers = {"Authorization": f"Bearer {legacy}"}
    client.app.state.accounts = AccountCache(ttl=0)  # type: ignore[attr-defined]
    assert client.get(ME_URL, headers=headers).status_code == 200
    end_sessions(session=session, account_id=account.id or 0)
    assert client.get(ME_URL, headers=headers).status_code == 401


def test_a_token_with_a_forged_version_type_is_refused(client: TestClient, world: World) -> None:
    account = world.accounts["leader"]
    claims = {"sub": str(account.id), "role": account.role, "ver": "0", "exp": 4102444800}
    token = jwt.encode(claims, config.get_settings().secret_key, algorithm="HS256")
    assert client.get(ME_URL, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_city_resets_a_password_and_ends_the_old_sessions(
    client: TestClient, session: Session, world: World
) -> None:
    account = world.accounts["expert"]
    old = _token_headers(client, "expert")
    answer = client.post(
        f"/api/v1/accounts/{account.id}/password", headers=_city(world), json={"password": NEW_PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "expert"
    assert "password" not in answer.text
    assert client.get(ME_URL, headers=old).status_code == 401
    assert client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD}).status_code == 401
    assert client.get(ME_URL, headers=_token_headers(client, "expert", NEW_PASSWORD)).status_code == 200
    assert _version(session, account) == 1


@pytest.mark.parametrize("password", ["short-1", "x" * 129])
def test_a_reset_password_must_meet_the_policy(client: TestClient, world: World, password: str) -> None:
    account = world.accounts["expert"]
    answer = client.post(f"/api/v1/accounts/{account.id}/password", headers=_city(world), json={"password": password})
    assert answer.status_code == 422
    assert CHINESE.search(answer.json()["detail"])
    assert client.post(TOKEN_URL, data={"username": "expert", "password": PASSWORD}).status_code == 200


def test_only_the_city_resets_passwords(client: TestClient, world: World) -> None:
    target = world.accounts["expert"].id
    for role in ("district_official", "unit", "expert"):
        answer = client.post(
            f"/api/v1/accounts/{target}/password", headers=world.headers(role), json={"password": NEW_PASSWORD}
        )
        assert answer.status_code == 403
    assert client.post(f"/api/v1/accounts/{target}/password", json={"password": NEW_PASSWORD}).status_code == 401


def test_deactivating_ends_access_at_once_and_reactivating_allows_a_new_login(
    client: TestClient, session: Session, world: World
) -> None:
    client.app.state.accounts = AccountCache(ttl=3600)  # type: ignore[attr-defined]
    account = world.accounts["unit"]
    old = _token_headers(client, "unit")
    assert client.get(ME_URL, headers=old).status_code == 200
    off = client.patch(f"/api/v1/accounts/{account.id}", headers=_city(world), json={"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert client.get(ME_URL, headers=old).status_code == 401
    assert client.post(TOKEN_URL, data={"username": "unit", "password": PASSWORD}).status_code == 401
    on = client.patch(f"/api/v1/accounts/{account.id}", headers=_city(world), json={"active": True})
    assert on.json()["active"] is True
    assert client.get(ME_URL, headers=old).status_code == 401  # the version moved twice; old tokens stay dead
    assert client.get(ME_URL, headers=_token_headers(client, "unit")).status_code == 200
    assert _version(session, account) == 2


def test_a_new_role_ends_the_sessions_and_takes_its_scope(client: TestClient, session: Session, world: World) -> None:
    account = world.accounts["unit"]
    old = _token_headers(client, "unit")
    answer = client.patch(
        f"/api/v1/accounts/{account.id}",
        headers=_city(world),
        json={"role": "district_official", "district": "蒲江县"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["role"], body["district"], body["unit_id"]) == ("district_official", "510131", None)
    assert client.get(ME_URL, headers=old).status_code == 401
    assert client.get(ME_URL, headers=_token_headers(client, "unit")).json()["role"] == "district_official"


def test_a_role_without_its_record_is_refused_and_nothing_changes(
    client: TestClient, session: Session, world: World
) -> None:
    account = world.accounts["unit"]
    old = _token_headers(client, "unit")
    answer = client.patch(f"/api/v1/accounts/{account.id}", headers=_city(world), json={"role": "expert"})
    assert answer.status_code == 422
    assert CHINESE.search(answer.json()["detail"])
    assert client.get(ME_URL, headers=old).json()["role"] == "unit"
    assert _version(session, account) == 0


def test_a_new_display_name_keeps_the_sessions(client: TestClient, session: Session, world: World) -> None:
    account = world.accounts["unit"]
    old = _token_headers(client, "unit")
    answer = client.patch(f"/api/v1/accounts/{account.id}", headers=_city(world), json={"display_name": "五星村"})
    assert answer.json()["display_name"] == "五星村"
    assert client.get(ME_URL, headers=old).status_code == 200
    assert _version(session, account) == 0


def test_the_city_cannot_lock_itself_out(client: TestClient, world: World) -> None:
    own = world.accounts["city_official"].id
    for change in ({"active": False}, {"role": "unit", "unit_id": world.unit.id}):
        answer = client.patch(f"/api/v1/accounts/{own}", headers=_city(world), json=change)
        assert answer.status_code == 409
        assert CHINESE.search(answer.json()["detail"])
    assert client.get(ME_URL, headers=_city(world)).status_code == 200


def test_an_unknown_account_is_404(client: TestClient, world: World) -> None:
    answer = client.patch("/api/v1/accounts/99999", headers=_city(world), json={"active": False})
    assert answer.status_code == 404
    assert CHINESE.search(answer.json()["detail"])


def test_the_command_line_sets_a_password_and_ends_the_sessions(
    client: TestClient, session: Session, world: World
) -> None:
    from typer.testing import CliRunner

    from service.cli import app as cli_app

    old = _token_headers(client, "city")
    result = CliRunner().invoke(cli_app, ["user", "password", "--username", "city", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert client.get(ME_URL, headers=old).status_code == 401
    assert client.get(ME_URL, headers=_token_headers(client, "city", NEW_PASSWORD)).status_code == 200
    short = CliRunner().invoke(cli_app, ["user", "password", "--username", "city", "--password", "short"])
    assert short.exit_code == 2
    unknown = CliRunner().invoke(cli_app, ["user", "password", "--username", "nobody", "--password", NEW_PASSWORD])
    assert unknown.exit_code == 2
