"""Passwords (Argon2 via pwdlib) and access tokens (signed JWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash

from service.config import get_settings

_hasher = PasswordHash.recommended()
# Verified against when the user does not exist, so that a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("zhiqiao-dummy-password")
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded)."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, password_hash)


def create_access_token(account_id: int, role: str) -> str:
    settings = get_settings()
    expires = datetime.now(UTC) + timedelta(minutes=settings.access_token_minutes)
    payload: dict[str, Any] = {"sub": str(account_id), "role": role, "exp": expires}
    return jwt.encode(payload, settings.secret_key, algorithm=_ALGORITHM)


def decode_access_token(token: str) -> int | None:
    """The account id in a valid, unexpired token; None otherwise."""
    claims = _verified_claims(token, get_settings().secret_key)
    if claims is None or claims[1] <= datetime.now(UTC).timestamp():
        return None
    return claims[0]


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: str) -> tuple[int, float] | None:
    """(account id, expiry timestamp) of a token whose signature holds, remembered: a client sends the same
    token with every request, and checking the signature again cost more than a search's own routing."""
    try:
        payload = jwt.decode(token, secret_key, algorithms=[_ALGORITHM])
        return int(payload["sub"]), float(payload["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
