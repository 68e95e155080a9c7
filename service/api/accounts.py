"""/api/v1/accounts: logins, managed by the city's organisation department."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import field_validator
from sqlmodel import Field, SQLModel, select

from service.api.deps import CityOfficial, SessionDep, forget_account
from service.api.paging import Limit, Offset, PathId
from service.domain.accounts import create_account, reset_password, update_account
from service.models import Account
from service.models.account import AccountPublic
from service.models.common import Page, RecordId
from service.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from service.validation import check_district
from service.vocab import Role

router = APIRouter(prefix="/accounts", tags=["accounts 账号"])


class AccountCreate(SQLModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    role: Role
    district: str | None = Field(default=None, max_length=10, description="区县代码或名称（区县组织部门账号）")
    unit_id: RecordId | None = None
    expert_id: RecordId | None = None
    leader_id: RecordId | None = None
    display_name: str = Field(default="", max_length=50)

    _district = field_validator("district")(check_district)


class AccountUpdate(SQLModel):
    """Only the fields sent are changed. A change of `active`, the role or the scope ends the account's sessions;
    when the role changes, the scope fields the new role does not use are cleared."""

    active: bool | None = Field(default=None, description="false 停用账号（其登录立即失效），true 恢复")
    role: Role | None = None
    district: str | None = Field(default=None, max_length=10, description="区县代码或名称（区县组织部门账号）")
    unit_id: RecordId | None = None
    expert_id: RecordId | None = None
    leader_id: RecordId | None = None
    display_name: str | None = Field(default=None, max_length=50)

    _district = field_validator("district")(check_district)


class PasswordReset(SQLModel):
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


@router.get("", summary="账号列表")
def list_accounts(
    session: SessionDep, viewer: CityOfficial, limit: Limit = 20, offset: Offset = 0
) -> Page[AccountPublic]:
    rows = session.exec(select(Account).order_by(Account.id).offset(offset).limit(limit)).all()  # type: ignore[arg-type]
    total = len(session.exec(select(Account.id)).all())
    return Page(data=[AccountPublic.model_validate(a) for a in rows], count=total)


@router.post("", status_code=201, summary="新建账号")
def new_account(session: SessionDep, actor: CityOfficial, body: AccountCreate) -> AccountPublic:
    account = create_account(session=session, **body.model_dump())
    return AccountPublic.model_validate(account)


@router.patch("/{account_id}", summary="停用、恢复账号或更改其角色与范围（已签发的令牌随之失效）")
def change_account(
    request: Request, session: SessionDep, actor: CityOfficial, account_id: PathId, body: AccountUpdate
) -> AccountPublic:
    changes = body.model_dump(exclude_unset=True)
    for name in ("active", "role", "display_name"):
        if name in changes and changes[name] is None:
            del changes[name]  # null for a field that cannot be empty means: leave it
    account = update_account(session=session, actor=actor, account_id=account_id, changes=changes)
    forget_account(request, account_id)
    return AccountPublic.model_validate(account)


@router.post("/{account_id}/password", summary="重置账号密码（其已签发的令牌随之失效）")
def new_password(
    request: Request, session: SessionDep, actor: CityOfficial, account_id: PathId, body: PasswordReset
) -> AccountPublic:
    account = reset_password(session=session, account_id=account_id, password=body.password)
    forget_account(request, account_id)
    return AccountPublic.model_validate(account)
