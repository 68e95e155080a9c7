"""Dependencies that read like prose: `SessionDep`, `CurrentAccount`, and the role guards of every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from service.db import get_session
from service.errors import Forbidden, NotAuthenticated
from service.models import Account
from service.security import decode_access_token
from service.vocab import ROLE_LABELS, Role

SESSION_COOKIE = "zhiqiao_session"

SessionDep = Annotated[Session, Depends(get_session)]
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def optional_account(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(_bearer)] = None
) -> Account | None:
    """The logged-in account, from a bearer token or the pages' session cookie; None when anonymous."""
    token = token or request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    account_id = decode_access_token(token)
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    return account if account is not None and account.active else None


OptionalAccount = Annotated[Account | None, Depends(optional_account)]


class RoleGuard:
    """Admits the listed roles only. Every /api/v1 route carries exactly one guard (the tests check it)."""

    def __init__(self, *roles: Role, public: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public

    def __call__(self, account: OptionalAccount) -> Account | None:
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
