"""Intake worker throughput from a real Dovecot, end to end.

M generated order emails (bench/intake_throughput.generate) are appended to the INBOX of a Dovecot
started from a temporary config (tests/intake/dovecot.py). Then the worker is started as a
subprocess, as in production (`flask --app app intake run`, IMAP over verified TLS, messages moved
to Partdesk/Processed), and the database is polled until all M are stored and processed. Target:
>= 50 msg/s end to end, counted from the spawn of the worker (its start-up included).

Baseline in the same run, on the same messages and the same server and transport (TLS): the stdlib
imaplib logging in and fetching them with UID FETCH BODY.PEEK[] in batches of 50 (the worker's
batch), no database. Ratio: ours / baseline time.

    .venv/bin/python bench/intake_dovecot_bench.py [--messages 500] [--pg]

Needs Dovecot (root: tests/intake/dovecot.py installs it with .ci/install-dovecot when missing).
"""
from __future__ import annotations

import argparse
import imaplib
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_app, pg_url
from intake_throughput import generate
from sqlalchemy import create_engine, text

from tests.intake.dovecot import (
    PASSWORD,
    USER,
    Dovecot,
    ensure_installed,
    make_certificates,
    stop_process,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BATCH = 50
PASSWORD_ENV = "PARTDESK_BENCH_IMAP_PASSWORD"


def start_dovecot() -> Dovecot:
    ensure_installed()
    base = Path(tempfile.mkdtemp(prefix="partdesk-bench-dovecot-"))
    base.chmod(0o755)  # the mail processes run as the dovecot user
    make_certificates(base)
    server = Dovecot(base)
    server.write_config()
    server.start()
    return server


def setup(url: str | None, server: Dovecot):
    app, url = fresh_app(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Branch, Mailbox, Workshop, WorkshopEmail

        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        for i in range(40):  # the senders generate() uses; about 10 % are unknown
            db.session.add(Workshop(customer_number=str(10000 + i), name=f"Verksted {i}", home_branch=branch,
                                    emails=[WorkshopEmail(address=f"verksted{i}@workshop{i}.example")]))
        db.session.flush()
        db.session.add(Mailbox(branch_id=branch.id, name="osl", kind="imap", host="localhost", port=server.ssl_port,
                               security="tls", username=USER, password_env=PASSWORD_ENV,
                               processed_folder="Partdesk/Processed"))
        db.session.commit()
        db.engine.dispose()
    return app, url


def baseline_fetch(server: Dovecot, expected: int) -> tuple[float, int]:
    """Log in over TLS, select INBOX read-only, UID SEARCH, UID FETCH BODY.PEEK[] in batches."""
    context = ssl.create_default_context(cafile=server.cafile)
    start = time.perf_counter()
    imap = imaplib.IMAP4_SSL("localhost", server.ssl_port, ssl_context=context)
    imap.login(USER, PASSWORD)
    imap.select("INBOX", readonly=True)
    typ, data = imap.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    fetched = total_bytes = 0
    for offset in range(0, len(uids), BATCH):
        chunk = b",".join(uids[offset:offset + BATCH])
        typ, data = imap.uid("FETCH", chunk, "(BODY.PEEK[])")
        assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                fetched += 1
                total_bytes += len(item[1])
    imap.logout()
    elapsed = time.perf_counter() - start
    assert fetched == expected, (fetched, expected)
    return elapsed, total_bytes


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT count(*) FROM inbound_message"))
        processed = conn.scalar(text("SELECT count(*) FROM inbound_message WHERE status <> 'stored'"))
    return stored, processed


def run_worker(url: str, server: Dovecot, total: int, log_path: Path, timeout: float) -> dict:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", PARTDESK_IMAP_CAFILE=server.cafile,
               **{PASSWORD_ENV: PASSWORD})
    engine = create_engine(url)
    marks = {}
    with open(log_path, "wb") as log:
        spawn = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "flask"), "--app", "app", "intake", "run"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = spawn + timeout
            while time.perf_counter() < deadline:
                stored, processed = counts(engine)
                now = time.perf_counter() - spawn
                if stored and "first_stored" not in marks:
                    marks["first_stored"] = now
                if stored >= total and "all_stored" not in marks:
                    marks["all_stored"] = now
                if processed >= total:
                    marks["all_processed"] = now
                    break
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
        finally:
            stop_process(proc)
    with engine.connect() as conn:
        marks["statuses"] = dict(conn.execute(text("SELECT status, count(*) FROM inbound_message GROUP BY status")).all())
        marks["orders"] = conn.scalar(text('SELECT count(*) FROM "order"'))
    engine.dispose()
    return marks


def main(total: int, url: str | None, timeout: float) -> int:
    server = start_dovecot()
    try:
        server.reset()
        app, url = setup(url, server)
        messages = generate(total)
        start = time.perf_counter()
        imap = server.client()
        for raw in messages:
            server.append(raw, imap=imap)
        imap.logout()
        append_s = time.perf_counter() - start
        assert server.count("INBOX") == total
        base_runs = [baseline_fetch(server, total) for _ in range(3)]
        base = min(t for t, _ in base_runs)
        fetched_bytes = base_runs[0][1]
        log_path = Path(tempfile.mkdtemp(prefix="partdesk-bench-worker-")) / "worker.log"
        marks = run_worker(url, server, total, log_path, timeout)
        inbox, done = server.count("INBOX"), server.count("Partdesk/Processed")
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {kind}; messages: {total} ({fetched_bytes / total:.0f} bytes each); Dovecot over TLS; "
          f"appended in {append_s:.1f} s")
    print(f"baseline imaplib UID FETCH BODY.PEEK[] x{BATCH}: {base:.3f} s = {total / base:8.1f} msg/s "
          f"(runs: {', '.join(f'{t:.3f}' for t, _ in base_runs)})")
    if "all_processed" not in marks:
        print(f"worker did NOT finish within {timeout:.0f} s: {marks}")
        print(log_path.read_text(errors="replace")[-3000:])
        return 1
    ours = marks["all_processed"]
    busy = ours - marks["first_stored"]
    print(f"worker: first stored at {marks['first_stored']:.2f} s after spawn, all stored at {marks['all_stored']:.2f} s, "
          f"all processed at {ours:.2f} s; statuses {marks['statuses']}, orders {marks['orders']}; "
          f"server: INBOX {inbox}, Partdesk/Processed {done}")
    print(f"end to end from spawn: {total / ours:8.1f} msg/s (target >= 50)")
    print(f"from the first message stored (start-up and first fetch excluded): {total / busy:8.1f} msg/s")
    print(f"ratio time ours/baseline: {ours / base:.1f}")
    ok = inbox == 0 and done == total and total / ours >= 50
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    raise SystemExit(main(args.messages, pg_url() if args.pg else None, args.timeout))
