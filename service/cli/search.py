"""`zhiqiao search sync|reindex|check`: keep the search index in step with the database."""

from __future__ import annotations

import typer
from sqlmodel import Session

from service import db
from service.search_sync import check, drain_outbox, open_search_backend, pending, reindex

search_app = typer.Typer(no_args_is_help=True)


@search_app.command("sync", help="Apply the pending outbox changes to the search index.")
def sync_command() -> None:
    backend = open_search_backend()
    with Session(db.get_engine()) as session:
        waiting = pending(session)
        try:
            applied = drain_outbox(session, backend)
        except Exception as error:
            typer.echo(
                f"search backend failed ({type(error).__name__}: {error}); {pending(session)} changes wait", err=True
            )
            raise typer.Exit(code=1) from error
        finally:
            backend.close()
    typer.echo(f"applied {applied} of {waiting} pending changes")


@search_app.command("reindex", help="Rebuild both indexes from the database.")
def reindex_command() -> None:
    backend = open_search_backend()
    with Session(db.get_engine()) as session:
        total = reindex(session, backend, progress=True)
    backend.close()
    typer.echo(f"indexed {total} documents")


@search_app.command("check", help="Print every difference between the database and the index (exit 1 if any).")
def check_command() -> None:
    backend = open_search_backend()
    with Session(db.get_engine()) as session:
        differences = check(session, backend)
        waiting = pending(session)
    backend.close()
    dirty = False
    for d in differences:
        if d.clean:
            typer.echo(f"{d.index}: in step with the database")
            continue
        dirty = True
        typer.echo(f"{d.index}: missing {len(d.missing)}, extra {len(d.extra)}, stale {len(d.stale)}")
        for label, ids in (("missing", d.missing), ("extra", d.extra), ("stale", d.stale)):
            if ids:
                typer.echo(f"  {label}: {', '.join(ids[:50])}{' …' if len(ids) > 50 else ''}")
    if waiting:
        typer.echo(f"{waiting} changes are still waiting in the outbox (run `zhiqiao search sync`)")
    if dirty:
        raise typer.Exit(code=1)
