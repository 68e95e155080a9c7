"""`zhiqiao serve`, `zhiqiao demo`, `zhiqiao db upgrade|downgrade|current`, `zhiqiao user create|password|list|
deactivate|activate`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import get_settings
from service.db import get_engine
from service.errors import AppError
from service.vocab import Role

if TYPE_CHECKING:
    from service.models import Account

db_app = typer.Typer(no_args_is_help=True)
user_app = typer.Typer(no_args_is_help=True)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    workers: int = typer.Option(1, "--workers", help="Worker processes"),
) -> None:
    import uvicorn

    from service.logging_setup import server_log_config

    # Forwarded headers are believed only from the proxies named in ZHIQIAO_FORWARDED_ALLOW_IPS (none by
    # default): otherwise any client could pick the address that the login limit counts by.
    proxies = get_settings().forwarded_allow_ips.strip()
    typer.echo(f"智桥 Zhiqiao at http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "service.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=server_log_config(),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


def _migrate(step: Callable[[Engine, str], None], revision: str) -> None:
    """Run `step` (upgrade or downgrade) to `revision`, then say where the database is; exit code 2 if refused."""
    from service.migrate import MigrationError, current_revision

    try:
        step(get_engine(), revision)
    except MigrationError as error:
        typer.echo(f"错误：{error}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(f"database at revision {current_revision(get_engine())}: {_describe_url()}")


@db_app.command("upgrade", help="Apply the migrations to the configured database (all of them by default).")
def db_upgrade(revision: str = typer.Argument("head", help="Revision to stop at (default: the newest)")) -> None:
    from service.migrate import upgrade

    _migrate(upgrade, revision)


@db_app.command(
    "downgrade",
    help="Undo migrations down to REVISION (e.g. 0005; `-- -1` undoes the last one). Columns a later revision "
    "added are dropped with their values: back the database up first.",
)
def db_downgrade(revision: str = typer.Argument(..., help="Revision to go back to, e.g. 0005")) -> None:
    from service.migrate import downgrade

    _migrate(downgrade, revision)


@db_app.command("current", help="Print the database's revision and the one this code expects (exit 1 if behind).")
def db_current() -> None:
    from service.migrate import current_revision, head_revision

    current, head = current_revision(get_engine()), head_revision()
    typer.echo(f"database: {current or 'empty (run zhiqiao db upgrade)'}; code expects: {head}  ({_describe_url()})")
    if current != head:
        raise typer.Exit(code=1)


def _describe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


PASSWORD_HELP = "Omit it to be asked (typed on the command line it stays in the shell's history and in `ps`)"


@user_app.command("create", help="Create a login.")
def user_create(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True, help=PASSWORD_HELP
    ),
    role: Role = typer.Option(..., "--role"),
    district: str | None = typer.Option(None, "--district", help="District code (GB/T 2260), for district officials"),
    unit_id: int | None = typer.Option(None, "--unit-id", help="The unit a unit login acts for"),
    expert_id: int | None = typer.Option(None, "--expert-id", help="The expert an expert login acts for"),
    leader_id: int | None = typer.Option(None, "--leader-id", help="The leader a leader login acts for"),
) -> None:
    from service.domain.accounts import create_account

    with Session(get_engine()) as session:
        try:
            account = create_account(
                session=session,
                username=username,
                password=password,
                role=role,
                district=district,
                unit_id=unit_id,
                expert_id=expert_id,
                leader_id=leader_id,
            )
        except AppError as error:
            typer.echo(f"错误：{error.message}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(f"account {account.username} ({account.role}) created")


@user_app.command("password", help="Set a new password for a login and end its sessions (e.g. a locked-out admin).")
def user_password(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True, help=PASSWORD_HELP
    ),
) -> None:
    from service.domain.accounts import reset_password

    with Session(get_engine()) as session:
        account = _login_named(session, username)
        try:
            reset_password(session=session, account_id=account.id or 0, password=password)
        except AppError as error:
            typer.echo(f"错误：{error.message}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(f"password of {username} changed; its sessions have ended")


def _login_named(session: Session, username: str) -> Account:
    """The account with this username; exit code 2 with a message when there is none."""
    from sqlmodel import select

    from service.models import Account

    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None:
        typer.echo(f"错误：用户名“{username}”不存在", err=True)
        raise typer.Exit(code=2)
    return account


def _set_active(username: str, active: bool) -> None:
    from service.domain.accounts import update_account
    from service.models import Account

    with Session(get_engine()) as session:
        account = _login_named(session, username)
        # the server's own administrator: not the account itself, so the rule against disabling oneself holds
        operator = Account(username="cli", password_hash="", role=Role.city_official, display_name="命令行")
        update_account(session=session, actor=operator, account_id=account.id or 0, changes={"active": active})


@user_app.command("deactivate", help="Stop a login: it can no longer sign in and its sessions end at once.")
def user_deactivate(username: str = typer.Option(..., "--username")) -> None:
    _set_active(username, False)
    typer.echo(f"account {username} deactivated; its sessions have ended")


@user_app.command("activate", help="Let a deactivated login sign in again.")
def user_activate(username: str = typer.Option(..., "--username")) -> None:
    _set_active(username, True)
    typer.echo(f"account {username} active")


@user_app.command("list", help="List the logins: username, role, district or record, active or not.")
def user_list(role: Role | None = typer.Option(None, "--role", help="Only this role")) -> None:
    from sqlmodel import select

    from service.models import Account

    with Session(get_engine()) as session:
        query = select(Account).order_by(Account.username)  # type: ignore[arg-type]
        if role is not None:
            query = query.where(Account.role == role)
        for a in session.exec(query):
            scope = a.district or next(
                (
                    f"{name}={value}"
                    for name, value in (("unit", a.unit_id), ("expert", a.expert_id), ("leader", a.leader_id))
                    if value is not None
                ),
                "",
            )
            typer.echo(f"{a.username:<20} {a.role:<18} {scope:<14} {'active' if a.active else 'deactivated'}")


def demo_command() -> None:
    from service.demo.load import load_demo

    settings = get_settings()
    if settings.is_production:
        # The demo's logins share one published password: they must never exist on a live installation.
        typer.echo("错误：ZHIQIAO_ENVIRONMENT=production 时不能加载演示数据（演示账号的密码是公开的）", err=True)
        raise typer.Exit(code=2)
    with Session(get_engine()) as session:
        logins = load_demo(session=session, progress=True)
    typer.echo(f"demo data loaded into {_describe_url()} ({settings.environment})")
    typer.echo("Demo logins (username / password / role):")
    for username, password, role in logins:
        typer.echo(f"  {username:<16} {password:<16} {role}")
