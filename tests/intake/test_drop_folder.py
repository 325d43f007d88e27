"""Drop-folder intake and the `flask intake` commands."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.intake import store, worker
from app.models import InboundMessage, Mailbox, Order
from tests.intake.mail import email

SAMPLES = Path("/work/shared/samples")


@pytest.fixture
def folder(db, make, tmp_path):
    branch = make.branch()
    make.workshop(branch, emails=["post@verksted.test"])
    path = tmp_path / "drop"
    path.mkdir()
    db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(path)))
    db.session.commit()
    return path


def mailbox(db):
    return db.session.scalar(select(Mailbox).where(Mailbox.name == "osl-drop"))


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_files_are_stored_processed_and_moved(db, folder):
    for i in range(3):
        (folder / f"m{i}.eml").write_bytes(email())
    (folder / "notes.txt").write_text("not mail")
    ids = worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    assert len(ids) == 3
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["m0.eml", "m1.eml", "m2.eml"]
    assert (folder / "notes.txt").exists()
    from app.intake.pipeline import process_pending

    assert process_pending(10) == {"order": 3}
    assert count(db, Order) == 3


def test_a_crash_between_commit_and_move_stores_nothing_twice(db, folder, monkeypatch):
    (folder / "a.eml").write_bytes(email(message_id=None))  # no Message-ID: the hash is the key
    real_replace = Path.replace

    def crash(self, target):
        raise KeyboardInterrupt("killed after the commit, before the move")
    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    monkeypatch.setattr(Path, "replace", real_replace)
    assert count(db, InboundMessage) == 1 and (folder / "a.eml").exists()
    assert worker.ingest_drop_folder(mailbox(db), settle_seconds=0) == []
    assert count(db, InboundMessage) == 1 and (folder / "processed" / "a.eml").exists()


def test_a_file_still_being_written_waits(db, folder):
    (folder / "fresh.eml").write_bytes(email())
    assert worker.ingest_drop_folder(mailbox(db), settle_seconds=60) == []
    assert (folder / "fresh.eml").exists()


def test_run_once_takes_the_folder_and_heartbeats(db, folder, runner):
    (folder / "x.eml").write_bytes(email())
    old = time.time() - 10
    os.utime(folder / "x.eml", (old, old))  # written a while ago, not still being written
    result = runner.invoke(args=["intake", "run", "--once", "--mailbox", "osl-drop"])
    assert result.exit_code == 0, result.output
    assert count(db, Order) == 1
    box = mailbox(db)
    assert box.heartbeat_at is not None and box.messages_today == 1 and box.lease_owner is None


def test_run_names_an_unknown_mailbox(runner, db):
    result = runner.invoke(args=["intake", "run", "--once", "--mailbox", "nope"])
    assert result.exit_code != 0 and "No mailbox named nope." in result.output


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared samples are not here")
def test_parse_prints_one_json_per_file(runner):
    files = sorted(str(p) for p in SAMPLES.iterdir() if p.name.endswith((".eml", ".sms.txt")))
    result = runner.invoke(args=["intake", "parse", *files])
    lines = result.output.strip().splitlines()
    assert len(lines) == len(files)
    assert all("kind" in json.loads(line) for line in lines)


def test_lease_keeps_a_second_worker_out(app, db, folder):
    from app.intake.lease import Lease

    box_id = mailbox(db).id
    db.session.commit()
    first, second = Lease(box_id, ttl=60), Lease(box_id, ttl=60)
    assert first.acquire() and not second.acquire()
    assert first.renew()
    first.release()
    assert second.acquire()
    second.release()


def test_store_dedup_key_on_drop_matches_imap(db, folder):
    raw = email(message_id="<same@verksted.test>")
    # the file in the folder, and the copy an IMAP server hands over after one more hop (CRLF, new headers)
    relayed = (b"Return-Path: <post@verksted.test>\r\nDelivered-To: osl@partdesk.test\r\n"
               b"Received: from mx2.partdesk.test by imap.partdesk.test; Mon, 23 Nov 2026 09:01:00 +0100\r\n" + raw)
    assert store.dedup_key(raw) == store.dedup_key(relayed) == store.dedup_key(raw.replace(b"\r\n", b"\n"))
    assert store.dedup_key(raw).startswith("sha256:")


def test_two_different_mails_with_one_message_id_are_both_stored_and_the_second_is_noted(db, folder):
    """68 of 297 outside mails were lost this way: 'stored already; keeping the first'."""
    (folder / "a.eml").write_bytes(email(message_id="<reused@verksted.test>", body="Vi trenger 2 stk 0 986 494 123."))
    (folder / "b.eml").write_bytes(email(message_id="<reused@verksted.test>", body="Vi trenger 4 stk 0 451 103 318."))
    ids = worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    assert len(ids) == 2 and count(db, InboundMessage) == 2
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["a.eml", "b.eml"]
    from app.intake.pipeline import process_pending

    assert process_pending(10) == {"order": 2}
    first, second = (db.session.get(InboundMessage, i) for i in ids)
    assert first.message_id == second.message_id == "<reused@verksted.test>"
    assert "note" not in first.parsed
    assert f"reuses the Message-ID <reused@verksted.test> of message #{first.id}" in second.parsed["note"]
    order = db.session.get(Order, second.order_id)
    assert f"of message #{first.id}" in (order.notes or ""), "the order's page must show it too"


def test_the_same_file_dropped_twice_is_stored_once_and_both_files_are_kept(db, folder):
    raw = email(message_id="<twice@verksted.test>")
    (folder / "a.eml").write_bytes(raw)
    assert len(worker.ingest_drop_folder(mailbox(db), settle_seconds=0)) == 1
    (folder / "a.eml").write_bytes(raw)  # dropped again, under the same name
    (folder / "copy.eml").write_bytes(raw.replace(b"\r\n", b"\n"))  # and saved again by another program
    assert worker.ingest_drop_folder(mailbox(db), settle_seconds=0) == []
    assert count(db, InboundMessage) == 1
    first = db.session.scalar(select(InboundMessage.id))
    assert sorted(p.name for p in (folder / "processed").iterdir()) == sorted(["a.eml", f"a.{first}.eml", "copy.eml"])

def test_run_once_processes_every_message_it_stored_round_after_round(db, folder, runner):
    """--once used to store the whole folder and process only the first round of 200; the rest waited."""
    old = time.time() - 10
    for i in range(worker.ROUND + 5):
        (folder / f"m{i}.eml").write_bytes(email())
        os.utime(folder / f"m{i}.eml", (old, old))
    result = runner.invoke(args=["intake", "run", "--once", "--mailbox", "osl-drop"])
    assert result.exit_code == 0, result.output
    assert count(db, Order) == worker.ROUND + 5
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)
                             .where(InboundMessage.status == "stored")) == 0


def test_a_folder_is_stored_a_batch_of_files_per_commit(db, folder, monkeypatch):
    """One commit (and fsync) per file made the drop folder the slowest path; now a batch shares one."""
    commits = []
    real = worker.store_drop_batch

    def counted(mailbox_id, items, *, now):
        commits.append(len(items))
        return real(mailbox_id, items, now=now)
    monkeypatch.setattr(worker, "store_drop_batch", counted)
    for i in range(worker.DROP_BATCH_FILES * 2 + 3):
        (folder / f"m{i:03}.eml").write_bytes(email(body=f"Vi trenger {i} stk 0 986 494 {1000 + i}."))
    ids = worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    assert commits == [worker.DROP_BATCH_FILES, worker.DROP_BATCH_FILES, 3]
    assert len(ids) == len(set(ids)) == count(db, InboundMessage) == worker.DROP_BATCH_FILES * 2 + 3
    assert not list(folder.glob("*.eml")) and mailbox(db).messages_today == len(ids)


def test_a_crash_in_a_batch_commit_moves_none_of_its_files(db, folder, monkeypatch):
    """Files are moved only after their batch committed: a kill inside the second batch's commit leaves
    the first batch moved and the second in the folder, stored by the next round, each once."""
    from app.orders.unit_of_work import UnitOfWork

    total = worker.DROP_BATCH_FILES + 5
    for i in range(total):
        (folder / f"m{i:03}.eml").write_bytes(email(body=f"Vi trenger {i} stk 0 986 494 {1000 + i}."))
    real_commit, calls = UnitOfWork.commit, []

    def commit(self):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed inside the second batch's commit")
        real_commit(self)
    monkeypatch.setattr(UnitOfWork, "commit", commit)
    with pytest.raises(KeyboardInterrupt):
        worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    monkeypatch.setattr(UnitOfWork, "commit", real_commit)
    assert count(db, InboundMessage) == worker.DROP_BATCH_FILES
    assert len(list((folder / "processed").iterdir())) == worker.DROP_BATCH_FILES
    assert len(list(folder.glob("*.eml"))) == 5
    assert len(worker.ingest_drop_folder(mailbox(db), settle_seconds=0)) == 5
    assert count(db, InboundMessage) == total and len(list((folder / "processed").iterdir())) == total


def test_a_bad_file_in_a_batch_leaves_only_itself_behind(db, folder, monkeypatch):
    real = worker.store_drop_batch

    def picky(mailbox_id, items, *, now):
        if any(b"poison" in item.raw for item in items):
            raise ValueError("this one cannot be stored")
        return real(mailbox_id, items, now=now)
    monkeypatch.setattr(worker, "store_drop_batch", picky)
    (folder / "a.eml").write_bytes(email(body="Vi trenger 2 stk 0 986 494 123."))
    (folder / "b.eml").write_bytes(email(body="poison"))
    (folder / "c.eml").write_bytes(email(body="Vi trenger 4 stk 0 451 103 318."))
    assert len(worker.ingest_drop_folder(mailbox(db), settle_seconds=0)) == 2
    assert [p.name for p in folder.glob("*.eml")] == ["b.eml"]


def test_a_file_over_the_limit_is_read_as_far_as_its_headers(db, folder):
    raw = email(subject="Stor", body="x" * 5000)
    (folder / "big.eml").write_bytes(raw)
    worker.ingest_drop_folder(mailbox(db), settle_seconds=0, max_bytes=1000)
    message = db.session.scalar(select(InboundMessage))
    assert message.status == "failed" and f"is {len(raw)} bytes, over the limit of 1000" in message.error
    assert b"x" * 100 not in bytes(message.raw) and bytes(message.raw).endswith(b"\r\n\r\n")


def _until(predicate, seconds: float = 5.0):
    """The observer thread hands events over a little later (watchdog holds a move up to 0.5 s)."""
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def test_the_watch_takes_a_file_its_writer_closed_at_once_and_not_one_still_open(db, folder):
    from app.intake.dropwatch import DropWatch

    watch = DropWatch(folder)
    assert watch.start()
    try:
        with open(folder / "open.eml", "wb") as f:
            f.write(email()[:50])
            f.flush()
            (folder / "done.eml").write_bytes(email(message_id="<done@verksted.test>"))
            assert _until(lambda: watch.is_closed(folder / "done.eml", (folder / "done.eml").stat()))
            assert watch.changed.is_set()
            ids = worker.ingest_drop_folder(mailbox(db), settle_seconds=60, closed=watch)
            assert len(ids) == 1 and (folder / "processed" / "done.eml").exists()
            assert (folder / "open.eml").exists(), "a file still being written must wait"
            assert not watch.is_closed(folder / "open.eml", (folder / "open.eml").stat())
            f.write(email()[50:])
        assert _until(lambda: watch.is_closed(folder / "open.eml", (folder / "open.eml").stat()))
        assert len(worker.ingest_drop_folder(mailbox(db), settle_seconds=60, closed=watch)) == 1
        (folder / "x.part").write_bytes(email())
        (folder / "x.part").rename(folder / "renamed.eml")  # written aside, renamed into place: complete
        assert _until(lambda: watch.is_closed(folder / "renamed.eml", (folder / "renamed.eml").stat()))
        with open(folder / "renamed.eml", "ab") as f:  # written again: not complete until closed again
            f.write(b"more")
            f.flush()
            assert not watch.is_closed(folder / "renamed.eml", (folder / "renamed.eml").stat())
        assert _until(lambda: watch.is_closed(folder / "renamed.eml", (folder / "renamed.eml").stat()))
    finally:
        watch.stop()


def test_a_big_file_is_stored_from_disk_with_the_key_and_bytes_it_would_have_had_in_memory(db, folder, monkeypatch):
    """A file over STREAM_BYTES is hashed and written from the file a chunk at a time (on SQLite through
    the blob API), never read whole: what is stored, and its key, are what reading it whole gave."""
    monkeypatch.setattr(store, "STREAM_BYTES", 1000)
    monkeypatch.setattr(worker, "STREAM_BYTES", 1000)
    monkeypatch.setattr(store, "HASH_CHUNK", 777)  # chunk edges inside the body, CR LF split over them too
    body = "".join(f"Linje {i}: 2 stk 0 986 494 {i:03}\r\n" for i in range(300)) + "\r\n\r\n \t"
    raw = email(body=body)
    (folder / "big.eml").write_bytes(raw)
    [message_id] = worker.ingest_drop_folder(mailbox(db), settle_seconds=0)
    message = db.session.get(InboundMessage, message_id)
    assert message.dedup_key == store.dedup_key(raw) and bytes(message.raw) == raw
    from app.intake.pipeline import process_pending, read_raw

    assert read_raw(message_id) == raw
    assert process_pending(5) == {"order": 1}
    (folder / "again.eml").write_bytes(raw.replace(b"\r\n", b"\n"))  # the same message saved again
    assert worker.ingest_drop_folder(mailbox(db), settle_seconds=0) == []
