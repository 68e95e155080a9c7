"""Passwords (Argon2 via pwdlib) and access tokens (signed JWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import jwt
from pwdlib import PasswordHash

from service.config import get_settings

_hasher = PasswordHash.recommended()
# Verified against when the user does not exist, so that a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("zhiqiao-dummy-password")
_ALGORITHM = "HS256"

#: The password policy of every login (created, reset): the length bounds, in characters.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


class TokenClaims(NamedTuple):
    """What a verified token says: whose it is, which of the account's token versions it was issued under."""

    account_id: int
    version: int


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Chinese), or None when it meets the policy."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"密码至少 {PASSWORD_MIN_LENGTH} 位"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"密码最多 {PASSWORD_MAX_LENGTH} 位"
    if not password.strip():
        return "密码不能全为空格"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded)."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, password_hash)


def create_access_token(account_id: int, role: str, *, version: int = 0) -> str:
    """A token for the account, valid until it expires or the account's `token_version` moves past `version`
    (logout, a password reset, a deactivation or a new role)."""
    settings = get_settings()
    expires = datetime.now(UTC) + timedelta(minutes=settings.access_token_minutes)
    payload: dict[str, Any] = {"sub": str(account_id), "role": role, "ver": version, "exp": expires}
    return jwt.encode(payload, settings.secret_key, algorithm=_ALGORITHM)


def decode_access_token(token: str) -> TokenClaims | None:
    """The account id and token version of a valid, unexpired token; None otherwise."""
    claims = _verified_claims(token, get_settings().secret_key)
    if claims is None or claims[1] <= datetime.now(UTC).timestamp():
        return None
    return claims[0]


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: str) -> tuple[TokenClaims, float] | None:
    """(claims, expiry timestamp) of a token whose signature holds, remembered: a client sends the same
    token with every request, and checking the signature again cost more than a search's own routing.
    A token without `ver` (issued before versions existed) counts as version 0."""
    try:
        payload = jwt.decode(token, secret_key, algorithms=[_ALGORITHM])
        version = payload.get("ver", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        return TokenClaims(int(payload["sub"]), version), float(payload["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
