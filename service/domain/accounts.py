"""Accounts: creating logins and checking passwords."""

from __future__ import annotations

from sqlmodel import Session, select

from service.errors import Conflict, InvalidInput
from service.models import Account, Expert, Leader, Unit
from service.reference import districts
from service.security import hash_password, verify_password
from service.vocab import Role


def create_account(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    district: str | None = None,
    unit_id: int | None = None,
    expert_id: int | None = None,
    leader_id: int | None = None,
    display_name: str = "",
) -> Account:
    """A new login; the record it acts for must exist and fit the role."""
    if len(password) < 8:
        raise InvalidInput("密码至少 8 位")
    if session.exec(select(Account.id).where(Account.username == username)).first() is not None:
        raise Conflict(f"用户名“{username}”已被使用")
    required = {Role.unit: unit_id, Role.expert: expert_id, Role.leader: leader_id}
    if role in required and required[role] is None:
        raise InvalidInput(f"角色 {role} 须关联对应的记录 id")
    if role == Role.district_official and district not in districts():
        raise InvalidInput("区县组织部门账号须指定有效的区县代码")
    for model, record_id in ((Unit, unit_id), (Expert, expert_id), (Leader, leader_id)):
        if record_id is not None and session.get(model, record_id) is None:
            raise InvalidInput(f"关联的{model.__name__} {record_id} 不存在")
    account = Account(
        username=username,
        password_hash=hash_password(password),
        role=role,
        district=district,
        unit_id=unit_id,
        expert_id=expert_id,
        leader_id=leader_id,
        display_name=display_name or username,
    )
    session.add(account)
    session.commit()
    session.refresh(account)
    return account


def authenticate(*, session: Session, username: str, password: str) -> Account | None:
    """The active account with this username and password; rehashes an outdated hash on success."""
    account = session.exec(select(Account).where(Account.username == username)).first()
    ok, new_hash = verify_password(password, account.password_hash if account else None)
    if not ok or account is None or not account.active:
        return None
    if new_hash:
        account.password_hash = new_hash
        session.add(account)
        session.commit()
    return account
