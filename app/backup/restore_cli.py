"""`flask restore FILE`: put a backup back, normally into a fresh instance."""
from __future__ import annotations

from pathlib import Path

import click

from app.backup.files import BackupError


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the database holds already (normally refused).")
def cli(file: Path, force: bool):
    """Restore the backup FILE into DATABASE_URL, after checking it against FILE.sha256.
    Stop the web, worker and sender processes of this database first."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.backup.restore import restore
    from app.backup.service import describe

    try:
        done = restore(file, force=force)
    except (BackupError, OSError, SQLAlchemyError) as exc:
        raise click.ClickException(f"Nothing was restored: {describe(exc)}") from exc
    click.echo(f"Restored {file.name}: {done.orders} order(s).")
    if done.revision is not None and done.revision != done.head:
        click.echo(f"The backup is at migration {done.revision}, this version at {done.head}: run "
                   f"`flask --app app db upgrade` before starting the processes.")
