"""Backups on the real database (SQLite or PostgreSQL, with the real pg_dump and pg_restore): taken
while orders are being written, checked, rotated, and restored into a fresh instance."""
from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.backup import files, service
from app.backup import postgres as backup_pg
from app.backup import sqlite as backup_sqlite
from app.backup.files import BackupError
from app.orders.unit_of_work import UnitOfWork
from app.models import BackupOutcome, BackupRun, Order, OrderLine
from app.orders import service as orders
from app.orders.service import LineInput, OrderInput
from tests.backup.conftest import invoke, is_postgres

TOTAL, THREADS, BEFORE = 200, 8, 60


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _place(branch_id, now, text="plugg"):
    return orders.create_order(branch_id, OrderInput(channel="web", lines=[LineInput("BKR6E", text, 1)]),
                               by=None, now=now)


def test_a_backup_taken_while_200_orders_are_written_holds_every_order_committed_before_it(
        app, db, make, now, usb, fresh, monkeypatch):
    """8 threads write 200 orders through the service layer. The first 60 are committed before the
    backup begins; the other 140 are written while it runs, and all of them must commit before the
    backup may finish (so a backup that held up writers fails here). The restored instance has every
    one of the 60, only orders that were committed, each whole, as many as the backup recorded."""
    branch_id = make.branch(hourly_limit=10_000, open_limit=10_000).id
    committed: list[str] = []
    guard = threading.Lock()
    began = threading.Event()
    errors: list[BaseException] = []

    def write(k):
        from app.extensions import db as tdb

        with app.app_context():
            try:
                for i in range(k, TOTAL, THREADS):
                    if i >= BEFORE:
                        began.wait(60)
                    with UnitOfWork(tdb.session) as uow:
                        ref = _place(branch_id, now, f"plugg {i}").reference
                        uow.commit()
                    with guard:
                        committed.append(ref)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
            finally:
                tdb.session.remove()

    written_during: list[int] = []

    def after_the_copy(verify):
        def wrapped(*args, **kwargs):
            written_during.append(len(committed))
            if not _wait_until(lambda: len(committed) == TOTAL or errors, 60):
                raise AssertionError(f"writers stalled during the backup at {len(committed)} orders")
            return verify(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(backup_sqlite, "verify", after_the_copy(backup_sqlite.verify))
    monkeypatch.setattr(backup_pg, "verify", after_the_copy(backup_pg.verify))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    assert _wait_until(lambda: len(committed) == BEFORE or errors, 60)
    before = set(committed)
    began.set()
    started = time.monotonic()
    result = service.take()
    seconds = time.monotonic() - started
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(before) == BEFORE and len(set(committed)) == TOTAL
    print(f"\nbackup of {result.size_bytes:,} bytes in {seconds:.2f} s while writing; "
          f"{result.order_count} orders in it; {written_during[0] - BEFORE} committed during the copy, "
          f"{TOTAL - written_during[0]} after it, before the backup ended")

    restored = fresh()
    outcome = invoke(restored, "restore", str(result.path))
    assert outcome.exit_code == 0, outcome.output
    assert f"Restored {result.path.name}: {result.order_count} order(s)." in outcome.output
    with restored.app_context():
        from app.extensions import db as rdb

        refs = set(rdb.session.scalars(select(Order.reference)))
        assert before <= refs  # every order committed before the backup began
        assert refs <= set(committed)  # nothing that was not committed
        assert len(refs) == result.order_count
        lines = rdb.session.scalar(select(func.count()).select_from(OrderLine))
        lineless = rdb.session.scalar(select(func.count()).select_from(Order).where(~Order.lines.any()))
        assert lines == len(refs) and lineless == 0  # each order whole, with its line
        with UnitOfWork(rdb.session) as uow:  # and the restored desk takes orders again
            new_ref = _place(branch_id, now).reference
            uow.commit()
        assert new_ref not in refs


def test_the_command_writes_a_verified_private_file_with_its_checksum_and_records_it(app, db, make, now, usb,
                                                                                   runner):
    branch = make.branch()
    for _ in range(3):
        make.order(branch, now=now)
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [backup] = files.backups(usb)
    assert f"Backup {backup}: 3 order(s)" in result.output
    sidecar = (usb / f"{backup.name}.sha256").read_text()
    digest = hashlib.sha256(backup.read_bytes()).hexdigest()
    assert sidecar == f"{digest}  {backup.name}\n"  # what `sha256sum -c` reads
    assert backup.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in usb.iterdir()) == [backup.name, f"{backup.name}.sha256"]  # no temporary left
    db.session.rollback()
    run = db.session.scalars(select(BackupRun)).one()
    assert run.outcome == BackupOutcome.OK and run.path == str(backup) and run.order_count == 3
    assert run.size_bytes == backup.stat().st_size and run.sha256 == digest and run.error is None


def test_rotation_keeps_the_newest_n_and_touches_nothing_else(app, db, make, now, usb, monkeypatch):
    make.branch()
    app.config["BACKUP_KEEP"] = 3
    (usb / "notes.txt").write_text("mine")
    (usb / "partdesk-old.sqlite3").write_text("not named by us")
    (usb / "partdesk-20200101T000000Z.sqlite3.sha256").write_text("0" * 64)  # a checksum left alone
    times = iter(now + timedelta(minutes=i) for i in range(100))
    monkeypatch.setattr(service, "clock", lambda: next(times))
    taken = [service.take().path for _ in range(5)]
    left = sorted(p.name for p in usb.iterdir())
    kept = [p.name for p in taken[2:]]
    assert left == sorted(["notes.txt", "partdesk-old.sqlite3", *kept, *(f"{k}.sha256" for k in kept)])


def test_a_killed_attempt_leaves_nothing_the_next_one_keeps(app, db, make, usb):
    make.branch()
    stale = usb / ".partdesk-20261123T090000Z.sqlite3.tmp"
    stale.write_bytes(b"half a copy")
    (usb / f"{stale.name}.sha256").write_text("x")
    backup = service.take().path
    assert sorted(p.name for p in usb.iterdir()) == [backup.name, f"{backup.name}.sha256"]


def test_a_backup_that_cannot_be_written_is_refused_recorded_and_said(app, db, make, tmp_path, runner):
    make.branch()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app.config["BACKUP_DIR"] = str(blocker)
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 1
    assert "No backup was taken:" in result.output and "not-a-folder" in result.output
    db.session.rollback()
    run = db.session.scalars(select(BackupRun)).one()
    assert run.outcome == BackupOutcome.FAILED and "not-a-folder" in run.error


def test_without_a_folder_the_command_says_what_to_set(app, db, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 1 and "PARTDESK_BACKUP_DIR" in result.output


def test_a_missing_folder_is_not_made_on_the_wrong_disk(app, db, make, tmp_path, runner):
    """/media/usb/partdesk without the stick mounted: no backup onto the disk under the mount point."""
    make.branch()
    app.config["BACKUP_DIR"] = str(tmp_path / "media" / "usb" / "partdesk")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 1 and "does not exist: is its disk mounted?" in result.output
    assert not (tmp_path / "media").exists()


def test_a_failed_verification_publishes_nothing(app, db, make, usb, monkeypatch):
    make.branch()

    def damaged(*_args, **_kwargs):
        raise BackupError("the copy is damaged")
    monkeypatch.setattr(backup_sqlite, "verify", damaged)
    monkeypatch.setattr(backup_pg, "verify", damaged)
    with pytest.raises(BackupError, match="the copy is damaged"):
        service.take()
    assert list(usb.iterdir()) == []  # neither the file nor a temporary
    db.session.rollback()
    assert db.session.scalars(select(BackupRun.outcome)).all() == [BackupOutcome.FAILED]


def test_only_one_of_many_workers_takes_each_backup(app, db, make, now, usb, monkeypatch):
    """Six workers (each its own connection) find a backup due at the same moment: one takes it."""
    make.branch()
    monkeypatch.setattr(service, "clock", lambda: now)
    barrier = threading.Barrier(6)
    results: list = []

    def worker():
        from app.extensions import db as tdb

        with app.app_context():
            try:
                barrier.wait()
                results.append(service.take(only_if_due=True, now=now))
            finally:
                tdb.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6 and sum(r is not None for r in results) == 1
    assert len(files.backups(usb)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BackupRun)) == 1
    # the next one is due BACKUP_MINUTES after the last began
    assert service.take(only_if_due=True, now=now + timedelta(minutes=9)) is None
    assert service.take(only_if_due=True, now=now + timedelta(minutes=11)) is not None


# -- restore --------------------------------------------------------------------------------------

def test_restore_checks_the_checksum_before_anything(app, db, make, now, usb, fresh):
    make.order(make.branch(), now=now)
    path = service.take().path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    restored = fresh()
    outcome = invoke(restored, "restore", str(path))
    assert outcome.exit_code == 1
    assert "Nothing was restored" in outcome.output and "does not match its checksum" in outcome.output
    (usb / f"{path.name}.sha256").unlink()
    outcome = invoke(restored, "restore", str(path))
    assert outcome.exit_code == 1 and f"{path.name}.sha256 is missing" in outcome.output
    with restored.app_context():  # nothing written
        from app.backup.restore import tables_in
        from app.extensions import db as rdb

        if is_postgres(app):
            assert tables_in(rdb.engine) == {}
        else:
            assert not Path(rdb.engine.url.database).exists()


def test_restore_refuses_a_database_with_data_unless_forced(app, db, make, now, usb, runner):
    branch = make.branch()
    make.order(branch, now=now)
    path = service.take().path
    make.order(branch, now=now)  # after the backup
    outcome = runner.invoke(args=["restore", str(path)])
    assert outcome.exit_code == 1 and "is not empty" in outcome.output and "--force" in outcome.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 2  # untouched
    db.session.remove()
    outcome = runner.invoke(args=["restore", "--force", str(path)])
    assert outcome.exit_code == 0, outcome.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1  # as it was at the backup


def test_restore_refuses_a_backup_of_the_other_database(app, db, usb, tmp_path, runner):
    other = tmp_path / ("partdesk-20261123T090000Z.sqlite3" if is_postgres(app) else "partdesk-20261123T090000Z.pgdump")
    other.write_bytes((backup_sqlite.MAGIC if is_postgres(app) else backup_pg.MAGIC) + b"\0" * 100)
    (tmp_path / f"{other.name}.sha256").write_text(f"{files.sha256_of(other)}  {other.name}\n")
    outcome = runner.invoke(args=["restore", str(other)])
    assert outcome.exit_code == 1 and "backup, but DATABASE_URL is a" in outcome.output


def test_verify_rejects_what_is_not_a_sound_backup(app, db, make, now, usb, tmp_path):
    make.order(make.branch(), now=now)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(backup_sqlite.MAGIC + b"\x10\x00" + b"\xff" * 5000)
    with pytest.raises(BackupError):
        backup_sqlite.verify(garbage)
    path = service.take().path
    cut = tmp_path / "cut"
    cut.write_bytes(path.read_bytes()[:-50])  # pg_restore --list alone still reads this one
    with pytest.raises(BackupError):
        (backup_pg.verify(cut, None) if is_postgres(app) else backup_sqlite.verify(cut))


def test_pg_dump_older_than_the_server_is_refused_with_the_fix(app, db, usb, monkeypatch):
    if not is_postgres(app):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    with db.engine.connect() as conn:
        server = backup_pg.server_major(conn)
    monkeypatch.setattr(backup_pg, "client_major", lambda _exe: server - 1)
    with pytest.raises(BackupError, match=f"version {server - 1} but the server is PostgreSQL {server}: "
                                          f"install postgresql-client-{server}"):
        service.take()


def test_restore_into_an_instance_that_ran_its_migrations(app, db, make, now, usb, fresh):
    """The release step (`flask db upgrade`) has made the empty schema already: that is a fresh instance."""
    from flask_migrate import upgrade

    make.order(make.branch(), now=now)
    path = service.take().path
    restored = fresh()
    with restored.app_context():
        upgrade()
    outcome = invoke(restored, "restore", str(path))
    assert outcome.exit_code == 0, outcome.output
    assert "Restored" in outcome.output and ": 1 order(s)." in outcome.output
