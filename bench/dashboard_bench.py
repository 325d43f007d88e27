"""How fast is the managers' dashboard with a long history?

Fills a database with N historical orders (default 1,000,000, spread over --days; no lines) by bulk
insert (executemany on SQLite, COPY on PostgreSQL), then times the real views through the test
client (the live panel for the chain and for one branch, the full page, stats.json) and, in the
same run, a trivial indexed COUNT as the baseline. Prints median and p95 and the ratio.

    .venv/bin/python bench/dashboard_bench.py --orders 100000          # quick, SQLite only
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/dashdev \\
        .venv/bin/python bench/dashboard_bench.py                        # SQLite, then PostgreSQL

PostgreSQL: the tables of the database named in TEST_DATABASE_URL (or DATABASE_URL) are DROPPED
and created again. Point it at a scratch database.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Branch, Mailbox, Staff, Workshop  # noqa: E402

TARGET_P95_MS = 300
CHANNELS = ["email"] * 5 + ["sms"] * 2 + ["phone"] * 2 + ["voicemail", "web"]
COLUMNS = ["reference", "branch_id", "workshop_id", "channel", "status", "urgent", "review_reasons", "holder_id",
           "created_at", "updated_at", "admitted_at", "claimed_at", "ready_at", "done_at", "exported_at"]


def _setup(url: str, branches: int):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench", "INSTANCE_DIR": Path(tempfile.gettempdir())})
    with app.app_context():
        db.drop_all()
        db.create_all()
        for i in range(branches):
            code = "B" + chr(ord("A") + i // 26) + chr(ord("A") + i % 26)
            branch = Branch(code=code, name=f"Branch {code}", hourly_limit=100000, open_limit=1000000,
                            next_seq=10_000_000)
            db.session.add(branch)
            db.session.flush()
            for s in range(5):
                staff = Staff(login=f"{code.lower()}{s}", name=f"Staff {code}{s}", role="staff", branch_id=branch.id,
                              password_hash="x")
                db.session.add(staff)
            db.session.add(Mailbox(branch_id=branch.id, name=f"{code}-inbox", heartbeat_at=datetime.now(UTC)))
        boss = Staff(login="boss", name="Boss", role="manager")
        boss.set_password("bench-password-1")
        db.session.add(boss)
        db.session.add_all([Workshop(customer_number=str(100000 + i), name=f"Workshop {i}") for i in range(1000)])
        db.session.commit()
    return app


def _rows(n: int, days: float, branch_ids: list[int], staff_by_branch: dict[int, list[int]], now: datetime):
    """Orders over `days`: old ones finished (done, some cancelled or redirected), the last hours a live mix."""
    rng = random.Random(42)
    span = days * 86400
    # in the order they arrived (as a real table fills); uniform over the days, the harder case for ranges
    ages = sorted((rng.random() * span for _ in range(n)), reverse=True)
    for i, age in enumerate(ages):
        created = now - timedelta(seconds=age)
        branch_id = branch_ids[i % len(branch_ids)]
        status, holder, claimed, ready, done, admitted = "done", None, None, None, None, created
        roll = rng.random()
        if age > 6 * 3600:
            status = "done" if roll < 0.88 else ("cancelled" if roll < 0.94 else "redirected")
        else:
            status = ("new", "needs_review", "claimed", "ready", "held", "done", "done", "done")[int(roll * 8)]
        if status in ("claimed", "ready", "done"):
            claimed = created + timedelta(minutes=rng.randint(1, 90))
            holder = rng.choice(staff_by_branch[branch_id]) if status == "claimed" else None
        if status in ("ready", "done"):
            ready = claimed + timedelta(minutes=rng.randint(5, 60))
        if status == "done":
            done = ready + timedelta(minutes=rng.randint(1, 120))
        if status in ("held", "redirected"):
            admitted = None
        updated = max(t for t in (created, claimed, ready, done) if t is not None)
        if updated > now:  # not in the future
            updated = now
            done = done and min(done, now)
            ready = ready and min(ready, now)
            claimed = claimed and min(claimed, now)
        exported = updated + timedelta(hours=1) if age > 2 * 86400 else None
        yield (f"H{i:09d}", branch_id, rng.randint(1, 1000), rng.choice(CHANNELS), status, rng.random() < 0.05, "[]",
               holder, *[t.isoformat(" ", "microseconds")[:26] if t else None
                         for t in (created, updated, admitted, claimed, ready, done, exported)])


def _fill(app, n: int, days: float, now: datetime) -> float:
    started = time.perf_counter()
    with app.app_context():
        branch_ids = [b.id for b in db.session.query(Branch).order_by(Branch.id)]
        staff_by_branch: dict[int, list[int]] = {}
        for s in db.session.query(Staff).filter(Staff.branch_id.is_not(None)):
            staff_by_branch.setdefault(s.branch_id, []).append(s.id)
        rows = _rows(n, days, branch_ids, staff_by_branch, now)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            if db.engine.dialect.name == "sqlite":
                cur.execute("BEGIN")
                sql = f'INSERT INTO "order" ({", ".join(COLUMNS)}) VALUES ({", ".join("?" * len(COLUMNS))})'
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 50_000:
                        cur.executemany(sql, batch)
                        batch = []
                cur.executemany(sql, batch)
                cur.execute("COMMIT")
            else:
                with cur.copy(f'COPY "order" ({", ".join(COLUMNS)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                raw.commit()
                raw.driver_connection.autocommit = True
                cur.execute('VACUUM ANALYZE "order"')  # what autovacuum does after a load this size
        finally:
            raw.close()
    return time.perf_counter() - started


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered) + 0.5)) - 1)]
    return statistics.median(ordered), p95


def _time(fn, runs: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _measure(app, runs: int) -> dict[str, tuple[float, float]]:
    from app.web.dashboard import queries

    client = app.test_client()
    response = client.post("/login", data={"login": "boss", "password": "bench-password-1"})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        code = db.session.query(Branch.code).order_by(Branch.id).first()[0]

    def get(path):
        def run():
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
        return run

    results = {
        "panel, whole chain": _time(get("/manager/panel?branch="), runs),
        f"panel, branch {code}": _time(get(f"/manager/panel?branch={code}"), runs),
        "full page, whole chain": _time(get("/manager/?branch="), runs),
        "stats.json, whole chain": _time(get("/manager/stats.json?branch="), runs),
    }
    with app.app_context():
        branches = db.session.query(Branch).all()

        def baseline():
            queries.baseline(branches)
            db.session.rollback()
        results["baseline: indexed COUNT"] = _time(baseline, runs)
    return results


def run(label: str, url: str, args) -> bool:
    print(f"\n== {label}: {args.orders:,} orders over {args.days:g} days, {args.branches} branches ==")
    app = _setup(url, args.branches)
    now = datetime.now(UTC)
    seconds = _fill(app, args.orders, args.days, now)
    print(f"filled in {seconds:.1f} s ({args.orders / max(seconds, 1e-9):,.0f} orders/s)")
    with app.app_context():
        open_now = db.session.execute(text(
            "SELECT count(*) FROM \"order\" WHERE status IN ('new','needs_review','claimed','ready','held')")).scalar()
        print(f"open orders now: {open_now:,}")
    results = _measure(app, args.runs)
    base_median, base_p95 = results["baseline: indexed COUNT"]
    ok = True
    for name, (median, p95) in results.items():
        flag = ""
        if not name.startswith("baseline"):
            flag = "ok" if p95 < TARGET_P95_MS else f"OVER {TARGET_P95_MS} ms"
            ok = ok and p95 < TARGET_P95_MS
        print(f"  {name:28} median {median:8.1f} ms   p95 {p95:8.1f} ms   x{p95 / max(base_p95, 1e-6):7.1f} baseline p95  {flag}")
    with app.app_context():
        db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=float, default=90)
    parser.add_argument("--branches", type=int, default=12)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    ok = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            ok = run("SQLite", f"sqlite:///{folder}/bench.db", args) and ok
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        ok = run("PostgreSQL", url, args) and ok
    print(f"\ntarget: p95 < {TARGET_P95_MS} ms on every dashboard view: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
