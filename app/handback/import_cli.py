"""`flask import-catalogue FILE`: load the parts catalogue from a CSV (number, brand, description, EAN)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from app.handback.catalogue import decode, import_catalogue
from app.orders.unit_of_work import UnitOfWork


@click.command("import-catalogue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
def cli(path: Path, dry_run: bool):
    """Import or update catalogue parts from PATH; bad rows are listed by line and skipped."""
    text = decode(path.read_bytes())
    with UnitOfWork() as uow:  # a dry run leaves it without a commit: nothing is written
        report = import_catalogue(text, now=datetime.now(UTC), dry_run=dry_run)
        if not dry_run:
            uow.commit()
    echo_import_report(report, dry_run=dry_run)


def echo_import_report(report, *, dry_run: bool) -> None:
    """What an import changed (or would), and every row it could not read, by line number."""
    for change in report.changes:
        click.echo(change)
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)
    verb = "would be" if dry_run else "were"
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged {verb} imported; "
               f"{len(report.errors)} row(s) could not be read.")
