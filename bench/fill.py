"""Fast bulk filling of historical orders for the benchmarks (Core inserts, not the ORM)."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from app.extensions import db
from app.models import Branch, Order, OrderLine, Staff, Workshop

CHANNELS = ["email", "sms", "phone", "voicemail", "web"]


def fill_orders(total: int, *, branch_codes=("OSL", "GOT"), open_share=0.1, days=30, seed=7,
                with_lines=True, chunk=20_000) -> dict:
    """Insert `total` orders spread over `days`, most of them done, `open_share` of them open."""
    rnd = random.Random(seed)
    branches = []
    for code in branch_codes:
        branch = db.session.scalars(select(Branch).where(Branch.code == code)).first()
        if branch is None:
            branch = Branch(code=code, name=f"Branch {code}", hourly_limit=10**9, open_limit=10**9, staff_hold_limit=10**6)
            db.session.add(branch)
        branches.append(branch)
    db.session.flush()
    staff = []
    for branch in branches:
        for i in range(4):
            person = Staff(login=f"{branch.code.lower()}{i}", name=f"{branch.code} staff {i}", role="staff",
                           branch=branch, password_hash="x")
            db.session.add(person)
            staff.append(person)
    workshops = [Workshop(customer_number=str(50000 + i), name=f"Verksted {i}", home_branch=branches[i % len(branches)])
                 for i in range(200)]
    db.session.add_all(workshops)
    db.session.flush()
    now = datetime.now(UTC)
    seq = {b.id: 1 for b in branches}
    order_id = (db.session.scalar(select(db.func.max(Order.id))) or 0) + 1
    line_id = (db.session.scalar(select(db.func.max(OrderLine.id))) or 0) + 1
    rows, lines = [], []
    for n in range(total):
        branch = branches[n % len(branches)]
        created = now - timedelta(seconds=rnd.uniform(0, days * 86400))
        if rnd.random() < open_share:
            status = rnd.choice(["new", "new", "claimed", "ready", "held", "needs_review"])
            created = now - timedelta(seconds=rnd.uniform(0, 6 * 3600))
        else:
            status = rnd.choice(["done"] * 8 + ["cancelled", "redirected"])
        person = rnd.choice([s for s in staff if s.branch_id == branch.id])
        claimed = created + timedelta(minutes=rnd.uniform(1, 60)) if status in ("claimed", "ready", "done") else None
        done = claimed + timedelta(minutes=rnd.uniform(5, 90)) if status == "done" else None
        if done and done > now:
            done = now
        rows.append({
            "id": order_id, "reference": f"{branch.code}-{seq[branch.id]:07d}", "branch_id": branch.id,
            "workshop_id": rnd.choice(workshops).id, "channel": rnd.choice(CHANNELS), "status": status,
            "urgent": rnd.random() < 0.1, "created_at": created, "updated_at": done or claimed or created,
            "admitted_at": created if status not in ("held", "redirected") else None, "claimed_at": claimed,
            "ready_at": done, "done_at": done, "holder_id": person.id if status == "claimed" else None,
            "review_reasons": [], "confidence": 0.9,
        })
        if with_lines:
            lines.append({"id": line_id, "order_id": order_id, "position": 0, "part_number": "0 986 494 123",
                          "part_number_norm": "0986494123", "description": "Bremseklosser", "quantity": 2})
            line_id += 1
        seq[branch.id] += 1
        order_id += 1
        if len(rows) >= chunk:
            _flush(rows, lines)
    _flush(rows, lines)
    if db.session.get_bind().dialect.name == "postgresql":  # ids were given: move the sequences past them
        for table in (Order.__table__, OrderLine.__table__):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                    f"(SELECT max(id) FROM \"{table.name}\"))"))
    for branch in branches:
        branch.next_seq = seq[branch.id]
    db.session.commit()
    return {"branches": [b.id for b in branches], "staff": [s.id for s in staff]}


def _flush(rows: list, lines: list) -> None:
    if rows:
        db.session.execute(insert(Order), rows)
    if lines:
        db.session.execute(insert(OrderLine), lines)
    rows.clear()
    lines.clear()
