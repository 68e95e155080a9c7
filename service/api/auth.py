"""/api/v1/auth: tokens for scripts (OAuth2 password form) and the current account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from slowapi import Limiter
from slowapi.util import get_remote_address

from service.api.deps import PUBLIC, AnyAccount, SessionDep
from service.config import get_settings
from service.domain.accounts import authenticate
from service.errors import NotAuthenticated
from service.models.account import AccountPublic, Token
from service.security import create_access_token

router = APIRouter(prefix="/auth", tags=["auth 登录"])

#: Counts login attempts per client address (in this process, or in ZHIQIAO_RATE_LIMIT_STORAGE when set).
limiter = Limiter(key_func=get_remote_address, storage_uri=get_settings().rate_limit_storage)


def _login_limit() -> str:
    return get_settings().login_rate_limit


@router.post("/token", summary="用户名密码换取访问令牌（OAuth2 password）", dependencies=[PUBLIC])
@limiter.limit(_login_limit)
def issue_token(request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    account = authenticate(session=session, username=form.username, password=form.password)
    if account is None:
        raise NotAuthenticated("用户名或密码错误")
    return Token(access_token=create_access_token(account.id or 0, account.role))


@router.get("/me", summary="当前登录账号")
def me(account: AnyAccount) -> AccountPublic:
    return AccountPublic.model_validate(account)
