"""The `zhiqiao` command line: one Typer app, a sub-app per area."""

from __future__ import annotations

import typer

from service.cli.admin import db_app, demo_command, serve_command, user_app
from service.cli.data import export_command, import_command
from service.cli.match import match_app
from service.cli.search import search_app

app = typer.Typer(help="智桥 Zhiqiao: expert and talent-service matching platform.", no_args_is_help=True)
app.command("serve", help="Serve the web app and the API.")(serve_command)
app.command(
    "demo",
    help="Load the demo data (idempotent) and print the demo logins (development only: refused in production).",
)(demo_command)
app.command("import", help="Import experts, units or needs from .xlsx/.csv.")(import_command)
app.command("export", help="Export experts, units, needs or visits to .xlsx.")(export_command)
app.add_typer(db_app, name="db", help="Database schema (Alembic migrations): upgrade, downgrade, current.")
app.add_typer(user_app, name="user", help="Logins: create, list, password, deactivate, activate.")
app.add_typer(match_app, name="match", help="Rank, evaluate and assign (the matching engine).")
app.add_typer(search_app, name="search", help="Search index: sync, reindex, check.")


def main() -> None:
    from pydantic import ValidationError
    from sqlalchemy.exc import OperationalError

    from service.logging_setup import install_filter
    from service.search_sync import SearchIndexUnavailable

    install_filter()
    try:
        app()
    except ValidationError as error:  # a setting refused (ZHIQIAO_SECRET_KEY, ZHIQIAO_ENVIRONMENT, …)
        messages = "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in error.errors())
        typer.echo(f"错误：配置有误 (configuration): {messages}", err=True)
        raise SystemExit(2) from None
    except SearchIndexUnavailable as error:
        typer.echo(f"错误：{error}", err=True)
        raise SystemExit(2) from None
    except OperationalError as error:  # the database cannot be reached (or not migrated): one line, no traceback
        from service.db import get_engine

        reason = str(error.orig or error).strip().splitlines()[0]
        where = get_engine().url.render_as_string(hide_password=True)
        typer.echo(f"错误：数据库无法使用 (database error) {where}: {reason}", err=True)
        raise SystemExit(2) from None
