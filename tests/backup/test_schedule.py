"""The worker's backups: started on a thread of their own, never in the way of storing mail, failures
logged and recorded, never raised."""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from app.backup import files, service
from app.intake import worker
from app.models import BackupOutcome, BackupRun, InboundMessage, Mailbox
from tests.intake.mail import email


def _runs(db):
    db.session.rollback()
    return db.session.scalars(select(BackupRun).order_by(BackupRun.id)).all()


def test_run_if_due_takes_one_on_a_thread_then_waits_for_the_interval(app, db, make, now, usb, monkeypatch):
    make.branch()
    app.config["BACKUP_MINUTES"] = 10
    monkeypatch.setattr(service, "clock", lambda: now)
    thread = service.run_if_due(app, now)
    assert thread is not None and thread.name == "backup"
    thread.join(60)
    assert len(files.backups(usb)) == 1 and [r.outcome for r in _runs(db)] == [BackupOutcome.OK]
    assert service.run_if_due(app, now + timedelta(seconds=30)) is None  # checked a minute ago
    thread = service.run_if_due(app, now + timedelta(minutes=2))  # checks, finds the last one too recent
    thread.join(60)
    assert len(files.backups(usb)) == 1
    monkeypatch.setattr(service, "clock", lambda: now + timedelta(minutes=10))
    service.run_if_due(app, now + timedelta(minutes=10)).join(60)
    assert len(files.backups(usb)) == 2


def test_a_slow_backup_does_not_hold_up_the_caller_or_start_twice(app, db, make, now, usb, monkeypatch):
    make.branch()
    release = threading.Event()
    entered = threading.Event()
    real = service._take
    nice: list[int] = []

    def slow(*args, **kwargs):
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)
    monkeypatch.setattr(service, "_take", slow)
    started = time.monotonic()
    thread = service.run_if_due(app, now)
    took = time.monotonic() - started
    assert entered.wait(10) and thread.is_alive()
    assert took < 0.1, f"run_if_due waited {took:.3f} s"
    assert service.run_if_due(app, now + timedelta(hours=1)) is None  # one at a time
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert nice == [min(mine + 10, 19)]  # the backup yields the CPU to the threads that store mail
    release.set()
    thread.join(60)
    assert [r.outcome for r in _runs(db)] == [BackupOutcome.OK]


def test_a_failing_backup_is_logged_and_recorded_never_raised(app, db, make, now, tmp_path, caplog):
    make.branch()
    blocker = tmp_path / "usb"
    blocker.write_text("the stick is not mounted; a file sits where the folder should be")
    app.config["BACKUP_DIR"] = str(blocker)
    with caplog.at_level(logging.ERROR, logger="app.backup.service"):
        service.run_if_due(app, now).join(60)
    assert "backup failed" in caplog.text and "is not a folder" in caplog.text
    [run] = _runs(db)
    assert run.outcome == BackupOutcome.FAILED and "is not a folder" in run.error


def test_backups_off_without_a_folder_or_an_interval(app, db, now, tmp_path):
    assert service.run_if_due(app, now) is None
    app.config.update(BACKUP_DIR=str(tmp_path / "usb"), BACKUP_MINUTES=0)
    assert service.run_if_due(app, now) is None
    assert _runs(db) == [] and not (tmp_path / "usb").exists()


def test_the_worker_keeps_storing_mail_while_a_backup_hangs(app, db, make, usb, tmp_path, monkeypatch):
    """The real worker loop (a drop-folder mailbox): its backup hangs, and mail is stored meanwhile."""
    branch = make.branch()
    drop = tmp_path / "drop"
    drop.mkdir()
    db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(drop)))
    db.session.commit()
    hanging = threading.Event()
    release = threading.Event()
    real = service._take

    def hang(*args, **kwargs):
        hanging.set()
        release.wait(60)
        return real(*args, **kwargs)
    monkeypatch.setattr(service, "_take", hang)
    stop = threading.Event()
    mailbox_workers = [worker.MailboxWorker(app, i, stop, worker.Options(drop_poll_seconds=0.1))
                       for i in worker.mailbox_ids()]
    loop = threading.Thread(target=worker.run_workers, args=(app, mailbox_workers), kwargs={"stop": stop})
    loop.start()
    try:
        assert hanging.wait(10), "the worker did not start a backup"
        old = time.time() - 10
        for i in range(3):
            (drop / f"m{i}.eml").write_bytes(email())
            os.utime(drop / f"m{i}.eml", (old, old))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.rollback()
            if db.session.scalar(select(func.count()).select_from(InboundMessage)) == 3:
                break
            time.sleep(0.1)
        assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 3
        assert not release.is_set() and hanging.is_set()  # stored while the backup still hung
    finally:
        release.set()
        stop.set()
        loop.join(30)
    backup_thread = app.extensions["partdesk_backup"].thread
    backup_thread.join(60)
    assert [r.outcome for r in _runs(db)] == [BackupOutcome.OK]
