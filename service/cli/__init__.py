"""The `zhiqiao` command line: one Typer app, a sub-app per area."""

from __future__ import annotations

import typer

from service.cli.match import match_app

app = typer.Typer(help="智桥 Zhiqiao: expert and talent-service matching platform.", no_args_is_help=True)
app.add_typer(match_app, name="match", help="Rank, evaluate and assign (the matching engine).")


def main() -> None:
    app()
