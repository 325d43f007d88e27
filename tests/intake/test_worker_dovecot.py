"""The IMAP worker against a real Dovecot: TLS checks, ingest, IDLE wake-up, reconnect, SIGKILL.

Run with -s to see the measured numbers. Uses the test database (TEST_DATABASE_URL for PostgreSQL).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.intake import worker
from app.models import InboundMessage, Mailbox, Order
from tests.intake.dovecot import USER, dovecot, dovecot_server, stop_process  # noqa: F401 (fixtures)
from tests.intake.mail import email

pytestmark = [
    pytest.mark.dovecot,
    # imaplib2's own threads call setDaemon()/currentThread(), deprecated since Python 3.10
    pytest.mark.filterwarnings("ignore::DeprecationWarning:imaplib2.imaplib2"),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def box(db, make, dovecot):  # noqa: F811
    branch = make.branch()
    make.workshop(branch, emails=["post@verksted.test"])

    def _box(host="localhost", port=None, security="tls", name="osl"):
        mailbox = Mailbox(branch_id=branch.id, name=name, kind="imap", host=host, security=security,
                          port=port or (dovecot.ssl_port if security == "tls" else dovecot.port), username=USER,
                          password_env="PARTDESK_TEST_IMAP_PASSWORD", processed_folder="Partdesk/Processed")
        db.session.add(mailbox)
        db.session.commit()
        return mailbox.id
    return _box


def counts(app) -> tuple[int, int, int]:
    """(inbound, processed, orders) read on a connection of its own."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            inbound = conn.scalar(text("SELECT count(*) FROM inbound_message"))
            processed = conn.scalar(text("SELECT count(*) FROM inbound_message WHERE status <> 'stored'"))
            orders = conn.scalar(text('SELECT count(*) FROM "order"'))
    finally:
        engine.dispose()
    return inbound, processed, orders


def wait_for(predicate, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def test_ingest_over_verified_tls(app, db, box, dovecot, runner):  # noqa: F811
    box_id = box()
    for _ in range(3):
        dovecot.append(email())
    result = runner.invoke(args=["intake", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert counts(app) == (3, 3, 3)
    mailbox = db.session.get(Mailbox, box_id)
    assert mailbox.last_uid >= 3 and mailbox.uidvalidity and mailbox.last_error is None
    stored = db.session.scalars(select(InboundMessage)).all()
    assert all(m.uid and m.uidvalidity == mailbox.uidvalidity and m.mailbox_id == box_id for m in stored)
    assert dovecot.count("INBOX") == 0 and dovecot.count("Partdesk/Processed") == 3


def test_a_certificate_for_another_name_is_refused(app, db, box, dovecot, runner):  # noqa: F811
    # 127.0.0.1 gets Dovecot's default certificate, issued to wrong.example by the trusted CA
    box_id = box(host="127.0.0.1")
    dovecot.append(email())
    runner.invoke(args=["intake", "run", "--once"])
    mailbox = db.session.get(Mailbox, box_id)
    assert "CERTIFICATE_VERIFY_FAILED" in mailbox.last_error and mailbox.last_error_at is not None
    assert counts(app)[0] == 0 and dovecot.count("INBOX") == 1


def test_an_untrusted_ca_is_refused(app, db, box, dovecot, runner, monkeypatch):  # noqa: F811
    app.config["IMAP_CAFILE"] = None
    box_id = box()
    runner.invoke(args=["intake", "run", "--once"])
    assert "CERTIFICATE_VERIFY_FAILED" in db.session.get(Mailbox, box_id).last_error


@pytest.fixture
def running(app, monkeypatch):
    """The worker in threads of this process, stopped at the end."""
    app.config["IMAP_BACKOFF_MAX"] = 1
    stop = threading.Event()
    threads = []

    def _start(ids):
        thread = threading.Thread(target=worker.run, args=(app, ids), kwargs={"stop": stop}, daemon=True)
        thread.start()
        threads.append(thread)
    yield _start
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
        assert not thread.is_alive()


def test_idle_wakes_the_worker_within_two_seconds(app, db, box, dovecot, running):  # noqa: F811
    box_id = box(security="starttls")
    running([box_id])
    assert wait_for(lambda: _heartbeat(app, box_id), 20), "the worker never came up"
    time.sleep(0.5)  # let it settle into IDLE
    latencies = []
    for i in range(3):
        start = time.monotonic()
        dovecot.append(email())
        assert wait_for(lambda: counts(app)[0] == i + 1, 10)
        latencies.append(time.monotonic() - start)
        time.sleep(0.3)
    print(f"\nIDLE wake-up to stored: {', '.join(f'{s:.2f}' for s in latencies)} s")
    assert max(latencies) < 2.0


def test_reconnects_after_the_server_restarts(app, db, box, dovecot, running):  # noqa: F811
    box_id = box()
    running([box_id])
    assert wait_for(lambda: _heartbeat(app, box_id), 20)
    dovecot.restart()
    start = time.monotonic()
    dovecot.append(email())
    assert wait_for(lambda: counts(app)[:2] == (1, 1), 20), "not picked up after the restart"
    print(f"\nstored {time.monotonic() - start:.2f} s after the restart")


def _heartbeat(app, box_id):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT heartbeat_at FROM mailbox WHERE id = :i"), {"i": box_id})
    finally:
        engine.dispose()


def test_sigkill_at_random_moments_stores_each_message_once(app, db, box, dovecot, tmp_path):  # noqa: F811
    """300 messages arrive while the worker (a subprocess) is killed -9 again and again."""
    total, kills = 300, 5
    box(security="starttls")
    rng = random.Random(os.environ.get("PARTDESK_KILL_SEED") or time.time_ns())
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "kill-test",
           "PARTDESK_LEASE_SECONDS": "5", "PARTDESK_IMAP_BACKOFF_MAX": "1", "PARTDESK_IMAP_IDLE_SECONDS": "5"}

    log = tmp_path / "worker.log"

    def start():
        with open(log, "ab") as out:
            return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "intake", "run"], cwd=ROOT, env=env,
                                    stdout=out, stderr=subprocess.STDOUT)

    def append_all():
        imap = dovecot.client()
        try:
            for i in range(total):
                # a third without Message-ID: deduplicated by the hash of their bytes
                dovecot.append(email(message_id=None if i % 3 == 0 else "auto", body=(
                    f"Hei\n\nVi trenger {i % 9 + 1} stk bremseklosser 0 986 494 {100 + i}.\n\nMvh Ola")), imap=imap)
                time.sleep(rng.uniform(0, 0.02))
        finally:
            imap.logout()

    appender = threading.Thread(target=append_all)
    appender.start()
    began = time.monotonic()
    seen = []
    for _ in range(kills):
        proc = start()
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.append(counts(app)[0])
    appender.join()
    proc = start()
    try:
        done = wait_for(lambda: counts(app)[1] == total and dovecot.count("INBOX") == 0, 90, step=0.5)
    finally:
        stop_process(proc)
    stderr = log.read_text(errors="replace")[-3000:]
    inbound, processed, orders = counts(app)
    print(f"\nSIGKILL x{kills}: stored after each kill {seen}; final {inbound} stored, {processed} processed, "
          f"{orders} orders in {time.monotonic() - began:.1f} s")
    assert done, stderr
    assert inbound == total and processed == total
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        distinct = conn.scalar(select(func.count(func.distinct(Order.inbound_message_id))))
        keys = conn.scalar(select(func.count(func.distinct(InboundMessage.dedup_key))))
        failed = conn.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "failed"))
    engine.dispose()
    assert orders == distinct == total and keys == total and failed == 0
    assert dovecot.count("Partdesk/Processed") == total
