"""Accounts: creating logins, checking passwords, and ending an account's sessions.

Every token carries the account's `token_version`; moving the version on (logout, a password reset, a
deactivation, a new role or scope) refuses every token issued before (`service.api.deps`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from service.errors import Conflict, InvalidInput, NotFound
from service.models import Account, Expert, Leader, Unit
from service.reference import districts
from service.security import hash_password, password_problem, verify_password
from service.vocab import Role

#: The fields that say what an account may do; changing any of them ends its sessions.
SCOPE_FIELDS = ("role", "district", "unit_id", "expert_id", "leader_id")


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise InvalidInput(problem)


def _check_scope(
    session: Session,
    *,
    role: Role,
    district: str | None,
    unit_id: int | None,
    expert_id: int | None,
    leader_id: int | None,
) -> None:
    """The record an account acts for must exist and fit its role."""
    required = {Role.unit: unit_id, Role.expert: expert_id, Role.leader: leader_id}
    if role in required and required[role] is None:
        raise InvalidInput(f"角色 {role} 须关联对应的记录 id")
    if role == Role.district_official and district not in districts():
        raise InvalidInput("区县组织部门账号须指定有效的区县代码")
    for model, record_id in ((Unit, unit_id), (Expert, expert_id), (Leader, leader_id)):
        if record_id is not None and session.get(model, record_id) is None:
            raise InvalidInput(f"关联的{model.__name__} {record_id} 不存在")


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
    _check_password(password)
    if session.exec(select(Account.id).where(Account.username == username)).first() is not None:
        raise Conflict(f"用户名“{username}”已被使用")
    _check_scope(session, role=role, district=district, unit_id=unit_id, expert_id=expert_id, leader_id=leader_id)
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


def end_sessions(*, session: Session, account_id: int) -> None:
    """Refuse every token issued to the account so far (logout ends the sessions on every device).

    One UPDATE that adds 1 in the database, so that two logouts at once both count."""
    statement = update(Account).where(Account.id == account_id).values(token_version=Account.token_version + 1)  # type: ignore[arg-type]
    session.exec(statement)  # type: ignore[call-overload]
    session.commit()


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"账号 {account_id} 不存在")
    return account


def reset_password(*, session: Session, account_id: int, password: str) -> Account:
    """Give the account a new password (policy of `service.security`) and end its sessions."""
    _check_password(password)
    account = _account(session, account_id)
    account.password_hash = hash_password(password)
    account.token_version += 1
    session.add(account)
    session.commit()
    session.refresh(account)
    return account


def update_account(*, session: Session, actor: Account, account_id: int, changes: dict[str, Any]) -> Account:
    """Deactivate or reactivate an account, or change its role, scope or display name.

    A deactivation or a change of role or scope ends the account's sessions (its tokens name the old rights).
    An official cannot deactivate their own account nor change its role or scope (nobody would be left to undo
    it)."""
    account = _account(session, account_id)
    changed = {name: value for name, value in changes.items() if getattr(account, name) != value}
    rights = [name for name in changed if name in (*SCOPE_FIELDS, "active")]
    if rights and account.id == actor.id:
        raise Conflict("不能停用自己的账号或更改自己的角色和范围")
    if any(name in SCOPE_FIELDS for name in changed):
        scope = {name: changed.get(name, getattr(account, name)) for name in SCOPE_FIELDS}
        role = Role(scope.pop("role"))
        # A role that acts for no record keeps none of the old ones (a unit made an official forgets its unit).
        for name, needed_by in (("unit_id", Role.unit), ("expert_id", Role.expert), ("leader_id", Role.leader)):
            if role != needed_by and name not in changes:
                scope[name] = None
        if role != Role.district_official and "district" not in changes:
            scope["district"] = None
        _check_scope(session, role=role, **scope)
        changed.update(scope, role=role.value)
    for name, value in changed.items():
        setattr(account, name, value)
    if rights:
        account.token_version += 1
    session.add(account)
    session.commit()
    session.refresh(account)
    return account
