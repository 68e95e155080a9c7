"""`zhiqiao match ...`: the matching engine from the command line (BENCHMARK.md contract)."""

from __future__ import annotations

import typer

from service.cli.match_assign import assign_command

match_app = typer.Typer(no_args_is_help=True)
match_app.command("assign", help="Solve an assignment instance (JSON in, JSON out).")(assign_command)
