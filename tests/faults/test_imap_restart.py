"""Dovecot restarted under a worker waiting in IDLE: it reconnects by itself and misses nothing.

The worker is a real `flask intake run` process with the production timings (IDLE for 60 s,
backoff from 1 s doubling); only the mail server goes away. While it is down the MTA keeps
delivering: those messages are written straight into the Maildir, as Postfix or LMTP would, and
more are APPENDed the moment the server is back.
"""
from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.faults.conftest import counts, query, wait_for
from tests.intake.dovecot import USER
from tests.intake.mail import email

pytestmark = [pytest.mark.dovecot, pytest.mark.filterwarnings("ignore::DeprecationWarning:imaplib2.imaplib2")]


def deliver_to_maildir(dovecot, raw: bytes, n: int) -> None:
    """What the MTA does while IMAP is down: write the file in tmp/, then rename it into new/."""
    maildir = dovecot.base / "mail" / USER / "Maildir"
    name = f"{time.time_ns()}.P{os.getpid()}Q{n}.partdesk-test"
    (maildir / "tmp" / name).write_bytes(raw)
    shutil.chown(maildir / "tmp" / name, "dovecot", "dovecot")
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


def order_mail(i: int) -> bytes:
    return email(body=f"Hei\n\nVi trenger {i % 5 + 1} stk oljefilter W 712/{i}.\n\nMvh Kari")


def test_worker_resumes_after_a_restart_mid_idle_and_misses_nothing(app, db, box, dovecot, intake_worker):
    box_id = box(security="starttls")
    worker = intake_worker()  # production defaults: IDLE 60 s, backoff 1 s doubling up to 300 s
    offset = worker.log_size()
    worker.start()
    try:
        assert wait_for(lambda: query(app.config["SQLALCHEMY_DATABASE_URI"],
                                      "SELECT heartbeat_at FROM mailbox WHERE id = :i", i=box_id), 30), worker.tail()
        for i in range(3):
            dovecot.append(order_mail(i))
        assert wait_for(lambda: counts(app)[:2] == (3, 3), 15), worker.tail()
        time.sleep(1.0)  # back in IDLE, with 60 s to go before it would look again on its own

        dovecot.stop()
        down = time.monotonic()
        for i in range(3, 13):
            deliver_to_maildir(dovecot, order_mail(i), i)
        time.sleep(max(0.0, 3.0 - (time.monotonic() - down)))
        dovecot.start()
        up = time.monotonic()
        imap = dovecot.client()
        try:
            for i in range(13, 23):
                dovecot.append(order_mail(i), imap=imap)
        finally:
            imap.logout()

        first = wait_for(lambda: counts(app)[0] > 3, 30)
        resumed = time.monotonic() - up
        all_in = wait_for(lambda: counts(app)[1] == 23 and dovecot.count("INBOX") == 0, 30, step=0.1)
        caught_up = time.monotonic() - up
        alive = worker.proc.poll() is None
    finally:
        worker.stop()
    log = worker.logged_since(offset)
    print(f"\nDovecot down {up - down:.1f} s; first new message stored {resumed:.2f} s after it was back, "
          f"all 20 stored and processed after {caught_up:.2f} s; {log.count('retrying in')} retries logged")
    assert first and all_in, worker.tail()
    assert alive, "the worker exited instead of reconnecting"
    assert caught_up < 30
    inbound, processed, orders = counts(app)
    assert (inbound, processed, orders) == (23, 23, 23)
    assert dovecot.count("Partdesk/Processed") == 23
