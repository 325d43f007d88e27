"""Search latency with 100,000 orders. Target: every kind of search answers with p95 under 100 ms
(--target-ms) through the real app (login, the queue view, the template); exits 1 when one misses.

The database is filled by bench/fill.py, then given what search reads: references in the app's format
(OSL-000123), a plate, a VIN and on one order in ten a contact phone for every order, one of 5,000 part
numbers per line, and 200 workshops with Nordic names (Tønsberg, Ålesund, Bærum...) and a phone each.
Every request searches for a different value of its kind, typed the way a clerk would (spaces, lower
case, no accents). The baseline, measured in the same run, is the bare queue page without a query.

    .venv/bin/python bench/search_bench.py [--orders 100000] [--requests 200] [--database-url URL] [--target-ms 100]
                                           [--analyze]

Statistics as in use: on PostgreSQL VACUUM ANALYZE after the fill (autovacuum would have run after such a
load); on SQLite none, since the app never runs ANALYZE there, unless --analyze asks for it.
"""
from __future__ import annotations

import argparse
import random
import time

from common import fresh_app, login, percentiles

TOWNS = ["Tønsberg", "Ålesund", "Bærum", "Førde", "Drøbak", "Göteborg", "Malmö", "Årjäng", "Hønefoss", "Skøyen"]
KINDS = ["Bilverksted", "Dekk og Motor", "Bilservice", "Auto"]
PARTS = 5000


def part_number(n: int) -> tuple[str, str]:
    digits = f"{986400000 + n * 37:010d}"
    return f"{digits[0]} {digits[1:4]} {digits[4:7]} {digits[7:]}", digits


def vin(n: int) -> str:
    return f"WVWZZZ1KZAW{n:06d}"


def prepare(total: int, analyze: bool = False) -> dict:
    """Fill and enrich; returns pools of values to search for, as typed by a clerk."""
    from sqlalchemy import select, text, update

    from app.extensions import db
    from app.models import Order, OrderLine, Staff, Workshop, WorkshopPhone
    from app.models.search_keys import compact, phone_key
    from fill import fill_orders

    start = time.perf_counter()
    fill_orders(total)
    filled = time.perf_counter() - start
    rnd = random.Random(11)
    workshops = list(db.session.scalars(select(Workshop).order_by(Workshop.id)))
    for i, w in enumerate(workshops):
        w.name = f"{TOWNS[i % len(TOWNS)]} {KINDS[i % len(KINDS)]} {i}"  # the validator keeps name_key
        w.phones.append(WorkshopPhone(e164=f"+47333{i:05d}", is_mobile=False))
    db.session.flush()
    staff = db.session.scalars(select(Staff).filter_by(login="osl0")).one()
    rows = db.session.execute(select(Order.id, Order.reference, Order.branch_id)).all()
    orders, lines, osl = [], [], []
    for order_id, reference, branch_id in rows:
        code, seq = reference.split("-")
        plate = f"EL {10000 + order_id % 90000}"
        phone = f"+47 9{order_id % 10000000:07d}" if order_id % 5 == 1 else None  # one order in five
        row = {"id": order_id, "reference": f"{code}-{int(seq):06d}", "plate": plate, "plate_key": compact(plate),
               "vin": vin(order_id), "vin_key": vin(order_id), "contact_phone": phone, "phone_key": phone_key(phone)}
        orders.append(row)
        if branch_id == staff.branch_id:
            osl.append(row)
    db.session.execute(update(Order), orders)
    parts = {}
    for line_id, order_id in db.session.execute(select(OrderLine.id, OrderLine.order_id)).all():
        shown, norm = part_number(rnd.randrange(PARTS))
        lines.append({"id": line_id, "part_number": shown, "part_number_norm": norm})
        parts[order_id] = shown
    db.session.execute(update(OrderLine), lines)
    for row in osl:
        row["part"] = parts.get(row["id"])
    staff.set_password("bench-pass-1")
    boss = Staff(login="boss", name="Boss", role="manager", branch_id=staff.branch_id)
    boss.set_password("bench-pass-1")
    db.session.add(boss)
    db.session.commit()
    # VACUUM too on PostgreSQL: after a bulk load of 100,000 rows autovacuum would soon have run, and
    # without it every index-only count (the queue's gauges) still reads the table's pages
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    elif analyze:
        with db.engine.begin() as conn:  # the app's own transaction handling: ANALYZE is committed
            conn.exec_driver_sql("ANALYZE")
        assert db.session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar(), "ANALYZE wrote no statistics"
    print(f"filled {total} orders in {filled:.1f} s, enriched in {time.perf_counter() - start - filled:.1f} s")
    return {"osl": osl, "workshops": len(workshops)}


def typed_queries(pools: dict, rnd: random.Random) -> dict:
    """For each kind of item 4, a function giving a new search text, spelt as a clerk types it."""
    osl = pools["osl"]
    with_phone = [row for row in osl if row["contact_phone"]]
    with_part = [row for row in osl if row["part"]]
    n_workshops = pools["workshops"]

    def spaced(digits: str) -> str:  # '33300017' -> '33 30 00 17'
        return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))

    return {
        "reference (osl7)": lambda: "osl" + str(int(rnd.choice(osl)["reference"].split("-")[1])),
        "reference (OSL-000123)": lambda: rnd.choice(osl)["reference"],
        "workshop name folded (tons)": lambda: rnd.choice(["tons", "ales", "baer", "forde", "drob", "honef", "skoy",
                                                           "goteb", "malmo", "arjang"]),
        "customer number": lambda: str(50000 + rnd.randrange(n_workshops)),
        "phone, workshop (33 30 00 17)": lambda: spaced(f"333{rnd.randrange(n_workshops):05d}"),
        "phone, contact (9xx xx xxx)": lambda: (lambda d: f"{d[:3]} {d[3:5]} {d[5:]}")(
            rnd.choice(with_phone)["contact_phone"].replace("+47 ", "")),
        "plate with spaces (el 123 45)": lambda: (lambda p: f"el {p[3:6]} {p[6:]}")(rnd.choice(osl)["plate"]),
        "VIN with spaces": lambda: (lambda v: f"{v[:3]} {v[3:9]} {v[9:]}".lower())(rnd.choice(osl)["vin"]),
        "part number (0 986 ...)": lambda: rnd.choice(with_part)["part"],
    }


def main(total: int, requests: int, url: str | None, target_ms: float, analyze: bool = False) -> int:
    app, url = fresh_app(url)
    with app.app_context():
        pools = prepare(total, analyze)
    staff, boss = app.test_client(), app.test_client()
    login(staff, "osl0", "bench-pass-1")
    login(boss, "boss", "bench-pass-1")
    rnd = random.Random(5)
    kinds = typed_queries(pools, rnd)
    cases = [(f"staff: {name}", staff, "/", make) for name, make in kinds.items()]
    cases.append(("manager, all branches: workshop name", boss, "/", kinds["workshop name folded (tons)"]))
    # not a search, but what every open page asks every 3 s: the menu's live counts (and ringing calls)
    cases.append(("staff: live counts (/calls/active)", staff, "/calls/active", None))
    found = {name: 0 for name, _, _, _ in cases}
    for _ in range(3):  # warm up
        assert staff.get("/").status_code == 200
        for _, client, path, make in cases:
            assert client.get(path, query_string={"q": make()} if make else None).status_code == 200
    baseline, results = [], {name: [] for name, _, _, _ in cases}
    for _ in range(requests):
        t = time.perf_counter()
        response = staff.get("/")
        baseline.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
        for name, client, path, make in cases:
            query = {"q": make()} if make else None
            t = time.perf_counter()
            response = client.get(path, query_string=query)
            results[name].append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
            body = response.get_data(as_text=True)
            found[name] += ('class="ref"' in body) if make else response.get_json()["counts"]["waiting"] > 0
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    b_med, b_p95 = percentiles(baseline)
    print(f"database: {kind}; orders: {total}; requests per case: {requests}; target p95 < {target_ms:g} ms; "
          + ("statistics: VACUUM ANALYZE" if kind == "postgresql" else "statistics: ANALYZE (--analyze)" if analyze
             else "statistics: none, as the app runs SQLite"))
    print(f"{'baseline: the queue page, no query':44} median {b_med:6.1f} ms  p95 {b_p95:6.1f} ms")
    worst, misses = 0.0, []
    for name, samples in results.items():
        med, p95 = percentiles(samples)
        worst = max(worst, p95)
        if p95 >= target_ms:
            misses.append(name)
        print(f"{name:44} median {med:6.1f} ms  p95 {p95:6.1f} ms  p95/baseline {p95 / b_p95:4.2f}  "
              f"found {found[name]}/{requests}")
    not_found = [name for name, n in found.items() if n < requests]
    if not_found:
        print("a search found nothing (the bench's queries are wrong, or search is): " + ", ".join(not_found))
    ok = not misses and not not_found
    print(f"worst p95: {worst:.1f} ms (target < {target_ms:g} ms): " + ("PASS" if ok else "MISS " + ", ".join(misses)))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", help="postgresql+psycopg://... (its schema is reset); default a fresh SQLite file")
    parser.add_argument("--target-ms", type=float, default=100, help="every kind's p95 must be under this")
    parser.add_argument("--analyze", action="store_true", help="SQLite: run ANALYZE after the fill (the app never does)")
    args = parser.parse_args()
    raise SystemExit(main(args.orders, args.requests, args.database_url, args.target_ms, args.analyze))
