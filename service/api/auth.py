"""/api/v1/auth: tokens for scripts (OAuth2 password form) and the current account; the login throttle that
the token endpoint and the login page share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from limits import RateLimitItem, parse_many
from slowapi import Limiter
from slowapi.util import get_remote_address
from sqlmodel import Field, Session, SQLModel

from service.api.deps import PUBLIC, AnyAccount, SessionDep, forget_account
from service.config import get_settings
from service.domain.accounts import authenticate, reset_password
from service.errors import AppError, InvalidInput, NotAuthenticated
from service.models import Account
from service.models.account import AccountPublic, Token
from service.security import PASSWORD_MAX_LENGTH, create_access_token, password_problem

router = APIRouter(prefix="/auth", tags=["auth 登录"])

#: Counts login attempts per client address and failed logins per username, in this process's memory or in
#: ZHIQIAO_RATE_LIMIT_STORAGE (shared by every worker when it names a server such as Redis).
limiter = Limiter(key_func=get_remote_address, storage_uri=get_settings().rate_limit_storage)
#: The per-address limit's scope: the token endpoint and the login page count together.
LOGIN_SCOPE = "login"
_USERNAME_SCOPE = "login-username"
TOO_MANY_ATTEMPTS = "尝试次数过多，请稍后再试"


class TooManyAttempts(AppError):
    """This username failed to log in too often lately (from any address)."""

    status_code = 429
    code = "rate_limited"


def login_limit() -> str:
    return get_settings().login_rate_limit


def _username_limits() -> list[RateLimitItem]:
    return parse_many(get_settings().login_username_rate_limit)


def _username_key(username: str) -> str:
    return username.strip().casefold()


def authenticate_throttled(*, session: Session, username: str, password: str) -> Account | None:
    """`authenticate`, unless the username has spent its failed attempts (then `TooManyAttempts`, without
    checking the password: an attacker who rotates addresses gets no more guesses). A failure counts."""
    strategy = limiter.limiter
    key = _username_key(username)
    limits = _username_limits()
    if not all(strategy.test(item, _USERNAME_SCOPE, key) for item in limits):
        raise TooManyAttempts(TOO_MANY_ATTEMPTS)
    account = authenticate(session=session, username=username, password=password)
    if account is None:
        for item in limits:
            strategy.hit(item, _USERNAME_SCOPE, key)
    return account


#: Said when the current password given to change it is wrong (the form shows it beside that field).
WRONG_CURRENT_PASSWORD = "当前密码不正确"


class PasswordChangeRefused(InvalidInput):
    """A change of one's own password refused; `field` is the form field the message belongs beside."""

    field: str

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, field=field)


def change_own_password(*, session: Session, account: Account, current: str, new: str) -> Account:
    """The logged-in account's new password, once its current one is given (a wrong one counts as a failed login
    of the username, so this is no way round the login throttle). The account's other sessions and tokens end."""
    if authenticate_throttled(session=session, username=account.username, password=current) is None:
        raise PasswordChangeRefused(WRONG_CURRENT_PASSWORD, "current_password")
    problem = password_problem(new)
    if problem is not None:
        raise PasswordChangeRefused(problem, "new_password")
    if new == current:
        raise PasswordChangeRefused("新密码不能与当前密码相同", "new_password")
    return reset_password(session=session, account_id=account.id or 0, password=new)


def token_for_account(account: Account) -> str:
    """An access token (bearer or session cookie) under the account's current token version."""
    return create_access_token(account.id or 0, account.role, version=account.token_version)


@router.post("/token", summary="用户名密码换取访问令牌（OAuth2 password）", dependencies=[PUBLIC])
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
def issue_token(request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    account = authenticate_throttled(session=session, username=form.username, password=form.password)
    if account is None:
        raise NotAuthenticated("用户名或密码错误")
    return Token(access_token=token_for_account(account))


@router.get("/me", summary="当前登录账号")
def me(account: AnyAccount) -> AccountPublic:
    return AccountPublic.model_validate(account)


class PasswordChange(SQLModel):
    current_password: str = Field(max_length=PASSWORD_MAX_LENGTH, description="当前密码")
    new_password: str = Field(max_length=PASSWORD_MAX_LENGTH, description="新密码（长度要求见账号密码规则）")


@router.post("/password", summary="修改本人密码（其他已登录的设备与令牌随之失效；返回新令牌）")
def change_password(request: Request, session: SessionDep, account: AnyAccount, body: PasswordChange) -> Token:
    changed = change_own_password(
        session=session, account=account, current=body.current_password, new=body.new_password
    )
    forget_account(request, changed.id or 0)
    return Token(access_token=token_for_account(changed))
