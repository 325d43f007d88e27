"""The intake worker killed -9 again and again while 500 messages arrive: each stored once.

The kills are spread over the whole run and land in every phase: while catching up on a backlog,
while fetching and storing, between the commit and the MOVE, and while turning stored messages
into orders. What each kill left behind is read from the database and the server and printed
(run with -s), so the test shows which phases it hit. PARTDESK_KILL_SEED replays a run.
"""
from __future__ import annotations

import os
import random
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select

from app.models import InboundMessage, Mailbox, Order
from tests.faults.conftest import counts, wait_for
from tests.intake.mail import email

pytestmark = [pytest.mark.dovecot, pytest.mark.filterwarnings("ignore::DeprecationWarning:imaplib2.imaplib2")]

TOTAL = 500


def left_behind(app, dovecot, box_id) -> dict[str, int]:
    """What a kill left: stored but not yet MOVEd (UID at or under last_uid, still in INBOX), on the
    server but not stored, and stored but not yet processed."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            last_uid = conn.scalar(select(Mailbox.last_uid).where(Mailbox.id == box_id)) or 0
            inbound = conn.scalar(select(func.count()).select_from(InboundMessage))
            unprocessed = conn.scalar(select(func.count()).select_from(InboundMessage)
                                      .where(InboundMessage.status == "stored"))
    finally:
        engine.dispose()
    imap = dovecot.client()
    try:
        imap.select("INBOX", readonly=True)
        typ, data = imap.uid("SEARCH", None, "ALL")
        uids = [int(u) for u in data[0].split()]
    finally:
        imap.logout()
    return {"stored": inbound, "stored_not_moved": sum(u <= last_uid for u in uids),
            "not_stored": sum(u > last_uid for u in uids), "not_processed": unprocessed}


def test_sigkill_spread_over_500_messages_stores_and_orders_each_once(app, db, box, dovecot, intake_worker):
    seed = int(os.environ.get("PARTDESK_KILL_SEED") or time.time_ns() % 10**9)
    rng = random.Random(seed)
    box_id = box(security="starttls")
    worker = intake_worker(PARTDESK_LEASE_SECONDS="5", PARTDESK_IMAP_BACKOFF_MAX="1",
                           PARTDESK_IMAP_IDLE_SECONDS="5")
    appended = []

    def append_all():
        # bursts (1 to 60 at once) with pauses: the worker sees single messages and full batches
        append_rng = random.Random(seed + 1)
        imap = dovecot.client()
        try:
            while len(appended) < TOTAL:
                for _ in range(min(append_rng.choice((1, 1, 3, 8, 25, 60)), TOTAL - len(appended))):
                    i = len(appended)
                    # a third without Message-ID: deduplicated by the hash of their bytes
                    dovecot.append(email(message_id=None if i % 3 == 0 else "auto", body=(
                        f"Hei\n\nVi trenger {i % 9 + 1} stk bremseklosser 0 986 494 {1000 + i}.\n\nMvh Ola")),
                        imap=imap)
                    appended.append(i)
                time.sleep(append_rng.uniform(0, 0.8))
        finally:
            imap.logout()

    appender = threading.Thread(target=append_all)
    began = time.monotonic()
    appender.start()
    kills = []
    try:
        # kill while mail arrives, then at least twice more (and at least 8 in all) while the
        # worker catches up on the backlog
        while appender.is_alive() or len([k for k in kills if k["after_appending"]]) < 2 or (
                len(kills) < 8 and counts(app)[1] < TOTAL):
            after_appending = not appender.is_alive()
            before, offset = counts(app)[:2], worker.log_size()
            worker.start()
            # A cold start (imports, then catching up on what the last life stored) takes 1-3 s; a
            # kill inside it, again and again, only proves that a worker never let live does no work.
            # So each life is let make some progress (a commit, or reaching its mailbox), then killed
            # 0.2-1.5 s later, wherever it is by then.
            wait_for(lambda: counts(app)[:2] != before or "working" in worker.logged_since(offset), 30, step=0.05)
            time.sleep(rng.uniform(0.2, 1.5))
            worker.kill()
            kills.append({"at": round(time.monotonic() - began, 1), "appended": len(appended),
                          "after_appending": after_appending, **left_behind(app, dovecot, box_id)})
        appender.join()
        worker.start()
        done = wait_for(lambda: counts(app)[1] == TOTAL and dovecot.count("INBOX") == 0, 120, step=0.5)
    finally:
        worker.stop()
    elapsed = time.monotonic() - began
    inbound, processed, orders = counts(app)
    print(f"\nseed {seed}: {len(kills)} SIGKILLs in {elapsed:.1f} s; what each left behind:")
    for kill in kills:
        print("  ", kill)
    print(f"final: {inbound} stored, {processed} processed, {orders} orders")
    assert done, worker.tail()

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            distinct_inbound = conn.scalar(select(func.count(func.distinct(Order.inbound_message_id))))
            keys = conn.scalar(select(func.count(func.distinct(InboundMessage.dedup_key))))
            failed = conn.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.status == "failed"))
    finally:
        engine.dispose()
    assert inbound == processed == TOTAL and keys == TOTAL and failed == 0
    assert orders == distinct_inbound == TOTAL
    assert dovecot.count("INBOX") == 0 and dovecot.count("Partdesk/Processed") == TOTAL
    # the kills landed in every phase, not only at start-up
    assert any(k["not_stored"] for k in kills), "no kill with mail on the server waiting to be stored"
    assert any(k["not_processed"] for k in kills), "no kill between storing and processing"
    assert len({(k["stored"], k["not_processed"]) for k in kills}) >= len(kills) // 2, "the kills clustered"
