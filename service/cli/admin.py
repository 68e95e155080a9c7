"""`zhiqiao serve`, `zhiqiao demo`, `zhiqiao db upgrade`, `zhiqiao user create`."""

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

    typer.echo(f"智桥 Zhiqiao at http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run("service.main:app", host=host, port=port, workers=workers, log_level="info")


@db_app.command("upgrade", help="Apply every migration to the configured database.")
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


def demo_command() -> None:
    from service.demo.load import load_demo

    settings = get_settings()
    with Session(get_engine()) as session:
        logins = load_demo(session=session, progress=True)
    typer.echo(f"demo data loaded into {_describe_url()} ({settings.environment})")
    typer.echo("Demo logins (username / password / role):")
    for username, password, role in logins:
        typer.echo(f"  {username:<16} {password:<16} {role}")
