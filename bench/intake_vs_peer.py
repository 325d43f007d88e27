"""Mail intake end to end, side by side with the peer: django-helpdesk 2.6.1 (`manage.py get_email`).

1,000 distinct realistic mails (bench/mailgen.py: the samples with new Message-IDs, senders, part numbers
and quantities, attachments kept) are dropped into a folder, and three programs take them, alternating,
three runs each, each run on a fresh database:

  * peer:     django-helpdesk 2.6.1 in its own venv (bench/peer_helpdesk.py), a queue reading the folder,
              `manage.py get_email` as cron runs it; SQLite with Django's defaults. Timed from its spawn
              to its exit (it deletes each file it made a ticket of).
  * partdesk: the real worker, `python -m flask --app app intake run`, as a user starts it, on a drop-folder
              mailbox; SQLite (synchronous=FULL unless --synchronous) or PostgreSQL (--pg). Timed from its
              spawn until the database shows every message stored and none left pending (polled every
              50 ms). The files are in the folder before the spawn and older than the folder's settle time
              (1 s), like a queue that built up while the worker was down.
  * floor:    the standard library alone: a python process that reads each file and calls
              email.message_from_bytes + get_body().get_content(). Spawn to exit.

Then, after the first run of each, the same files are dropped again and the duplicates counted: tickets
the peer made again; messages stored again and orders made again by Partdesk.

Printed: min / median / max seconds and msg/s, the ratio of Partdesk's throughput to the peer's and its
time to the floor's, the peak RSS of each (the sum over the process and its children of each one's
VmHWM, polled), CPU seconds (wait4, children included), and the duplicates.

Targets: Partdesk's median throughput >= 4x the peer's (--target to set another, e.g. --target 100 to
show a miss) and 0 duplicates; every message processed, none failed. Exits 1 when one is missed.

    .venv/bin/python bench/intake_vs_peer.py [--messages 1000] [--runs 3] [--target 4] [--pg]

--pg runs Partdesk on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL; its schema is DROPPED and
made again); the peer stays on SQLite. The peer is built under --peer-dir (default
/tmp/partdesk-peer-helpdesk; pip needs the package index the first time) and reused after.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import mailgen
import peer_helpdesk
from common import fresh_app, pg_url
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
SETTLE_SECONDS = 1.0  # app.intake.worker.ingest_drop_folder's default: younger files wait a round

FLOOR = """
import email, sys, time
from email import policy
from pathlib import Path
count = 0
for path in sorted(Path(sys.argv[1]).glob("*.eml")):
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    body.get_content() if body is not None else ""
    count += 1
print(count)
"""


# -- measuring a process ----------------------------------------------------------------------------

class TreeWatch(threading.Thread):
    """Polls /proc for a process and its descendants and keeps each one's VmHWM (peak RSS)."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                continue
        return found

    def sample(self) -> None:
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]))
                            break
            except (OSError, ValueError):
                pass

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.sample()

    def stop(self) -> float:
        """Stop polling; the peak in MiB."""
        self.sample()
        self.done.set()
        return sum(self.peaks.values()) / 1024

    def each(self) -> list[float]:
        """Each process's peak in MiB, largest first."""
        return sorted((kib / 1024 for kib in self.peaks.values()), reverse=True)


def reap(proc: subprocess.Popen, timeout: float | None = None) -> float:
    """Wait for the process; returns its CPU seconds (user + system, reaped children included)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            proc.kill()
            deadline = None
        time.sleep(0.05)


@dataclass
class Run:
    seconds: float
    peak_mib: float
    cpu: float
    note: str = ""
    duplicates: dict = field(default_factory=dict)
    each_mib: list[float] = field(default_factory=list)  # each process's peak, largest first
    ok: bool = True


def drop(mails: list[mailgen.Mail], folder: Path) -> None:
    mailgen.write(mails, folder)
    time.sleep(SETTLE_SECONDS + 0.1)  # every file older than the settle time when the clock starts


# -- the peer -----------------------------------------------------------------------------------------

def run_peer(peer: peer_helpdesk.Peer, mails, log_dir: Path, second_drop: bool) -> Run:
    peer.reset()
    drop(mails, peer.maildir)
    with open(log_dir / "peer.log", "ab") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(peer.get_email_args(), cwd=peer.proj, stdout=log, stderr=subprocess.STDOUT)
        watch = TreeWatch(proc.pid)
        watch.start()
        cpu = reap(proc)
        seconds = time.perf_counter() - start
        peak = watch.stop()
    tickets, left = peer.tickets(), len(list(peer.maildir.iterdir()))
    run = Run(seconds, peak, cpu, f"{tickets} tickets, {left} files left in the folder, exit {proc.returncode}",
              each_mib=watch.each())
    run.ok = proc.returncode == 0
    if second_drop:
        drop(mails, peer.maildir)
        with open(log_dir / "peer.log", "ab") as log:
            subprocess.run(peer.get_email_args(), cwd=peer.proj, stdout=log, stderr=subprocess.STDOUT, check=True)
        run.duplicates = {"tickets": peer.tickets() - tickets}
    return run


# -- Partdesk -----------------------------------------------------------------------------------------

def prepare_partdesk(url: str | None, folder: Path) -> str:
    """A fresh database: one branch (limits out of the way), the generator's workshops, a drop folder."""
    app, url = fresh_app(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Branch, Mailbox, Workshop, WorkshopEmail

        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        for i, (name, _person, address) in enumerate(mailgen.workshops()):
            db.session.add(Workshop(customer_number=str(20000 + i), name=name, home_branch=branch,
                                    emails=[WorkshopEmail(address=address)]))
        db.session.flush()
        db.session.add(Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path=str(folder)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def counts(engine) -> tuple[int, int, int]:
    """(stored, pending, orders). Pending is status 'stored' (app.models.intake.InboundMessage)."""
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT count(*) FROM inbound_message"))
        pending = conn.scalar(text("SELECT count(*) FROM inbound_message WHERE status = 'stored'"))
        orders = conn.scalar(text('SELECT count(*) FROM "order"'))
    return stored, pending, orders


def wait_processed(engine, proc, total: int, deadline: float, folder: Path | None = None,
                   marks: dict | None = None) -> tuple[int, int, int]:
    """Poll until `total` are stored and none is pending (and, with folder, no file waits in it).
    `marks` gets the perf_counter time of the first message stored."""
    while True:
        stored, pending, orders = counts(engine)
        if marks is not None and stored and "first" not in marks:
            marks["first"] = time.perf_counter()
        waiting = folder is not None and any(folder.glob("*.eml"))
        if stored >= total and pending == 0 and not waiting:
            return stored, pending, orders
        if proc.poll() is not None or time.perf_counter() > deadline:
            raise TimeoutError(f"stored {stored} of {total}, {pending} pending"
                               + ("" if proc.returncode is None else f"; the worker exited with {proc.returncode}"))
        time.sleep(0.05)


def run_partdesk(url: str | None, mails, log_dir: Path, second_drop: bool, args) -> Run:
    folder = Path(tempfile.mkdtemp(prefix="partdesk-vs-peer-drop-", dir=log_dir))
    url = prepare_partdesk(url, folder)
    drop(mails, folder)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret",
               PARTDESK_SQLITE_SYNCHRONOUS=args.synchronous, PARTDESK_BACKUP_DIR="")
    engine = create_engine(url, poolclass=NullPool)
    total = len(mails)
    with open(log_dir / "partdesk.log", "ab") as log:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "intake", "run"], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        watch = TreeWatch(proc.pid)
        watch.start()
        try:
            try:
                marks = {}
                stored, _pending, orders = wait_processed(engine, proc, total, start + args.timeout, marks=marks)
            except TimeoutError as exc:
                seconds = time.perf_counter() - start
                watch.stop()
                return Run(seconds, 0, 0, f"NOT finished within {args.timeout:.0f} s: {exc}", ok=False)
            seconds = time.perf_counter() - start
            peak = watch.stop()
            with engine.connect() as conn:
                statuses = dict(conn.execute(text(
                    "SELECT status, count(*) FROM inbound_message GROUP BY status")).all())
            failed = sum(v for k, v in statuses.items() if k != "processed")
            run = Run(seconds, peak, 0, f"first stored at {marks['first'] - start:.2f} s, {orders} orders, statuses "
                      f"{statuses}", ok=stored == total and not failed, each_mib=watch.each())
            if second_drop:
                drop(mails, folder)
                try:
                    again, _pending, orders_again = wait_processed(engine, proc, total, time.perf_counter() + 120,
                                                                   folder=folder)
                    time.sleep(0.5)  # a last look: nothing comes in late
                    again, _pending, orders_again = counts(engine)
                    run.duplicates = {"messages": again - stored, "orders": orders_again - orders}
                except TimeoutError as exc:
                    run.duplicates = {"second drop": f"not taken within 120 s: {exc}"}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            run_cpu = reap(proc, timeout=30)
            engine.dispose()
    run.cpu = run_cpu  # includes the worker's idle time after the last message and the second drop
    if url.startswith("sqlite"):
        shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return run


# -- the floor ----------------------------------------------------------------------------------------

def run_floor(folder: Path, total: int) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", FLOOR, str(folder)], stdout=subprocess.PIPE)
    watch = TreeWatch(proc.pid, every=0.005)
    watch.start()
    out = proc.stdout.read()
    cpu = reap(proc)
    seconds = time.perf_counter() - start
    peak = watch.stop()
    parsed = int(out.strip() or 0)
    return Run(seconds, peak, cpu, f"{parsed} parsed", ok=proc.returncode == 0 and parsed == total,
               each_mib=watch.each())


# -- report -------------------------------------------------------------------------------------------

def summary(name: str, runs: list[Run], total: int) -> str:
    seconds = sorted(r.seconds for r in runs)
    median = statistics.median(seconds)
    top = max(runs, key=lambda r: r.peak_mib)
    parts = " + ".join(f"{m:.0f}" for m in top.each_mib) if len(top.each_mib) > 1 else "one process"
    return (f"{name:<9} {seconds[0]:7.2f} {median:7.2f} {seconds[-1]:7.2f} s   {total / median:7.1f} msg/s "
            f"(best {total / seconds[0]:.1f}, worst {total / seconds[-1]:.1f})   peak RSS "
            f"{top.peak_mib:6.1f} MiB ({parts})   CPU {statistics.median(r.cpu for r in runs):5.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=4.0,
                        help="Partdesk's median throughput must be at least this many times the peer's (default 4).")
    parser.add_argument("--pg", action="store_true", help="Partdesk on PostgreSQL (BENCH_DATABASE_URL).")
    parser.add_argument("--synchronous", default="full", choices=["off", "normal", "full", "extra"],
                        help="PARTDESK_SQLITE_SYNCHRONOUS for the worker (default full).")
    parser.add_argument("--peer-dir", type=Path, default=Path("/tmp/partdesk-peer-helpdesk"))
    parser.add_argument("--timeout", type=float, default=600, help="Seconds one Partdesk run may take.")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    url = None
    if args.pg:
        url = pg_url()
        if not url:
            parser.error("--pg needs BENCH_DATABASE_URL (or TEST_DATABASE_URL)")

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    peer = peer_helpdesk.build(args.peer_dir)
    mails = mailgen.generate(args.messages, seed=args.seed)
    work = Path(tempfile.mkdtemp(prefix="partdesk-vs-peer-"))
    source = work / "mails"
    mailgen.write(mails, source)
    size = sum(len(m.raw) for m in mails)
    with_files = sum(1 for m in mails if b"Content-Disposition: attachment" in m.raw)
    database = "postgresql" if args.pg else f"sqlite, synchronous={args.synchronous.upper()}"
    print(f"{len(mails)} mails from {len(mailgen.samples())} samples, {size / len(mails) / 1024:.1f} KiB each on "
          f"average, {with_files} with attachments; peer: django-helpdesk {peer.version()} (django), SQLite; "
          f"partdesk: {database}; logs in {work}")

    results: dict[str, list[Run]] = {"peer": [], "partdesk": [], "floor": []}
    for i in range(args.runs):
        first = i == 0
        results["peer"].append(run_peer(peer, mails, work, second_drop=first))
        results["partdesk"].append(run_partdesk(url, mails, work, first, args))
        results["floor"].append(run_floor(source, len(mails)))
        print(f"run {i + 1}: " + "; ".join(
            f"{name} {runs[-1].seconds:.2f} s ({len(mails) / runs[-1].seconds:.1f} msg/s, {runs[-1].note})"
            for name, runs in results.items()), flush=True)
        print(f"       load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    total = len(mails)
    print(f"\n{'':<9} {'min':>7} {'median':>7} {'max':>7}")
    for name, runs in results.items():
        print(summary(name, runs, total))
    med = {name: statistics.median(r.seconds for r in runs) for name, runs in results.items()}
    ratio = med["peer"] / med["partdesk"]  # throughput partdesk / peer
    print(f"partdesk throughput / peer's (median of {args.runs}): {ratio:.2f}x (target >= {args.target:g}x)")
    print(f"partdesk time / the floor's: {med['partdesk'] / med['floor']:.1f}x; "
          f"peer's time / the floor's: {med['peer'] / med['floor']:.1f}x")
    cpu = {name: statistics.median(r.cpu for r in runs) for name, runs in results.items()}
    print(f"CPU seconds, peer / partdesk (median; partdesk's include its idle time until stopped): "
          f"{cpu['peer'] / max(cpu['partdesk'], 1e-9):.2f}x")
    peer_dups = results["peer"][0].duplicates
    ours_dups = results["partdesk"][0].duplicates
    print(f"after a second drop of the same {total} files: peer {peer_dups}; partdesk {ours_dups} (target 0)")

    misses = []
    if ratio < args.target:
        misses.append(f"throughput {ratio:.2f}x the peer's, under the target of {args.target:g}x")
    if not all(isinstance(v, int) and v == 0 for v in ours_dups.values()) or not ours_dups:
        misses.append(f"duplicates after the second drop: {ours_dups}")
    for name in ("partdesk", "floor"):
        for n, run in enumerate(results[name], 1):
            if not run.ok:
                misses.append(f"{name} run {n}: {run.note}")
    if not all(r.ok for r in results["peer"]):
        print("note: the peer did not exit cleanly in every run (see peer.log)")
    print("load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if misses:
        print("MISS: " + "; ".join(misses))
        return 1
    print("PASS")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
