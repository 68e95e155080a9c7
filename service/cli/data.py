"""`zhiqiao import experts|units|needs FILE [--dry-run]` and `zhiqiao export KIND --out FILE.xlsx`."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlmodel import Session, select
from tqdm import tqdm

from service import audit
from service.db import get_engine
from service.errors import AppError
from service.importing import ImportKind, ImportReport, apply_plan, plan_import, read_table
from service.importing.catalogue import KIND_LABELS, ExportKind
from service.models import Account
from service.vocab import OFFICIALS, Role

#: Tables this long get a progress bar.
PROGRESS_FROM_ROWS = 1000

ACCOUNT_OPTION = typer.Option(
    None, "--account", help="Act as this official's login (a district official is limited to the district)"
)


def _actor(session: Session, username: str | None) -> Account:
    """The named official, or a city-level operator for the server's own administrator."""
    if username is None:
        return Account(username="cli", password_hash="", role=Role.city_official, display_name="命令行")
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None or account.role not in OFFICIALS:
        typer.echo(f"错误：账号“{username}”不存在或不是组织部门账号", err=True)
        raise typer.Exit(code=2)
    return account


def format_report(report: ImportReport) -> str:
    """The report as officials read it: the counts, the notes, then each rejected row with its row number."""
    label = KIND_LABELS[report.kind]
    verb = "检查" if report.dry_run else "导入"
    would = "将" if report.dry_run else ""
    lines = [
        f"{label}{verb}：共 {report.total_rows} 行，{would}新增 {report.created} 行，"
        f"{would}更新 {report.updated} 行，未导入 {len(report.rejected)} 行（空行不计）"
    ]
    if report.ignored_columns:
        lines.append(f"未识别的列（未导入）：{'、'.join(report.ignored_columns)}")
    lines.extend(f"说明：{note}" for note in report.notes)
    for rejected in report.rejected:
        column = f"［{rejected.column}］" if rejected.column else ""
        lines.append(f"  第 {rejected.row} 行{column}：{rejected.reason}")
    return "\n".join(lines)


def import_command(
    kind: ImportKind = typer.Argument(..., help="experts | units | needs"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help=".xlsx or .csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, write nothing"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    account: str | None = ACCOUNT_OPTION,
) -> None:
    """Import a roster; exit code 1 if any row was rejected, 2 if the file as a whole was refused."""
    with Session(get_engine()) as session:
        actor = _actor(session, account)
        try:
            table = read_table(file.read_bytes(), file.name, kind)
            show = len(table.rows) >= PROGRESS_FROM_ROWS
            with tqdm(total=len(table.rows), desc="检查", unit="行", disable=not show) as bar:
                plan = plan_import(session, actor, table, on_row=lambda: bar.update(1))
            if dry_run:
                session.rollback()
                report = plan.report(dry_run=True)
            else:
                with audit.acting(actor):  # the 操作记录 names the account, or cli without --account
                    report = apply_plan(session, plan)
        except AppError as error:
            typer.echo(f"错误：{error.message}", err=True)
            raise typer.Exit(code=2) from error
    typer.echo(report.model_dump_json(indent=2) if as_json else format_report(report))
    if report.rejected:
        raise typer.Exit(code=1)


def export_command(
    kind: ExportKind = typer.Argument(..., help="experts | units | needs | visits"),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="The .xlsx file to write"),
    account: str | None = ACCOUNT_OPTION,
) -> None:
    """Write the whole list as an Excel workbook (personal data masked by the account's rights)."""
    from service.exporting import export_kind

    with Session(get_engine()) as session:
        actor = _actor(session, account)
        try:
            content = export_kind(session=session, viewer=actor, kind=kind)
        except AppError as error:
            typer.echo(f"错误：{error.message}", err=True)
            raise typer.Exit(code=2) from error
    out.write_bytes(content)
    typer.echo(f"已导出到 {out}（{len(content) // 1024} KB）")
