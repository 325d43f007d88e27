"""The database goes away under the intake worker: it waits, marks nothing, and catches up.

A message may be marked on the IMAP server (MOVEd to the processed folder) only after it is
stored in a committed transaction; while the database is away the mail must stay in INBOX,
unflagged, and the worker must neither die nor spin.

PostgreSQL: the worker reaches the database through a TCP proxy in this test; cutting it resets
every open connection and every new one, which is what a dead route or a restarting server looks
like from the client. SQLite: there is no server to lose, and as root (CI) permission bits on the
file or its directory stop nothing. What makes a SQLite database unavailable to a writer in
practice is another process holding its write lock (a backup, a stuck process, someone in the
sqlite3 shell); the test holds it the way the app's own writers do, the write-gate flock first
and then BEGIN IMMEDIATE, from a separate process.
"""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy.engine import make_url

from tests.faults.conftest import TcpProxy, counts, cpu_seconds, query, wait_for
from tests.intake.mail import email

pytestmark = [pytest.mark.dovecot, pytest.mark.filterwarnings("ignore::DeprecationWarning:imaplib2.imaplib2")]

OUTAGE = 15.0
HOLD_LOCK = r"""
import fcntl, os, sqlite3, sys
path = sys.argv[1]
gate = os.open(path + ".write-gate", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(gate, fcntl.LOCK_EX)
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.execute("ROLLBACK")
"""


class SqliteOutage:
    def __init__(self, url: str):
        self.path = make_url(url).database
        self.holder: subprocess.Popen | None = None
        self.worker_url = url

    def cut(self) -> None:
        self.holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, self.path], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True)
        assert self.holder.stdout.readline().strip() == "locked"

    def restore(self) -> None:
        self.holder.stdin.close()
        self.holder.wait(timeout=10)
        self.holder.stdout.close()

    def close(self) -> None:
        if self.holder and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        if self.holder:
            for pipe in (self.holder.stdin, self.holder.stdout):
                if not pipe.closed:
                    pipe.close()

    def attempts(self) -> str:
        return "n/a (writers queue on the lock)"


class PostgresOutage:
    def __init__(self, url: str):
        parsed = make_url(url)
        self.proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        self.worker_url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        self.proxy.refused = 0
        self.proxy.cut()

    def restore(self) -> None:
        self.proxy.restore()

    def close(self) -> None:
        self.proxy.close()

    def attempts(self) -> int:
        return self.proxy.refused


def seen_in_inbox(dovecot) -> int:
    imap = dovecot.client()
    try:
        imap.select("INBOX", readonly=True)
        typ, data = imap.uid("SEARCH", None, "SEEN")
        return len(data[0].split())
    finally:
        imap.logout()


def test_worker_waits_out_a_database_outage_marks_nothing_and_catches_up(app, db, box, dovecot, intake_worker):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    outage = PostgresOutage(url) if url.startswith("postgresql") else SqliteOutage(url)
    box_id = box(security="starttls")
    worker = intake_worker(outage.worker_url)
    offset = worker.log_size()
    worker.start()
    try:
        assert wait_for(lambda: query(url, "SELECT heartbeat_at FROM mailbox WHERE id = :i", i=box_id), 30), \
            worker.tail()
        for i in range(3):
            dovecot.append(email(body=f"Hei\n\nVi trenger 2 stk bremseskiver 0 986 479 {100 + i}.\n\nMvh Per"))
        assert wait_for(lambda: counts(app)[:2] == (3, 3), 15), worker.tail()
        time.sleep(1.0)  # in IDLE

        outage.cut()
        began, cpu_before = time.monotonic(), cpu_seconds(worker.proc.pid)
        for i in range(20):
            dovecot.append(email(body=f"Hei\n\nVi trenger 1 stk lyspære H7 nr {i}.\n\nMvh Per"))
        samples = []
        while time.monotonic() - began < OUTAGE:
            samples.append((dovecot.count("INBOX"), dovecot.count("Partdesk/Processed"), seen_in_inbox(dovecot),
                            worker.proc.poll() is None))
            time.sleep(1.0)
        cpu = cpu_seconds(worker.proc.pid) - cpu_before
        down_for = time.monotonic() - began
        attempts = outage.attempts()
        outage.restore()
        back = time.monotonic()
        caught_up = wait_for(lambda: counts(app)[1] == 23 and dovecot.count("INBOX") == 0, 60, step=0.2)
        catch_up = time.monotonic() - back
        alive = worker.proc.poll() is None
        if not caught_up and alive:
            print(worker.dump())  # where it is stuck
    finally:
        worker.stop()
        outage.close()
    log = worker.logged_since(offset)
    print(f"\n{make_url(url).get_backend_name()}: database away {down_for:.1f} s; worker CPU during it {cpu:.2f} s "
          f"({100 * cpu / down_for:.1f} %); connection attempts refused: {attempts}; "
          f"all 20 stored and processed {catch_up:.2f} s after it came back")
    # (INBOX, processed folder, \Seen in INBOX, worker alive) every second of the outage
    assert all(s == (20, 3, 0, True) for s in samples), (samples, log[-3000:])
    assert cpu < 0.25 * down_for, "the worker spun while the database was away"
    assert caught_up and alive, log[-4000:]
    assert counts(app) == (23, 23, 23)
    assert dovecot.count("Partdesk/Processed") == 23
