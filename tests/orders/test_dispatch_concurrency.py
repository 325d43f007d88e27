"""Claim next with many clicks at once, on the real database: nobody gets an order twice, nobody passes
their limit, and the orders go out in the queue's order."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Order
from app.models.status import OrderStatus
from app.orders import dispatch
from app.orders.errors import NotAllowed, OverCapacity
from tests.orders.test_concurrency import _run_at_once

pytestmark = pytest.mark.real_commits  # threads, each with its own connection
CLICKS = 40


def test_simultaneous_claim_next_gives_each_order_once_and_keeps_every_limit(app, db, make, now):
    from app.models import Staff

    branch = make.branch(staff_hold_limit=3, hourly_limit=10_000, open_limit=10_000)
    people = [make.staff(branch, name=f"S{i}").id for i in range(4)]  # 4 people x limit 3 = 12 at most
    orders = [make.order(branch, now=now - timedelta(minutes=m), urgent=m % 7 == 0).id for m in range(20)]

    def click(i):
        return dispatch.claim_next(db.session.get(Staff, people[i % len(people)]), now=now).id

    results = _run_at_once(app, click, CLICKS)
    taken = [r for r in results if isinstance(r, int)]
    assert len(taken) == len(set(taken)) == 12
    assert all(isinstance(r, OverCapacity) for r in results if not isinstance(r, int))
    rows = db.session.execute(select(Order.id, Order.status, Order.holder_id, Order.urgent, Order.created_at)
                              .where(Order.id.in_(orders))).all()
    held = [r for r in rows if r.status == OrderStatus.CLAIMED]
    assert sorted(r.id for r in held) == sorted(taken)
    assert all(sum(1 for r in held if r.holder_id == p) == 3 for p in people)
    # what is left is the end of the queue: nothing left waiting comes before anything taken
    key = {r.id: (not r.urgent, r.created_at, r.id) for r in rows}
    assert max(key[i] for i in taken) < min(key[r.id] for r in rows if r.status == OrderStatus.NEW)


def test_claim_next_with_one_order_and_many_clicks(app, db, make, now):
    from app.models import Staff

    branch = make.branch(hourly_limit=10_000, open_limit=10_000)
    people = [make.staff(branch, name=f"S{i}").id for i in range(CLICKS)]
    make.order(branch, now=now)
    results = _run_at_once(app, lambda i: dispatch.claim_next(db.session.get(Staff, people[i]), now=now).id, CLICKS)
    assert sum(isinstance(r, int) for r in results) == 1
    assert all(isinstance(r, NotAllowed) and "No new order" in r.message for r in results if not isinstance(r, int))
