"""Exactly-once storage: dedup keys, idempotent inserts, last_uid advancing with the insert."""
from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.intake.store import Incoming, StaleMailbox, dedup_key, reset_uidvalidity, store_imap_batch, store_raw
from app.models import InboundMessage, Mailbox

RAW = b"From: Ola <post@verksted.test>\r\nMessage-ID: <abc@verksted.test>\r\nSubject: Bestilling\r\n\r\n2 stk\r\n"
NO_ID = b"From: post@verksted.test\r\nSubject: uten id\r\n\r\nhei\r\n"


@pytest.fixture
def mailbox(db, make):
    branch = make.branch()
    box = Mailbox(branch_id=branch.id, name="osl", kind="imap", uidvalidity=7, last_uid=0)
    db.session.add(box)
    db.session.commit()
    return box


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


RELAYED = (b"Return-Path: <post@verksted.test>\r\nDelivered-To: osl@partdesk.test\r\nX-Original-To: osl@partdesk.test\r\n"
           b"Received: from mx1 by mx2; Mon, 23 Nov 2026 09:00:00 +0000\r\nX-Spam-Status: No\r\n"
           b"Authentication-Results: mx2; dkim=pass\r\n")


def test_dedup_key_is_a_hash_of_the_body_and_the_headers_the_sender_wrote():
    assert dedup_key(RAW).startswith("sha256:") and len(dedup_key(RAW)) == 71
    # a re-delivery through another hop, with LF line ends or a trailing blank line, is the same message
    assert dedup_key(RELAYED + RAW) == dedup_key(RAW) == dedup_key(RAW.replace(b"\r\n", b"\n")) == dedup_key(RAW + b"\r\n")
    assert dedup_key(RAW.replace(b"Subject: Bestilling\r\n", b"Subject:  Bestilling\r\n")) == dedup_key(RAW)
    # one Message-ID, other content: another message
    assert dedup_key(RAW.replace(b"2 stk", b"3 stk")) != dedup_key(RAW)
    assert dedup_key(RAW.replace(b"Subject: Bestilling", b"Subject: Bestilling 2")) != dedup_key(RAW)
    assert dedup_key(RAW.replace(b"From: Ola", b"From: Kari")) != dedup_key(RAW)
    assert dedup_key(NO_ID) != dedup_key(NO_ID + b"x") and dedup_key(RELAYED + NO_ID) == dedup_key(NO_ID)


def test_one_message_id_on_different_mails_stores_each_and_a_relayed_copy_once(db, mailbox, now):
    other = RAW.replace(b"2 stk", b"4 stk")
    ids = store_imap_batch(mailbox.id, 7, [Incoming(RAW, 3), Incoming(other, 4), Incoming(RELAYED + RAW, 5)], now=now)
    assert len(ids) == 2 and count(db) == 2
    assert [db.session.get(InboundMessage, i).uid for i in ids] == [3, 4]
    assert {db.session.get(InboundMessage, i).message_id for i in ids} == {"<abc@verksted.test>"}
    db.session.refresh(mailbox)
    assert mailbox.last_uid == 5  # every UID behind last_uid: none fetched again, none lost
    assert store_imap_batch(mailbox.id, 7, [Incoming(RELAYED + other, 6)], now=now) == [] and count(db) == 2


def test_a_message_stored_under_an_old_key_is_not_stored_again(db, mailbox, now):
    """Before content keys, a message was keyed 'mid:<Message-ID>' (or 'sha256:' of its bytes without
    one): after the upgrade a resync fetches it again, and must store nothing new, while a different
    message with that Message-ID is stored."""
    for key, raw in (("mid:<abc@verksted.test>", RAW), ("sha256:" + hashlib.sha256(NO_ID).hexdigest(), NO_ID)):
        db.session.add(InboundMessage(channel="email", dedup_key=key, raw=raw, status="processed",
                                      message_id="<abc@verksted.test>" if key.startswith("mid:") else None))
    db.session.commit()
    assert store_imap_batch(mailbox.id, 7, [Incoming(RELAYED + RAW, 1), Incoming(NO_ID, 2)], now=now) == []
    assert count(db) == 2
    assert len(store_imap_batch(mailbox.id, 7, [Incoming(RAW.replace(b"2 stk", b"5 stk"), 3)], now=now)) == 1
    assert count(db) == 3


def test_batch_stores_and_advances_last_uid_together(db, mailbox, now):
    ids = store_imap_batch(mailbox.id, 7, [Incoming(RAW, 3), Incoming(NO_ID, 5)], now=now)
    assert len(ids) == 2
    db.session.refresh(mailbox)
    assert mailbox.last_uid == 5 and mailbox.messages_today == 2
    stored = db.session.get(InboundMessage, ids[0])
    assert (stored.uidvalidity, stored.uid, stored.mailbox_id, stored.status) == (7, 3, mailbox.id, "stored")
    assert stored.raw == RAW and stored.subject == "Bestilling" and "post@verksted.test" in stored.sender


def test_storing_again_stores_nothing_but_still_advances(db, mailbox, now):
    store_imap_batch(mailbox.id, 7, [Incoming(RAW, 3)], now=now)
    # the same message delivered again under a new UID (or refetched after a resync)
    assert store_imap_batch(mailbox.id, 7, [Incoming(RAW, 9), Incoming(RAW, 10)], now=now) == []
    db.session.refresh(mailbox)
    assert mailbox.last_uid == 10 and count(db) == 1


def test_one_fetch_with_a_message_twice_and_a_big_one_stores_each_once_in_order(db, mailbox, now, monkeypatch):
    from app.intake import store

    monkeypatch.setattr(store, "CHUNK_BYTES", 200)  # several statements, one message alone in its own
    big = b"From: post@verksted.test\r\nMessage-ID: <big@verksted.test>\r\n\r\n" + b"x" * 500 + b"\r\n"
    other = RAW.replace(b"abc@", b"def@")
    ids = store_imap_batch(mailbox.id, 7, [Incoming(RAW, 3), Incoming(big, 4), Incoming(RAW, 5), Incoming(NO_ID, 6),
                                           Incoming(other, 7)], now=now)
    assert len(ids) == 4 and count(db) == 4
    assert [db.session.get(InboundMessage, i).uid for i in ids] == [3, 4, 6, 7]
    assert db.session.get(InboundMessage, ids[1]).raw == big


def test_a_failed_commit_stores_nothing_and_leaves_last_uid(db, mailbox, now):
    with pytest.raises(StaleMailbox):
        store_imap_batch(mailbox.id, 8, [Incoming(RAW, 3)], now=now)
    db.session.refresh(mailbox)
    assert mailbox.last_uid == 0 and count(db) == 0


def test_new_uidvalidity_restarts_from_zero_without_doubling(db, mailbox, now):
    store_imap_batch(mailbox.id, 7, [Incoming(RAW, 3)], now=now)
    assert reset_uidvalidity(mailbox.id, 99, now=now) is True
    db.session.refresh(mailbox)
    assert (mailbox.uidvalidity, mailbox.last_uid) == (99, 0)
    assert store_imap_batch(mailbox.id, 99, [Incoming(RAW, 1), Incoming(NO_ID, 2)], now=now) and count(db) == 2
    assert reset_uidvalidity(mailbox.id, 99, now=now) is False


def test_store_raw_returns_the_first_id_for_a_repeat(db, mailbox, now):
    first, created = store_raw(RAW, channel="email", branch_id=mailbox.branch_id, mailbox_id=mailbox.id, now=now)
    again, created_again = store_raw(RAW, channel="email", branch_id=mailbox.branch_id, now=now)
    assert created and not created_again and first == again and count(db) == 1


@pytest.mark.real_commits
def test_racing_inserts_of_one_message_store_it_once(app, db, mailbox):
    """Eight threads insert the same message at once: one row, nobody errors."""
    results, errors = [], []
    branch_id = mailbox.branch_id
    barrier = threading.Barrier(8)

    def insert():
        with app.app_context():
            try:
                barrier.wait()
                results.append(store_raw(RAW, channel="email", branch_id=branch_id,
                                         now=datetime.now(UTC)))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(created for _id, created in results) == 1
    db.session.rollback()  # end our old read so we see their commits
    assert len({i for i, _c in results}) == 1 and count(db) == 1


def test_a_message_whose_headers_cannot_be_read_is_stored_under_the_hash_of_its_bytes(db, mailbox, now, monkeypatch):
    from app.intake import store

    def unreadable(raw):
        raise ValueError("no header parser would take this")
    monkeypatch.setattr(store, "headers_of", unreadable)
    message_id, created = store_raw(NO_ID, channel="email", branch_id=mailbox.branch_id, now=now)
    assert created and count(db) == 1
    assert db.session.get(InboundMessage, message_id).dedup_key == "sha256:" + hashlib.sha256(NO_ID).hexdigest()
    assert store_raw(NO_ID, channel="email", branch_id=mailbox.branch_id, now=now) == (message_id, False)


@given(st.binary(max_size=300).map(lambda b: b.replace(b"x", b"\r").replace(b"y", b"\n")), st.integers(1, 7))
@settings(max_examples=300, deadline=None)
def test_the_body_is_hashed_in_chunks_as_it_was_whole(body, chunk):
    """The key of a big message is worked out a chunk at a time; it must be the key the whole body gave."""
    import hashlib

    from app.intake import store

    raw = b"From: a@b.test\r\nSubject: x\r\n\r\n" + body
    whole = hashlib.sha256(b"\n" + raw[store._body_start(raw):].replace(b"\r\n", b"\n").rstrip(b"\r\n\t "))
    chunked = hashlib.sha256(b"\n")
    old, store.HASH_CHUNK = store.HASH_CHUNK, chunk
    try:
        store._hash_body(chunked, store._Content(raw), store._body_start(raw))
    finally:
        store.HASH_CHUNK = old
    assert chunked.hexdigest() == whole.hexdigest()
