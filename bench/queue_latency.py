"""Queue page latency with 100,000 orders in the database. Target: the worst view's p95 under 100 ms
(--target-ms), on either database; exits 1 when it is missed.

Times GET / through the real app (login, filters, paging, gauges, template) for a member of staff
and for a manager, against a baseline in the same run: a bare Flask endpoint on the same database
that selects 50 order rows by primary key and renders them.

    .venv/bin/python bench/queue_latency.py [--orders 100000] [--requests 200] [--pg] [--target-ms 100]
"""
from __future__ import annotations

import argparse
import time

from common import fresh_app, percentiles, pg_url
from fill import fill_orders


def main(total: int, requests: int, url: str | None, target_ms: float = 100) -> int:
    app, url = fresh_app(url)
    with app.app_context():
        from app.extensions import db
        from app.models import Staff

        start = time.perf_counter()
        fill_orders(total)
        print(f"filled {total} orders in {time.perf_counter() - start:.1f} s")
        staff = db.session.query(Staff).filter_by(login="osl0").one()
        staff.set_password("bench-pass-1")
        boss = Staff(login="boss", name="Boss", role="manager", branch_id=staff.branch_id)
        boss.set_password("bench-pass-1")
        db.session.add(boss)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")

    from flask import Flask

    bare = Flask("bare")

    @bare.get("/bare")
    def bare_view():
        with app.app_context():
            from app.extensions import db

            rows = db.session.execute(db.text('SELECT id, reference, status FROM "order" ORDER BY id DESC LIMIT 50')).all()
            html = "".join(f"<tr><td>{r.reference}</td><td>{r.status}</td></tr>" for r in rows)
            db.session.remove()
        return f"<table>{html}</table>"

    import common

    clients = {}
    for who in ("osl0", "boss"):
        client = app.test_client()
        common.login(client, who, "bench-pass-1")
        clients[who] = client
    bare_client = bare.test_client()
    cases = [
        ("staff: my branch, open", clients["osl0"], "/"),
        ("staff: urgent only", clients["osl0"], "/?urgent=y"),
        ("manager: all branches, open", clients["boss"], "/"),
        ("manager: all, status=all, page 3", clients["boss"], "/?status=all&page=3"),
        ("manager: channel=sms", clients["boss"], "/?channel=sms"),
    ]
    results = {}
    baseline = []
    for _ in range(3):  # warm up
        bare_client.get("/bare")
        for _, client, path in cases:
            assert client.get(path).status_code == 200
    for _ in range(requests):
        t = time.perf_counter()
        bare_client.get("/bare")
        baseline.append((time.perf_counter() - t) * 1000)
        for name, client, path in cases:
            t = time.perf_counter()
            response = client.get(path)
            results.setdefault(name, []).append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    b_med, b_p95 = percentiles(baseline)
    print(f"database: {kind}; orders: {total}; requests per case: {requests}")
    print(f"{'baseline (bare 50-row page)':40} median {b_med:6.1f} ms  p95 {b_p95:6.1f} ms")
    worst = 0.0
    for name, samples in results.items():
        med, p95 = percentiles(samples)
        worst = max(worst, p95)
        print(f"{name:40} median {med:6.1f} ms  p95 {p95:6.1f} ms  ratio p95/baseline {p95 / b_p95:5.1f}")
    ok = worst < target_ms
    print(f"worst p95: {worst:.1f} ms (target < {target_ms:g} ms): " + ("PASS" if ok else "MISS"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--target-ms", type=float, default=100, help="the worst view's p95 must be under this")
    args = parser.parse_args()
    raise SystemExit(main(args.orders, args.requests, pg_url() if args.pg else None, args.target_ms))
