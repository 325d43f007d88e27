"""Taking a backup: one at a time per database, each attempt recorded in backup_run.

`take()` is what `flask backup` calls. `run_if_due(app, now)` is what the intake worker calls every
loop round: it returns at once and, about once a minute, checks on a thread of its own whether a
backup is due and takes it there, so a slow or failing backup never holds up storing mail; a failure
is logged and recorded (the dashboard shows it), never raised into the worker.

One backup at a time, across processes and hosts: on PostgreSQL a session advisory lock, held for the
whole attempt on a connection of its own (it goes with the connection if the process dies); on SQLite
an flock on a file beside the database. Under that lock an attempt is due when the last one recorded
started BACKUP_MINUTES ago or more, so workers sharing a database take each backup once.

The record lives in the database (not in a file in the folder) because the dashboard runs on web
hosts that cannot see the worker's USB stick, and the schedule is shared by workers on several hosts.
The checksum is also beside each file, for a restore on a machine where the database is gone.
"""
from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from app.backup import files, postgres, sqlite
from app.backup.files import BackupError
from app.extensions import db
from app.models import BackupOutcome, BackupRun
from app.orders.unit_of_work import UnitOfWork, end_read

log = logging.getLogger(__name__)

_LOCK_KEY = 0x5044424B  # "PDBK"
CHECK_EVERY = timedelta(minutes=1)


def clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    folder: str | None
    minutes: int
    keep: int
    pg_bin: str | None

    @classmethod
    def of(cls, config) -> Settings:
        return cls(folder=config.get("BACKUP_DIR") or None, minutes=max(int(config.get("BACKUP_MINUTES") or 0), 0),
                   keep=max(int(config.get("BACKUP_KEEP") or 1), 1), pg_bin=config.get("PG_BIN") or None)


@dataclass
class Result:
    path: Path
    started_at: datetime
    finished_at: datetime
    size_bytes: int
    sha256: str
    order_count: int
    removed: list[Path] = field(default_factory=list)
    warning: str | None = None


def take(*, only_if_due: bool = False, now: datetime | None = None) -> Result | None:
    """Back up the app's database into BACKUP_DIR. Runs in an app context.

    Returns the Result, or None with `only_if_due` when no backup is due or another is running.
    Raises BackupError saying why it could not (recorded as a failed attempt when it got that far)."""
    settings = Settings.of(current_app.config)
    if not settings.folder:
        raise BackupError("No backup folder is set: set PARTDESK_BACKUP_DIR to a folder on another disk or a USB "
                          "stick.")
    engine = db.engine
    with _exclusive(engine) as lock:
        if lock is None:
            if only_if_due:
                return None
            raise BackupError("Another backup of this database is running; try again when it has finished.")
        if only_if_due and not _due(now or clock(), settings.minutes):
            return None
        started = clock()
        try:
            result = _take(engine, lock, settings, started)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, then raised as one the user reads
            reason = describe(exc)
            _record(BackupRun(started_at=started, finished_at=clock(), outcome=BackupOutcome.FAILED,
                              host=socket.gethostname(), path=settings.folder, error=reason))
            raise BackupError(reason) from exc
        _record(BackupRun(started_at=result.started_at, finished_at=result.finished_at, outcome=BackupOutcome.OK,
                          host=socket.gethostname(), path=str(result.path), size_bytes=result.size_bytes,
                          sha256=result.sha256, order_count=result.order_count, warning=result.warning))
        return result


def _take(engine: Engine, lock, settings: Settings, started: datetime) -> Result:
    folder = files.prepare_folder(settings.folder)
    files.remove_stale_temps(folder)
    kind = engine.dialect.name
    if kind not in files.SUFFIXES:
        raise BackupError(f"Backups of {kind} databases are not supported.")
    name = files.new_name(folder, kind, started)
    temp = files.temp_path(folder, name)
    warning = None
    try:
        files.create_private(temp)  # a backup holds what the database holds: readable by this user alone
        if kind == "sqlite":
            database = sqlite_path(engine)
            sqlite.copy(database, temp)
            files.fsync_file(temp)
            orders = sqlite.verify(temp)
            if sqlite.same_disk(database, folder):
                warning = "The backup folder is on the same disk as the database: it survives a deleted file, " \
                          "not a dead disk."
        else:
            orders = postgres.dump(engine, lock, temp, settings.pg_bin)
            files.fsync_file(temp)
            postgres.verify(temp, settings.pg_bin)
        sha256 = files.sha256_of(temp)
        size = temp.stat().st_size
        final = folder / name
        files.publish(temp, final, sha256)
    finally:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + files.CHECKSUM_SUFFIX).unlink(missing_ok=True)
    try:
        removed = files.rotate(folder, settings.keep)
    except OSError as exc:
        removed = []
        warning = f"Old backups could not be removed: {describe(exc)}"
        log.warning("backup: %s", warning)
    return Result(path=final, started_at=started, finished_at=clock(), size_bytes=size, sha256=sha256,
                  order_count=orders, removed=removed, warning=warning)


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("This SQLite database lives in memory or behind a URI; only a database file can be "
                          "backed up.")
    return Path(database)


@contextmanager
def _exclusive(engine: Engine):
    """Yields a lock handle (the PostgreSQL connection that holds the advisory lock, or True) while this
    process is the only one backing up this database; None when another one is."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar()
            conn.commit()
            if not got:
                yield None
                return
            try:
                yield conn
            finally:
                try:
                    conn.rollback()
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                    conn.commit()
                except Exception:  # noqa: BLE001 - a broken connection: close it for real, the lock goes with it
                    conn.invalidate()
        finally:
            conn.close()
        return
    fd = os.open(os.path.abspath(sqlite_path(engine)) + ".backup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _due(now: datetime, minutes: int) -> bool:
    end_read()  # read what other processes committed, not an older snapshot
    last = db.session.scalar(select(func.max(BackupRun.started_at)))
    end_read()
    return last is None or now - last >= timedelta(minutes=minutes)


def _record(run: BackupRun) -> None:
    """Add the attempt to backup_run; a database that refuses is logged, and the backup file stands."""
    try:
        with UnitOfWork() as uow:
            uow.session.add(run)
            uow.commit()
    except Exception:  # noqa: BLE001
        log.exception("backup: could not record the %s attempt of %s", run.outcome, run.started_at)


def describe(exc: BaseException) -> str:
    if isinstance(exc, BackupError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"[:2000]


# -- in the intake worker ---------------------------------------------------------------------------

@dataclass
class _Schedule:
    thread: threading.Thread | None = None
    next_check: datetime | None = None
    said_off: bool = False


def run_if_due(app: Flask, now: datetime) -> threading.Thread | None:
    """Called by the worker every loop round; returns at once and never raises. About once a minute
    (and never while one is running) it starts a thread that takes a backup if one is due; it returns
    that thread, otherwise None."""
    try:
        settings = Settings.of(app.config)
        schedule = app.extensions.setdefault("partdesk_backup", _Schedule())
        if not settings.folder or not settings.minutes:
            if not schedule.said_off:
                schedule.said_off = True
                log.warning("backups are off: %s", "set PARTDESK_BACKUP_DIR to a folder on another disk"
                            if not settings.folder else "PARTDESK_BACKUP_MINUTES is 0")
            return None
        if schedule.thread is not None and schedule.thread.is_alive():
            return None
        if schedule.next_check is not None and now < schedule.next_check:
            return None
        schedule.next_check = now + min(timedelta(minutes=settings.minutes), CHECK_EVERY)
        schedule.thread = threading.Thread(target=_background, args=(app, now), name="backup", daemon=True)
        schedule.thread.start()
        return schedule.thread
    except Exception:  # noqa: BLE001 - never into the intake loop
        log.exception("backup: could not start the scheduled backup")
        return None


def lower_priority() -> None:
    """Give the calling thread (and the pg_dump it starts) a lower CPU priority than the threads that
    store mail and serve the desk: Linux keeps a nice value per thread, and children inherit it."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(os.getpriority(os.PRIO_PROCESS, thread) + 10, 19))
    except (AttributeError, OSError):  # not Linux, or not allowed: the backup runs at normal priority
        pass


def _background(app: Flask, now: datetime) -> None:
    lower_priority()
    try:
        with app.app_context():
            try:
                result = take(only_if_due=True, now=now)
            finally:
                db.session.remove()
        if result is not None:
            log.info("backup: %s, %d bytes, %d orders, sha256 %s%s", result.path, result.size_bytes,
                     result.order_count, result.sha256, f" ({result.warning})" if result.warning else "")
    except BackupError as exc:
        log.error("backup failed: %s", exc)
    except Exception:  # noqa: BLE001
        log.exception("backup failed")
