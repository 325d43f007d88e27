"""Restoring a backup into the configured database, normally a fresh instance.

In this order, and nothing is written before the last check: the checksum beside the file matches;
the file is a sound backup of the same kind of database (SQLite or PostgreSQL) as DATABASE_URL; the
target holds no data, unless `force`. The restore itself is one transaction on both databases.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import Engine

from app.backup import files, postgres, sqlite
from app.backup.files import BackupError
from app.backup.service import Settings, sqlite_path
from app.extensions import db


@dataclass
class Restored:
    orders: int
    revision: str | None  # the migration the backup was at (None: a schema made without migrations)
    head: str | None  # the newest migration of this code


def kind_of(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(sqlite.MAGIC):
        return "sqlite"
    if head.startswith(postgres.MAGIC):
        return "postgresql"
    raise BackupError(f"{path.name} is neither a Partdesk SQLite backup nor a pg_dump archive.")


def restore(path: Path, *, force: bool = False) -> Restored:
    """Restore PATH into the app's database. BackupError, with nothing changed, when a check fails."""
    settings = Settings.of(current_app.config)
    files.verify_checksum(path)
    engine = db.engine
    kind = kind_of(path)
    if kind != engine.dialect.name:
        raise BackupError(f"{path.name} is a {_label(kind)} backup, but DATABASE_URL is a {_label(engine.dialect.name)} "
                          f"database; restore it into a {_label(kind)} instance.")
    if kind == "sqlite":
        sqlite.verify(path)
    else:
        postgres.verify(path, settings.pg_bin)
    if kind == "sqlite":
        sqlite_path(engine).parent.mkdir(parents=True, exist_ok=True)  # a fresh instance's folder may not exist yet
    tables = tables_in(engine)
    occupied = [name for name, has_rows in tables.items() if has_rows]
    if occupied and not force:
        raise BackupError(f"The database at {engine.url.render_as_string(hide_password=True)} is not empty "
                          f"({', '.join(occupied[:5])}{' …' if len(occupied) > 5 else ''} hold rows). Restore into a "
                          f"fresh instance, or add --force to replace what is in it.")
    db.session.remove()
    engine.dispose()
    if kind == "sqlite":
        sqlite.restore(path, sqlite_path(engine))
    else:
        postgres.restore(engine, path, settings.pg_bin, replace=bool(tables))
    engine.dispose()
    with engine.connect() as conn:
        orders = conn.scalar(select(func.count()).select_from(table("order")))
        has_version = "alembic_version" in inspect(conn).get_table_names()
        revision = conn.scalar(text("SELECT version_num FROM alembic_version")) if has_version else None
    return Restored(orders=orders or 0, revision=revision, head=_head())


def tables_in(engine: Engine) -> dict[str, bool]:
    """Each table, and whether it holds a row. alembic_version is left out: a migrated, empty schema
    (after `flask db upgrade`) is a fresh instance."""
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        return {n: conn.execute(select(text("1")).select_from(table(n)).limit(1)).first() is not None for n in names}


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _label(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
