"""Dependencies that read like prose: `SessionDep`, `CurrentAccount`, and the role guards of every route."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.config import get_settings
from service.db import get_reader_engine, get_session
from service.errors import Forbidden, NotAuthenticated
from service.models import Account
from service.security import decode_access_token
from service.vocab import ROLE_LABELS, Role

SESSION_COOKIE = "zhiqiao_session"

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class AccountCache:
    """Accounts this process read recently, by id, for `ttl` seconds.

    Every request names its account in its token; reading that row again on each request (a session, a pool
    checkout, a query) cost more than many routes' own work. The cache holds column values, and each request
    gets its own detached `Account` built from them, so no ORM object is shared between requests. A change to
    an account reaches this process's requests after at most `ttl` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._values: dict[int, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, account_id: int) -> tuple[bool, Account | None]:
        """(True, the account or None when unknown or inactive) while fresh; (False, None) when it must be read."""
        entry = self._values.get(account_id)
        if entry is None or entry[0] <= self.clock():
            return False, None
        return True, _account(entry[1])

    def load(self, account_id: int) -> Account | None:
        """Read the account from the database (blocking) and remember it."""
        values = _read_account(account_id)
        with self._lock:
            self._values[account_id] = (self.clock() + self.ttl, values)
        return _account(values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def _account(values: dict[str, Any] | None) -> Account | None:
    return Account(**values) if values is not None else None


def _read_account(account_id: int) -> dict[str, Any] | None:
    with Session(get_reader_engine()) as session:
        account = session.get(Account, account_id)
        return account.model_dump() if account is not None and account.active else None


def _account_cache(request: Request) -> AccountCache:
    # Made afresh by the app's lifespan (service.app), so a restarted app never trusts an old process's reads.
    cache: AccountCache | None = getattr(request.app.state, "accounts", None)
    if cache is None:
        cache = request.app.state.accounts = AccountCache(get_settings().account_cache_seconds)
    return cache


def account_for_token(session: Session, token: str | None) -> Account | None:
    """The active account a token names, read through `session`; None for no, a bad or an expired token."""
    account_id = decode_access_token(token) if token else None
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    return account if account is not None and account.active else None


async def optional_account(request: Request, token: Annotated[str | None, Depends(_bearer)] = None) -> Account | None:
    """The logged-in account, from a bearer token or the pages' session cookie; None when anonymous.

    Async, with the database read (when the cache misses) in the thread pool: the guard then costs a request
    no thread hop of its own when the account was seen in the last few seconds."""
    token = token or request.cookies.get(SESSION_COOKIE)
    account_id = decode_access_token(token) if token else None
    if account_id is None:
        return None
    cache = _account_cache(request)
    fresh, account = cache.lookup(account_id)
    if not fresh:
        account = await run_in_threadpool(cache.load, account_id)
    return account


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


class RoleGuard:
    """Admits the listed roles only. Every /api/v1 route carries exactly one guard (the tests check it)."""

    def __init__(self, *roles: Role, public: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public

    async def __call__(self, account: OptionalAccount) -> Account | None:
        if self.public:
            return account
        if account is None:
            raise NotAuthenticated("请先登录")
        if Role(account.role) not in self.roles:
            allowed = "、".join(ROLE_LABELS[r] for r in sorted(self.roles))
            raise Forbidden(f"此操作仅限{allowed}")
        return account


def guard(*roles: Role) -> object:
    """`account: Annotated[Account, guard(Role.unit, ...)]` — the logged-in account, if its role is listed."""
    return Depends(RoleGuard(*roles))


PUBLIC = Depends(RoleGuard(public=True))
ANY_ROLE = tuple(Role)
OFFICIAL_ROLES = (Role.district_official, Role.city_official)

Officials = Annotated[Account, guard(*OFFICIAL_ROLES)]
CityOfficial = Annotated[Account, guard(Role.city_official)]
AnyAccount = Annotated[Account, guard(*ANY_ROLE)]
