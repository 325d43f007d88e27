"""Capacity admission under a burst: 200 phone-order form POSTs released at once against gunicorn
serving the real app, to a branch whose hourly limit is N. Exactly N must be admitted (status new)
and 200 - N held; the script asserts it for every round.

Each round gets a branch of its own (limit N) and the logged-in member of staff is moved to it, so
rounds do not eat each other's hour. The clients are 200 threads, each with its own http.client
connection opened before a barrier; the clock starts when the barrier releases them and the drain
time is the time to the last response. Baseline in the same run: the same 200 concurrent POSTs to
the bare insert endpoint (bench/bare_app.py) on the same stack and database; ratio of drain times.
Rounds alternate bare / form so drift hits both alike; a first, unmeasured round of each warms the
workers up.

    .venv/bin/python bench/capacity_bench.py [--clients 200] [--limit 25] [--rounds 3] [--pg]

With --pg the database is BENCH_DATABASE_URL or TEST_DATABASE_URL (its schema is dropped).
"""
from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
import urllib.parse

from common import pg_url, percentiles
from form_http import session_for, start
from form_throughput import setup_partdesk

FORM = {"workshop": "Bilverksted AS (10023)", "lines-0-part_number": "0 986 494 123",
        "lines-0-description": "Bremseklosser foran", "lines-0-quantity": "2", "lines-1-part_number": "HU 719/7 x",
        "lines-1-description": "Oljefilter", "lines-1-quantity": "1", "plate": "EL 12345", "fulfilment": "pickup",
        "customer_reference": "AO-4471", "save": "Save order"}


def burst(port: int, path: str, body: str, cookie: str, clients: int) -> dict:
    """`clients` POSTs released together by a barrier; returns statuses, latencies and drain time."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(clients)]
    for conn in conns:
        conn.connect()  # connected before the release: the burst measures the requests, not the handshakes
    released = {}
    barrier = threading.Barrier(clients, action=lambda: released.setdefault("t", time.perf_counter()))
    statuses, ends = [None] * clients, [0.0] * clients
    errors = []

    def client(i: int) -> None:
        conn = conns[i]
        try:
            barrier.wait()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            statuses[i], ends[i] = response.status, time.perf_counter()
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(exc).__name__}: {exc}")
            ends[i] = time.perf_counter()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    t0 = released["t"]
    latencies = [(end - t0) * 1000 for end in ends]
    return {"statuses": statuses, "errors": errors, "drain": max(ends) - t0, "latencies": latencies}


def new_round_branch(app, limit: int, number: int) -> int:
    """A fresh branch with an hourly limit of `limit`; kari (the logged-in staff) is moved to it."""
    with app.app_context():
        from app.extensions import db
        from app.models import Branch, Staff

        branch = Branch(code=f"R{number:02d}", name=f"Round {number}", hourly_limit=limit, open_limit=10**9)
        db.session.add(branch)
        db.session.flush()
        db.session.query(Staff).filter_by(login="kari").one().branch_id = branch.id
        db.session.commit()
        branch_id = branch.id
        db.engine.dispose()
    return branch_id


def admitted_and_held(app, branch_id: int) -> tuple[int, int, int]:
    with app.app_context():
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import Order

        rows = dict(db.session.execute(select(Order.status, func.count()).where(Order.branch_id == branch_id)
                                       .group_by(Order.status)).all())
        db.session.remove()
        db.engine.dispose()
    return rows.get("new", 0), rows.get("held", 0), sum(rows.values())


def bare_rows(app) -> int:
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        n = db.session.scalar(text("SELECT count(*) FROM bare_row"))
        db.session.remove()
        db.engine.dispose()
    return n


def main(clients: int, limit: int, rounds: int, url: str | None, workers: int, threads: int) -> int:
    app, url, (_branch_id, workshop_id) = setup_partdesk(url)
    with app.app_context():
        from app.extensions import db

        import bare_app

        bare_app.BareRow.__table__.create(db.engine, checkfirst=True)
        db.engine.dispose()
    partdesk, p_port = start("app:create_app()", url, workers, threads)
    bare, b_port = start("bare_app:create_bare()", url, workers, threads)
    form_runs, bare_runs = [], []
    ok = True
    try:
        branch_id = new_round_branch(app, limit, 0)
        cookie, body = session_for(p_port, dict(FORM, branch_id=str(branch_id), workshop_id=str(workshop_id)))
        for number in range(rounds + 1):  # round 0 warms both servers up and is not counted
            if number:
                branch_id = new_round_branch(app, limit, number)
            round_body = urllib.parse.urlencode(dict(urllib.parse.parse_qsl(body), branch_id=str(branch_id)))
            before = bare_rows(app)
            b = burst(b_port, "/bare", "text=Bremseklosser+foran", "", clients)
            b_saved = bare_rows(app) - before
            f = burst(p_port, "/orders/new", round_body, cookie, clients)
            admitted, held, total = admitted_and_held(app, branch_id)
            f.update(admitted=admitted, held=held, total=total)
            bad_form = [s for s in f["statuses"] if s != 302]
            bad_bare = [s for s in b["statuses"] if s != 201]
            label = "warm-up" if number == 0 else f"round {number}"
            print(f"{label:8}: form drain {f['drain'] * 1000:7.0f} ms, admitted {admitted}, held {held}, "
                  f"orders {total}, non-302 {len(bad_form)} {f['errors'][:2]}; bare drain {b['drain'] * 1000:6.0f} ms, "
                  f"rows {b_saved}, non-201 {len(bad_bare)} {b['errors'][:2]}", flush=True)
            exact = admitted == limit and held == clients - limit and total == clients and not bad_form
            if not exact:
                ok = False
                print(f"  FAIL: expected exactly {limit} admitted and {clients - limit} held of {clients}")
            if bad_bare or b_saved != clients:
                ok = False
                print(f"  FAIL: bare endpoint stored {b_saved} of {clients}")
            if number:
                form_runs.append(f)
                bare_runs.append(b)
    finally:
        for proc in (partdesk, bare):
            proc.terminate()
            proc.wait()
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"\ndatabase: {kind}; gunicorn {workers} workers x {threads} threads; {clients} concurrent POSTs per "
          f"burst (thread pool + barrier); branch hourly limit {limit}; {rounds} measured rounds after a warm-up")
    summary = {}
    for name, runs in (("bare", bare_runs), ("form", form_runs)):
        drains = [r["drain"] * 1000 for r in runs]
        lat = [x for r in runs for x in r["latencies"]]
        p50, p95 = percentiles(lat)
        summary[name] = statistics.median(drains)
        print(f"{name:5} burst: drain median {summary[name]:7.0f} ms (rounds: "
              f"{', '.join(f'{d:.0f}' for d in drains)})  p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  "
              f"= {clients / (summary[name] / 1000):6.1f} req/s")
    admitted = [r["admitted"] for r in form_runs]
    held = [r["held"] for r in form_runs]
    print(f"admitted per round: {admitted}; held per round: {held} (must be exactly {limit} / {clients - limit})")
    print(f"ratio drain time form/bare: {summary['form'] / summary['bare']:.2f}")
    print("admission exact: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    raise SystemExit(main(args.clients, args.limit, args.rounds, pg_url() if args.pg else None, args.workers,
                          args.threads))
