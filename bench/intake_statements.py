"""Statements and flushes per message on the intake processing path (stored message -> order, ack, inbox).

200 realistic mails (bench/mailgen.py, about nine in ten from known workshops) are stored in one batch,
then `pipeline.process_pending` turns them into orders, acknowledgements and review-inbox entries, as
the worker does; every statement the engine executes is counted with a SQLAlchemy `before_cursor_execute`
listener, and every flush with the session's `after_flush`. Printed: per message, and the statements
by kind with where they come from.

Baseline in the same run: the statements a message's own rows need at least, written by hand with one
INSERT or UPDATE per row and no look-up (order, its lines, its event, the outbox row, the message's
UPDATE); the ratio is ours / that floor.

Target: <= 7.5 statements per message on SQLite, <= 6.5 on PostgreSQL (where order lines go in one
INSERT); --target to set another (e.g. --target 2 shows a miss). Exits 1 when missed.

    .venv/bin/python bench/intake_statements.py [--messages 200] [--pg] [--target N]

BENCH_APP_ROOT=/path/to/another/checkout measures that checkout's code (a "before").
"""
from __future__ import annotations

import argparse
import collections
import importlib
import os
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

if os.environ.get("BENCH_APP_ROOT"):  # imported first, so common's path does not win
    sys.path.insert(0, os.environ["BENCH_APP_ROOT"])
    importlib.import_module("app")
import mailgen  # noqa: E402
from common import fresh_app, pg_url  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402


def main(count: int, url: str | None, target: float | None, detail: bool) -> int:
    app, url = fresh_app(url)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    target = target if target is not None else (7.5 if kind == "sqlite" else 6.5)
    with app.app_context():
        from app.extensions import db
        from app.intake import pipeline, store
        from app.models import Branch, InboundMessage, Mailbox, Order, OrderLine, OutboxMessage, Workshop, WorkshopEmail

        print(f"code: {Path(pipeline.__file__).resolve().parents[2]}; database: {kind}; messages: {count}")
        branch = Branch(code="OSL", name="Oslo", hourly_limit=10**9, open_limit=10**9)
        db.session.add(branch)
        for i, (name, _person, address) in enumerate(mailgen.workshops()):
            db.session.add(Workshop(customer_number=str(10000 + i), name=name, home_branch=branch,
                                    emails=[WorkshopEmail(address=address)]))
        db.session.flush()
        box = Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path="/nonexistent")
        db.session.add(box)
        db.session.commit()
        now = datetime.now(UTC)
        rows = [store._values(store.Incoming(m.raw), channel="email", branch_id=branch.id, mailbox_id=box.id,
                              uidvalidity=None, now=now) for m in mailgen.generate(count)]
        store._insert_all(rows)
        db.session.commit()

        statements: collections.Counter = collections.Counter()
        where: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        flushes = [0]

        def count_statement(conn, cursor, statement, params, context, executemany):
            key = re.sub(r"\(.*", "", " ".join(statement.split()))[:80]
            statements[key] += 1
            if detail:
                frames = [f for f in traceback.extract_stack() if "/app/" in f.filename]
                where[key][" < ".join(f"{f.filename.split('/app/')[-1]}:{f.name}" for f in frames[-3:][::-1])] += 1

        def count_flush(*_args):
            flushes[0] += 1

        event.listen(db.engine, "before_cursor_execute", count_statement)
        event.listen(db.session, "after_flush", count_flush)
        try:
            outcomes = pipeline.process_pending(count)
        finally:
            event.remove(db.engine, "before_cursor_execute", count_statement)
            event.remove(db.session, "after_flush", count_flush)
        orders = db.session.scalar(select(func.count()).select_from(Order))
        lines = db.session.scalar(select(func.count()).select_from(OrderLine))
        outbox = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        done = db.session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.status != "stored"))
    total = sum(statements.values())
    # the floor: each row written once, one statement each (lines in one INSERT where the database batches them)
    floor = orders * 2 + outbox + count + (orders if kind == "postgresql" else lines)
    per = total / count
    print(f"outcomes: {outcomes}; orders {orders}, lines {lines}, outbox rows {outbox}, processed {done}")
    print(f"statements: {total} = {per:.2f} per message; flushes: {flushes[0]} = {flushes[0] / count:.2f} per message")
    print(f"floor (one statement per row written, no look-ups): {floor} = {floor / count:.2f} per message; "
          f"ratio ours/floor {total / floor:.2f}")
    for key, n in statements.most_common(25):
        print(f"  {n:6} {n / count:6.2f}  {key}")
        for place, m in where[key].most_common(2):
            print(f"                 {m:5}  {place}")
    ok = per <= target and done == count
    print(f"{per:.2f} statements per message, target <= {target:g}: " + ("PASS" if ok else "MISS"))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--target", type=float)
    parser.add_argument("--detail", action="store_true", help="where each kind of statement comes from")
    args = parser.parse_args()
    raise SystemExit(main(args.messages, pg_url() if args.pg else None, args.target, args.detail))
