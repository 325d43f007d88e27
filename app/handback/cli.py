"""`flask export`: hand orders back to the ERP from the command line.

    flask --app app export                 export what is new or changed; write CSV + JSONL files
    flask --app app export batches         list past batches
    flask --app app export again 12        write batch 12's files again
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.handback import export
from app.models import ExportBatch
from app.orders.unit_of_work import run

OUT_HELP = "Folder for the files (default: the instance folder's exports/)."


def _out_dir(out: Path | None) -> Path:
    folder = out or Path(current_app.config["INSTANCE_DIR"]) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(batch: ExportBatch, folder: Path) -> None:
    for kind, data in (("csv", batch.csv), ("jsonl", batch.jsonl)):
        path = folder / export.filename(batch, kind)
        path.write_bytes(data)
        click.echo(f"  {path}")


@click.group("export", invoke_without_command=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help=OUT_HELP)
@click.pass_context
def cli(ctx: click.Context, out: Path | None):
    """Export every order not yet exported or changed since, as CSV and JSON lines."""
    if ctx.invoked_subcommand is not None:
        return
    batch = run(lambda uow: export.create_batch(by=None, now=datetime.now(UTC)))
    if batch is None:
        click.echo("Nothing to export: no order is new or changed since the last batch.")
        return
    click.echo(f"Batch {batch.id}: {batch.order_count} order(s), {batch.line_count} line(s), sha256 {batch.checksum}")
    _write(batch, _out_dir(out))


@cli.command("batches")
def list_batches():
    """List past export batches, newest first."""
    rows = export.batches()
    if not rows:
        click.echo("No export batches yet.")
    for b in rows:
        click.echo(f"{b.id:5d}  {b.created_at:%Y-%m-%d %H:%M:%S}Z  {b.order_count:7d} orders  "
                   f"{b.line_count:7d} lines  sha256 {b.checksum}")


@cli.command("again")
@click.argument("batch_id", type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help=OUT_HELP)
def again(batch_id: int, out: Path | None):
    """Write the files of past batch BATCH_ID again, exactly as they were."""
    batch = db.session.scalars(select(ExportBatch).where(ExportBatch.id == batch_id)).first()
    if batch is None:
        raise click.ClickException(f"There is no export batch {batch_id}; `flask export batches` lists them.")
    click.echo(f"Batch {batch.id} of {batch.created_at:%Y-%m-%d %H:%M}Z, sha256 {batch.checksum}")
    _write(batch, _out_dir(out))
