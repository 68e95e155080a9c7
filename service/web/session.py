"""Who is looking at a page: the session cookie, the per-page role check and the CSRF token of forms.

The cookie holds the same JWT as the API's bearer token. Pages answer an anonymous visitor with a redirect to
the login page and a wrong role with a 403 page, instead of the API's JSON errors.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from service.api.deps import SESSION_COOKIE, optional_account
from service.config import get_settings
from service.models import Account
from service.vocab import Role

#: Random value given to anonymous visitors so that the login form, too, carries a CSRF token.
ANON_COOKIE = "zhiqiao_anon"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page needs a logged-in account; the visitor is sent to the login page and back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(Exception):
    """The account is logged in but its role may not open this page."""


class CsrfRejected(Exception):
    """A form arrived without the token of the visitor's own session."""


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


def safe_next(next_url: str | None) -> str:
    """Only local paths are followed after login (no open redirect to another site)."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/"


class PageGuard:
    """Admits the listed roles to a page; anonymous visitors go to the login page."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def __call__(self, request: Request, account: Annotated[Account | None, Depends(optional_account)]) -> Account:
        if account is None or request.cookies.get(SESSION_COOKIE) is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(path if request.method == "GET" else request.url.path)
        request.state.account = account
        if Role(account.role) not in self.roles:
            raise PageForbidden()
        return account


def page_guard(*roles: Role) -> object:
    """`account: Annotated[Account, page_guard(Role.unit)]` — the logged-in account, if its role is listed."""
    return Depends(PageGuard(*roles))


def _csrf_basis(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE) or ""


def token_for(basis: str) -> str:
    """The CSRF token derived from one cookie value (empty when there is none)."""
    if not basis:
        return ""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf|" + basis.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token every form of this visitor carries: an HMAC of their session (or anonymous) cookie."""
    return token_for(_csrf_basis(request))


async def posted_form(request: Request) -> FormData:
    """The submitted form, once its CSRF token has been checked against the visitor's session."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = csrf_token(request)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]


def anon_basis(request: Request) -> tuple[str, bool]:
    """The anonymous visitor's random cookie value, and whether it is new (to be set on the response)."""
    existing = request.cookies.get(ANON_COOKIE)
    return (existing, False) if existing else (secrets.token_urlsafe(24), True)


def set_anon_cookie(response: Response, value: str) -> None:
    response.set_cookie(ANON_COOKIE, value, httponly=True, samesite="lax", secure=_secure(), max_age=60 * 60 * 24)


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(),
        max_age=settings.access_token_minutes * 60,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure())


def _secure() -> bool:
    return get_settings().is_production
