"""/api/v1/accounts: logins, managed by the city's organisation department."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import field_validator
from sqlmodel import Field, SQLModel, select

from service.api.deps import CityOfficial, SessionDep
from service.api.paging import Limit, Offset
from service.domain.accounts import create_account
from service.models import Account
from service.models.account import AccountPublic
from service.models.common import Page, RecordId
from service.validation import check_district
from service.vocab import Role

router = APIRouter(prefix="/accounts", tags=["accounts 账号"])


class AccountCreate(SQLModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    district: str | None = Field(default=None, max_length=10, description="区县代码或名称（区县组织部门账号）")
    unit_id: RecordId | None = None
    expert_id: RecordId | None = None
    leader_id: RecordId | None = None
    display_name: str = Field(default="", max_length=50)

    _district = field_validator("district")(check_district)


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
