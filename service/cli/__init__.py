"""The `zhiqiao` command line: one Typer app, a sub-app per area."""

from __future__ import annotations

import typer

from service.cli.admin import db_app, demo_command, serve_command, user_app
from service.cli.data import export_command, import_command
from service.cli.match import match_app
from service.cli.search import search_app

app = typer.Typer(help="智桥 Zhiqiao: expert and talent-service matching platform.", no_args_is_help=True)
app.command("serve", help="Serve the web app and the API.")(serve_command)
app.command("demo", help="Load the demo data (idempotent) and print the demo logins.")(demo_command)
app.command("import", help="Import experts, units or needs from .xlsx/.csv.")(import_command)
app.command("export", help="Export experts, units, needs or visits to .xlsx.")(export_command)
app.add_typer(db_app, name="db", help="Database schema (Alembic migrations).")
app.add_typer(user_app, name="user", help="Accounts.")
app.add_typer(match_app, name="match", help="Rank, evaluate and assign (the matching engine).")
app.add_typer(search_app, name="search", help="Search index: sync, reindex, check.")


def main() -> None:
    app()
