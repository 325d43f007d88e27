"""Mail to queue: how long one mail takes from arriving to being in the queue, with the real worker running.

The worker is started as a user starts it (`python -m flask --app app intake run`), with two mailboxes: a
drop folder and an IMAP mailbox on a real Dovecot (TLS, IDLE; tests/intake/dovecot.py). Once it is
working, realistic mails (bench/mailgen.py) arrive one at a time at random intervals (0.3-1.2 s, so
they land anywhere in the worker's wait), alternating: a file written into the drop folder, a mail
APPENDed to the INBOX. Each is timed from the moment the file is closed (or the APPEND answered) until
the database shows the message processed (the order, or the review inbox entry, committed with it),
polled every 5 ms on a connection of the bench's own.

Baseline in the same run, the same way: the floor of "a file to a committed row", a stdlib-only
process that polls the folder every 10 ms, parses each new file with email.message_from_bytes and
INSERTs and commits a row into a SQLite table (synchronous=FULL), timed by the same poller.

Targets: median mail-to-queue < 1 s for the drop folder and for IMAP IDLE (--target-ms to set another;
e.g. --target-ms 50 shows a miss). Exits 1 when one is missed.

    .venv/bin/python bench/intake_latency.py [--mails 20] [--pg] [--no-imap] [--target-ms 1000]
"""
from __future__ import annotations

import argparse
import email
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from email.policy import compat32
from pathlib import Path

import mailgen
from common import fresh_app, pg_url
from sqlalchemy import create_engine, text

ROOT = Path(os.environ.get("BENCH_APP_ROOT") or Path(__file__).resolve().parents[1])  # another checkout: its "before"
PASSWORD_ENV = "PARTDESK_BENCH_IMAP_PASSWORD"

FLOOR = """
import email, os, sqlite3, sys, time
folder, database = sys.argv[1], sys.argv[2]
db = sqlite3.connect(database, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS seen (message_id TEXT PRIMARY KEY)")
seen = set()
print("ready", flush=True)
while True:
    for entry in os.scandir(folder):
        if entry.name.endswith(".eml") and entry.name not in seen:
            seen.add(entry.name)
            message = email.message_from_bytes(open(entry.path, "rb").read())
            db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (" ".join(str(message["Message-ID"]).split()),))
    time.sleep(0.01)
"""


def message_id(raw: bytes) -> str:
    headers = email.message_from_bytes(raw.split(b"\n\n", 1)[0] + b"\n\n", policy=compat32)
    return " ".join(str(headers["Message-ID"]).split())


def setup(url: str | None, drop: Path, server):
    app, url = fresh_app(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Branch, Mailbox, Workshop, WorkshopEmail

        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        for i, (name, _person, address) in enumerate(mailgen.workshops()):
            db.session.add(Workshop(customer_number=str(10000 + i), name=name, home_branch=branch,
                                    emails=[WorkshopEmail(address=address)]))
        db.session.flush()
        db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(drop)))
        if server is not None:
            from tests.intake.dovecot import USER

            db.session.add(Mailbox(branch_id=branch.id, name="osl-imap", kind="imap", host="localhost",
                                   port=server.ssl_port, security="tls", username=USER, password_env=PASSWORD_ENV,
                                   processed_folder="Partdesk/Processed"))
        db.session.commit()
        db.engine.dispose()
    return url


def wait_until(predicate, timeout: float, step: float = 0.005) -> float | None:
    """Seconds until predicate() held (polled every `step`), or None after `timeout`."""
    start = time.perf_counter()
    while True:
        if predicate():
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            return None
        time.sleep(step)


def processed(engine, mid: str):
    def check() -> bool:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM inbound_message WHERE message_id = :m AND status <> 'stored'"),
                               {"m": mid}) > 0
    return check


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    return (f"{label:<34} n={len(ms):3}  min {ms[0]:7.1f}  median {statistics.median(ms):7.1f}  p95 {p95:7.1f}  "
            f"max {ms[-1]:7.1f} ms")


def main(count: int, url: str | None, imap: bool, target_ms: float, seed: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="partdesk-bench-latency-"))
    drop, floor_dir = work / "drop", work / "floor"
    drop.mkdir()
    floor_dir.mkdir()
    server = None
    if imap:
        from intake_dovecot_bench import start_dovecot

        server = start_dovecot()
        server.reset()
    rnd = random.Random(seed)
    mails = mailgen.generate(count * 3 + 2, seed=seed)
    worker = floor = None
    results: dict[str, list[float]] = {"drop": [], "imap": [], "floor": []}
    missing: dict[str, int] = {"drop": 0, "imap": 0, "floor": 0}
    try:
        url = setup(url, drop, server)
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret", PYTHONUNBUFFERED="1")
        if server is not None:
            from tests.intake.dovecot import PASSWORD

            env.update({"PARTDESK_IMAP_CAFILE": server.cafile, PASSWORD_ENV: PASSWORD})
        log_path = work / "worker.log"
        engine = create_engine(url)
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "intake", "run"], cwd=ROOT,
                                      env=env, stdout=log, stderr=subprocess.STDOUT)
        floor = subprocess.Popen([sys.executable, "-c", FLOOR, str(floor_dir), str(work / "floor.db")],
                                 stdout=subprocess.PIPE, text=True)
        assert floor.stdout.readline().strip() == "ready"
        floor_db = sqlite3.connect(work / "floor.db")
        # warm up: one mail through each path (imports, connections, the first IDLE)
        warm = iter(mails[-2:])
        first = next(warm)
        (drop / first.name).write_bytes(first.raw)
        if wait_until(processed(engine, message_id(first.raw)), 60, 0.05) is None:
            print(log_path.read_text(errors="replace")[-3000:])
            raise SystemExit("the worker did not take the warm-up mail within 60 s")
        if server is not None:
            second = next(warm)
            client = server.client()
            server.append(second.raw, imap=client)
            if wait_until(processed(engine, message_id(second.raw)), 60, 0.05) is None:
                print(log_path.read_text(errors="replace")[-3000:])
                raise SystemExit("the worker did not take the warm-up IMAP mail within 60 s")
        channels = ["drop", "floor"] + (["imap"] if server is not None else [])
        feed = iter(mails)
        for _ in range(count):
            for channel in channels:
                mail = next(feed)
                mid = message_id(mail.raw)
                time.sleep(rnd.uniform(0.3, 1.2))
                if channel == "drop":
                    (drop / mail.name).write_bytes(mail.raw)  # closed when write_bytes returns
                    check = processed(engine, mid)
                elif channel == "imap":
                    server.append(mail.raw, imap=client)  # answered: the mail is in the INBOX
                    check = processed(engine, mid)
                else:
                    (floor_dir / mail.name).write_bytes(mail.raw)
                    def check(mid=mid):
                        return floor_db.execute("SELECT 1 FROM seen WHERE message_id = ?", (mid,)).fetchone()
                took = wait_until(check, 30)
                if took is None:
                    missing[channel] += 1
                else:
                    results[channel].append(took)
        if server is not None:
            client.logout()
        floor_db.close()
        engine.dispose()
    finally:
        for proc in (worker, floor):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if server is not None:
            server.stop()
            shutil.rmtree(server.base, ignore_errors=True)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    load = os.getloadavg()
    print(f"database: {kind}; {count} mails per path, one at a time at random 0.3-1.2 s intervals; "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    ok = True
    floor_median = statistics.median(results["floor"]) if results["floor"] else float("nan")
    print(summary("floor (stdlib: 10 ms poll + insert)", results["floor"]) if results["floor"] else "floor: none")
    for channel, label in (("drop", "drop folder -> queue"), ("imap", "IMAP IDLE -> queue")):
        if channel == "imap" and server is None:
            continue
        seconds = results[channel]
        if not seconds or missing[channel]:
            print(f"{label}: {missing[channel]} of {count} never reached the queue within 30 s: MISS")
            ok = False
            continue
        median_ms = statistics.median(seconds) * 1000
        passed = median_ms < target_ms
        ok = ok and passed
        print(summary(label, seconds) + f"  ratio to the floor {median_ms / 1000 / floor_median:5.1f}x; "
              f"target median < {target_ms:g} ms: {'PASS' if passed else 'MISS'}")
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=20, help="mails per path")
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--no-imap", action="store_true", help="leave out the Dovecot mailbox")
    parser.add_argument("--target-ms", type=float, default=1000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    raise SystemExit(main(args.mails, pg_url() if args.pg else None, not args.no_imap, args.target_ms, args.seed))
