"""`flask backup`: back up the database now (the worker also does, every PARTDESK_BACKUP_MINUTES)."""
from __future__ import annotations

import time

import click
from flask import current_app

from app.backup import service
from app.backup.files import BackupError
from app.extensions import db


@click.command("backup")
@click.option("--loop", is_flag=True, help="Keep running and take one every PARTDESK_BACKUP_MINUTES, for a "
                                           "set-up without the intake worker (which does this itself).")
def cli(loop: bool):
    """Back up the database into PARTDESK_BACKUP_DIR: a consistent copy, synced, verified and checksummed;
    then keep the newest PARTDESK_BACKUP_KEEP."""
    if loop:
        _loop()
        return
    try:
        result = service.take()
    except BackupError as exc:
        raise click.ClickException(f"No backup was taken: {exc}") from exc
    _echo(result)


def _echo(result: service.Result) -> None:
    seconds = (result.finished_at - result.started_at).total_seconds()
    click.echo(f"Backup {result.path}: {result.order_count} order(s), {result.size_bytes:,} bytes, "
               f"verified, in {seconds:.1f} s.")
    click.echo(f"sha256 {result.sha256} (also in {result.path.name}.sha256)")
    if result.removed:
        click.echo(f"Removed {len(result.removed)} old file(s); the newest backups are kept.")
    if result.warning:
        click.echo(f"Warning: {result.warning}", err=True)


def _loop() -> None:
    settings = service.Settings.of(current_app.config)
    if not settings.folder or not settings.minutes:
        raise click.ClickException("--loop needs PARTDESK_BACKUP_DIR and a PARTDESK_BACKUP_MINUTES above 0.")
    while True:
        try:
            result = service.take(only_if_due=True)
        except Exception as exc:  # noqa: BLE001 - e.g. the database away: say so, try again next round
            db.session.remove()
            click.echo(f"No backup was taken: {service.describe(exc)}", err=True)
        else:
            if result is not None:
                _echo(result)
        time.sleep(service.CHECK_EVERY.total_seconds())
