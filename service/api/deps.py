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

from service import audit
from service.config import get_settings
from service.db import get_reader_engine, get_session
from service.errors import Forbidden, NotAuthenticated
from service.models import Account
from service.security import TokenClaims, decode_access_token
from service.vocab import ROLE_LABELS, Role

SESSION_COOKIE = "zhiqiao_session"

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class AccountCache:
    """Accounts this process read recently, by id, for `ttl` seconds.

    Every request names its account in its token; reading that row again on each request (a session, a pool
    checkout, a query) cost more than many routes' own work. The cache holds column values, and each request
    gets its own detached `Account` built from them, so no ORM object is shared between requests. A change to
    an account made by another process reaches this process's requests after at most `ttl` seconds; one made
    by this process is `forget`-ed at once. A token newer than the remembered account (a login elsewhere after
    a logout) makes it read again."""

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

    def forget(self, account_id: int) -> None:
        """Read the account again on its next request (this process just changed it)."""
        with self._lock:
            self._values.pop(account_id, None)

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


def forget_account(request: Request, account_id: int) -> None:
    """After this process changed an account: its next request reads it again (other processes within
    `account_cache_seconds`)."""
    _account_cache(request).forget(account_id)


def _admits(account: Account | None, claims: TokenClaims) -> Account | None:
    """The account, if the token was issued under its current version (not before a logout or a reset)."""
    return account if account is not None and account.token_version == claims.version else None


def account_for_token(session: Session, token: str | None) -> Account | None:
    """The active account a token names, read through `session`; None for no, a bad, an expired or a revoked
    token."""
    claims = decode_access_token(token) if token else None
    if claims is None:
        return None
    account = session.get(Account, claims.account_id)
    return _admits(account if account is not None and account.active else None, claims)


#: Methods that change nothing: the only ones for which the API accepts the pages' session cookie.
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: Why an API write with only the session cookie is refused (the cookie would make it forgeable cross-site).
COOKIE_WRITE_REFUSED = "接口的写操作须在 Authorization 请求头中提供 Bearer 令牌，不接受页面登录的 Cookie"


def _is_api_request(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def session_cookie_for(request: Request) -> str | None:
    """The session cookie, where it may stand for a login: every page, and the API's safe methods only.

    Pages check a CSRF token on every POST; the API has none, so a cookie on an API write (which a browser
    sends along with a forged cross-site request) is ignored and the write needs the bearer token. GET and
    HEAD keep the cookie for the pages' download links (Excel exports)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and _is_api_request(request) and request.method not in SAFE_METHODS:
        request.state.cookie_write_refused = True
        return None
    return cookie


async def optional_account(request: Request, token: Annotated[str | None, Depends(_bearer)] = None) -> Account | None:
    """The logged-in account, from a bearer token or the pages' session cookie (`session_cookie_for`); None
    when anonymous or when the token was revoked (its version is older than the account's).

    Async, with the database read (when the cache misses) in the thread pool: the guard then costs a request
    no thread hop of its own when the account was seen in the last few seconds."""
    token = token or session_cookie_for(request)
    claims = decode_access_token(token) if token else None
    if claims is None:
        return None
    cache = _account_cache(request)
    fresh, account = cache.lookup(claims.account_id)
    if fresh and account is not None and account.token_version < claims.version:
        fresh = False  # the token is newer than what this process remembers: the account changed since
    if not fresh:
        account = await run_in_threadpool(cache.load, claims.account_id)
    admitted = _admits(account, claims)
    audit.act_as(admitted)  # what this request changes is recorded as this account's (service/audit.py)
    return admitted


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


class RoleGuard:
    """Admits the listed roles only. Every /api/v1 route carries exactly one guard (the tests check it)."""

    def __init__(self, *roles: Role, public: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public

    async def __call__(self, request: Request, account: OptionalAccount) -> Account | None:
        if self.public:
            return account
        if account is None:
            if getattr(request.state, "cookie_write_refused", False):
                raise NotAuthenticated(COOKIE_WRITE_REFUSED)
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
