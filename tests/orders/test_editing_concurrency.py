"""Moving orders into a branch with room for N, many managers at once: exactly N get through, on the real
database (SQLite or PostgreSQL), because the room is counted under the branch's lock."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Order, Staff
from app.orders import editing
from app.orders.errors import OverCapacity
from app.orders.service import LineInput, OrderInput
from tests.orders.test_concurrency import _run_at_once

pytestmark = pytest.mark.real_commits  # threads, each with its own connection
ATTEMPTS = 40


def test_moves_into_a_branch_with_room_for_n_admit_exactly_n(app, db, make, now):
    room = 7
    source = make.branch("OSL", open_limit=10_000, hourly_limit=10_000)
    target = make.branch("BRG", open_limit=room, hourly_limit=10_000)
    maria_id = make.staff(source, role="manager", name="Maria").id
    order_ids = [make.order(source, now=now).id for _ in range(ATTEMPTS)]
    target_id = target.id

    def move(i):
        order = db.session.get(Order, order_ids[i])
        data = OrderInput(channel=order.channel, lines=[LineInput(ln.part_number, ln.description, ln.quantity)
                                                        for ln in order.lines], fulfilment=order.fulfilment)
        return editing.edit_order(order, data, by=db.session.get(Staff, maria_id), now=now, branch_id=target_id)

    results = _run_at_once(app, move, count=ATTEMPTS)
    assert sum(1 for r in results if r == ["branch"]) == room
    assert all(isinstance(r, OverCapacity) for r in results if r != ["branch"])
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.branch_id == target_id)) == room
