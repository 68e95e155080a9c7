"""Logging in and out, changing one's own password, and the home page that sends each role to its own pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from service.api.auth import (
    LOGIN_SCOPE,
    TOO_MANY_ATTEMPTS,
    PasswordChangeRefused,
    TooManyAttempts,
    authenticate_throttled,
    change_own_password,
    limiter,
    login_limit,
    token_for_account,
)
from service.api.deps import SessionDep, account_for_token, forget_account
from service.config import get_settings
from service.domain.accounts import end_sessions
from service.models import Account
from service.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from service.vocab import Role
from service.web.forms import FormState
from service.web.routing import PageRoute
from service.web.session import (
    SESSION_COOKIE,
    PostedForm,
    anon_basis,
    clear_session_cookie,
    page_guard,
    safe_next,
    set_anon_cookie,
    set_session_cookie,
    token_for,
)
from service.web.templating import render
from service.web.text import NAV

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Shown on the login page outside production, matching `zhiqiao demo` and the test world.
DEMO_HINT = [
    ("单位", "unit"),
    ("专家", "expert"),
    ("区县组织部门", "district"),
    ("市委组织部", "city"),
    ("市领导", "leader"),
]


def home_of(role: str) -> str:
    return NAV[role][0][0]


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str = "", status_code: int = 200
) -> Response:
    basis, new = anon_basis(request)
    csrf = token_for(request.cookies.get(SESSION_COOKIE) or basis)
    response = render(
        request,
        "login.html",
        {
            "next": next_url,
            "username": username,
            "error": error,
            "demo_hint": [] if get_settings().is_production else DEMO_HINT,
        },
        csrf=csrf,
        status_code=status_code,
    )
    if new:
        set_anon_cookie(response, basis)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
@limiter.shared_limit(login_limit, scope=LOGIN_SCOPE)
def login(
    request: Request,
    session: SessionDep,
    form: PostedForm,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    target = safe_next(next)
    if not username.strip() or not password:
        return _login_page(request, next_url=target, username=username, error="请输入用户名和密码", status_code=422)
    try:
        account = authenticate_throttled(session=session, username=username.strip(), password=password)
    except TooManyAttempts:
        return _login_page(request, next_url=target, username=username, error=TOO_MANY_ATTEMPTS, status_code=429)
    if account is None:
        return _login_page(request, next_url=target, username=username, error="用户名或密码错误", status_code=401)
    if target == "/":
        target = home_of(account.role)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token_for_account(account))
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, form: PostedForm) -> Response:
    """Ends the session: the account's token version moves on, so this cookie (a copy of it, and the account's
    other sessions and API tokens) is refused from now on, not only forgotten by this browser."""
    account = account_for_token(session, request.cookies.get(SESSION_COOKIE))
    if account is not None and account.id is not None:
        end_sessions(session=session, account_id=account.id)
        forget_account(request, account.id)
    response = RedirectResponse("/login?msg=logged_out", status_code=303)
    clear_session_cookie(response)
    return response


AnyAccount = Annotated[Account, page_guard(*Role)]
PASSWORD_FIELDS = {"current_password": "当前密码", "new_password": "新密码", "new_password_again": "再次输入新密码"}


def _password_page(request: Request, account: Account, state: FormState, status_code: int = 200) -> Response:
    # the passwords typed are never written back into the page
    form = FormState(errors=state.errors)
    context = {"form": form, "min_length": PASSWORD_MIN_LENGTH, "max_length": PASSWORD_MAX_LENGTH}
    return render(request, "password.html", context, account=account, status_code=status_code)


@router.get("/account/password")
def password_form(request: Request, account: AnyAccount) -> Response:
    return _password_page(request, account, FormState())


@router.post("/account/password")
def change_password(request: Request, session: SessionDep, account: AnyAccount, form: PostedForm) -> Response:
    typed = {name: form.get(name) for name in PASSWORD_FIELDS}
    values = {name: value if isinstance(value, str) else "" for name, value in typed.items()}
    state = FormState()
    for name, label in PASSWORD_FIELDS.items():
        if not values[name]:
            state.add(name, f"{label}为必填项")
    if (
        values["new_password"]
        and values["new_password_again"]
        and values["new_password"] != values["new_password_again"]
    ):
        state.add("new_password_again", "两次输入的新密码不一致")
    if not state.ok:
        return _password_page(request, account, state, status_code=422)
    try:
        changed = change_own_password(
            session=session, account=account, current=values["current_password"], new=values["new_password"]
        )
    except TooManyAttempts:
        state.add("current_password", TOO_MANY_ATTEMPTS)
        return _password_page(request, account, state, status_code=429)
    except PasswordChangeRefused as refused:
        state.add(refused.field, refused.message)
        return _password_page(request, account, state, status_code=422)
    forget_account(request, changed.id or 0)
    response = RedirectResponse(f"{home_of(Role(changed.role))}?msg=password_changed", status_code=303)
    set_session_cookie(response, token_for_account(changed))
    return response


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    account = account_for_token(session, request.cookies.get(SESSION_COOKIE))
    if account is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_of(Role(account.role)), status_code=303)
