"""SQLite: a consistent copy while the web and the worker keep writing, its check, and its restore.

The copy uses SQLite's online backup API (`sqlite3.Connection.backup`) in one step: the source is
read in a single read transaction, which in WAL mode is a snapshot that writers do not wait for
(they append to the WAL meanwhile). Copying in several steps would restart on every write made
between two steps, and might never finish on a busy desk. Chosen over `VACUUM INTO` because it copies
pages as they are instead of rebuilding every table and index, so the read transaction is shorter.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from app.backup.files import BackupError

MAGIC = b"SQLite format 3\x00"
BUSY_MS = 30_000


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    conn.execute("PRAGMA trusted_schema=OFF")  # a file from outside runs none of its own SQL functions
    return conn


def copy(source: Path, target: Path) -> None:
    """A consistent copy of the live database SOURCE at TARGET (a new file), in rollback-journal mode
    so it is a single self-contained file."""
    if not source.is_file():
        raise BackupError(f"The database file {source} does not exist.")
    src = _connect(source, read_only=True)
    try:
        dest = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source}: {exc}.") from exc
    finally:
        src.close()


def verify(path: Path) -> int:
    """Open the copy read-only, run PRAGMA integrity_check and count its orders. Returns the count;
    BackupError when the file is not a sound Partdesk database."""
    with open(path, "rb") as f:
        header = f.read(100)
    if not header.startswith(MAGIC) or len(header) < 100:
        raise BackupError(f"{path.name} is not an SQLite database.")
    _check_length(path, header)
    try:
        conn = _connect(path, read_only=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path.name} cannot be opened: {exc}.") from exc
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
        if problems != ["ok"]:
            raise BackupError(f"{path.name} fails SQLite's integrity check: {'; '.join(problems)[:500]}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "order" not in tables:
            raise BackupError(f"{path.name} is an SQLite database, but not a Partdesk one (it has no orders table).")
        return conn.execute('SELECT count(*) FROM "order"').fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"{path.name} cannot be read: {exc}.") from exc
    finally:
        conn.close()


def _check_length(path: Path, header: bytes) -> None:
    """A file cut short can pass integrity_check (SQLite reads a missing tail as zeros), so the length
    must be the page count times the page size that the header records."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96]  # the header's page count is valid only then
    if counted and pages and pages * page_size != path.stat().st_size:
        raise BackupError(f"{path.name} is {path.stat().st_size:,} bytes, but its header says "
                          f"{pages * page_size:,}: the file is cut short or damaged.")


def restore(path: Path, target: Path) -> None:
    """Replace the contents of the database at TARGET with the verified backup PATH, in one transaction
    of SQLite's backup API (through TARGET's own journal, so a running process sees a consistent change
    and a failure leaves TARGET as it was)."""
    src = _connect(path, read_only=True)
    try:
        dest = sqlite3.connect(target, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            dest.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not restore {path.name} into {target}: {exc}.") from exc
    finally:
        src.close()


def same_disk(database: Path, folder: Path) -> bool:
    try:
        return os.stat(database).st_dev == os.stat(folder).st_dev
    except OSError:
        return False
