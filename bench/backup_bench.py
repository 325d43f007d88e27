"""What does a backup cost the desk while it runs?

Fills a database with N orders (with lines) and M stored raw messages of K bytes, then, for the same
number of seconds each, a writer thread places orders through the service layer (one commit each):
first alone (the baseline), then while backups are taken back to back on a thread of lower priority,
as in the worker (--normal-priority: at the writer's). Prints the backup's size and
time, and the writer's commit latency, median and p95, with the ratio to the baseline.

Target: what a clerk notices while a backup runs: the writer's p95 during backups at most 3 times its
p95 alone (--target-ratio), and at least one backup finished; on each database measured. Exits 1
when missed.

    .venv/bin/python bench/backup_bench.py                                  # SQLite
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/backup_bench.py                              # PostgreSQL

PostgreSQL: the schema of that database is DROPPED and created again. Point it at a scratch database.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench.common import fresh_app, pg_url  # noqa: E402
from bench.fill import fill_orders  # noqa: E402


def _raws(count: int, size: int) -> None:
    from app.extensions import db
    from app.models import InboundMessage

    now = datetime.now(UTC)
    body = (os.urandom(size // 2).hex()).encode()  # incompressible, like attachments
    for start in range(0, count, 500):
        db.session.execute(insert(InboundMessage), [
            {"channel": "email", "dedup_key": f"bench-{i}", "received_at": now, "raw": body, "status": "processed"}
            for i in range(start, min(start + 500, count))])
        db.session.commit()


def _write_for(app, branch_id: int, seconds: float, stop_also: threading.Event | None = None) -> list[float]:
    from app.extensions import db
    from app.orders import service
    from app.orders.service import LineInput, OrderInput
    from app.orders.unit_of_work import UnitOfWork

    latencies = []
    with app.app_context():
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            with UnitOfWork(db.session) as uow:
                service.create_order(branch_id, OrderInput(channel="web", lines=[LineInput("BKR6E", "plugg", 1)]),
                                     by=None, now=datetime.now(UTC))
                uow.commit()
            latencies.append(time.perf_counter() - started)
        db.session.remove()
    if stop_also is not None:
        stop_also.set()
    return latencies


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def _ms(values: list[float]) -> str:
    p95 = _p95(values)
    return f"median {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms ({len(values)} commits)"


def run(url: str | None, args) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="partdesk-backup-bench-"))
    app, url = fresh_app(url, BACKUP_DIR=str(folder), BACKUP_KEEP=2)
    from app.backup import service as backup
    from app.extensions import db

    with app.app_context():
        kind = db.engine.dialect.name
        branch_id = fill_orders(args.orders)["branches"][0]
        if kind == "postgresql":  # fill_orders writes ids itself; move the sequences past them
            for table in ('"order"', "order_line"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
            db.session.commit()
        _raws(args.messages, args.raw_bytes)
        db.session.remove()

    baseline = _write_for(app, branch_id, args.seconds)
    done = threading.Event()
    backups = []

    def back_to_back():
        if not args.normal_priority:
            backup.lower_priority()  # as the worker's backup thread does
        with app.app_context():
            while not done.is_set():
                started = time.perf_counter()
                taken = backup.take()
                backups.append((time.perf_counter() - started, taken.size_bytes))
            db.session.remove()

    taker = threading.Thread(target=back_to_back)
    taker.start()
    during = _write_for(app, branch_id, args.seconds, done)
    taker.join()
    if not backups:
        print(f"{kind}: no backup finished while the writer ran {args.seconds:g} s: MISS")
        return False
    seconds = [s for s, _ in backups]
    size = backups[-1][1]
    print(f"{kind}: {args.orders:,} orders, {args.messages:,} raw messages of {args.raw_bytes:,} bytes")
    print(f"  backup: {size / 1e6:.1f} MB, {len(backups)} taken, median {statistics.median(seconds):.2f} s "
          f"({size / 1e6 / statistics.median(seconds):.0f} MB/s, copy + fsync + verify + sha256)")
    print(f"  writer alone:          {_ms(baseline)}")
    print(f"  writer during backups: {_ms(during)}")
    print(f"  ratio (during / alone): median {statistics.median(during) / statistics.median(baseline):.2f}, "
          f"commits per second {len(during) / len(baseline):.2f}")
    ratio = _p95(during) / _p95(baseline)
    ok = ratio <= args.target_ratio
    print(f"  writer p95 during backups / alone: {ratio:.2f} (target <= {args.target_ratio:g}): "
          + ("PASS" if ok else "MISS"))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--raw-bytes", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--normal-priority", action="store_true", help="Back up at the writer's CPU priority.")
    parser.add_argument("--target-ratio", type=float, default=3.0,
                        help="The writer's p95 during backups / alone, at most (default 3).")
    args = parser.parse_args()
    ok = run(None, args)
    if pg_url():
        ok = run(pg_url(), args) and ok
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
