"""`zhiqiao serve`, `zhiqiao demo`, `zhiqiao db upgrade`, `zhiqiao user create` and `zhiqiao user password`."""

from __future__ import annotations

import typer
from sqlmodel import Session

from service.config import get_settings
from service.db import get_engine
from service.errors import AppError
from service.vocab import Role

db_app = typer.Typer(no_args_is_help=True)
user_app = typer.Typer(no_args_is_help=True)


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", help="Port to listen on"),
    workers: int = typer.Option(1, "--workers", help="Worker processes"),
) -> None:
    import uvicorn

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
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )


@db_app.command("upgrade", help="Apply the migrations up to `revision` (default: head, all of them) to the database.")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    from service.migrate import upgrade

    upgrade(get_engine(), revision)
    typer.echo(f"database at revision {revision}: {_describe_url()}")


def _describe_url() -> str:
    return get_engine().url.render_as_string(hide_password=True)


@user_app.command("create", help="Create a login.")
def user_create(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
    role: Role = typer.Option(..., "--role"),
    district: str | None = typer.Option(None, "--district", help="District code, for district officials"),
    unit_id: int | None = typer.Option(None, "--unit-id"),
    expert_id: int | None = typer.Option(None, "--expert-id"),
    leader_id: int | None = typer.Option(None, "--leader-id"),
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
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    from sqlmodel import select

    from service.domain.accounts import reset_password
    from service.models import Account

    with Session(get_engine()) as session:
        account_id = session.exec(select(Account.id).where(Account.username == username)).first()
        try:
            if account_id is None:
                raise AppError(f"用户名“{username}”不存在")
            reset_password(session=session, account_id=account_id, password=password)
        except AppError as error:
            typer.echo(f"错误：{error.message}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(f"password of {username} changed; its sessions have ended")


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
