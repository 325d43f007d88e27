"""The order state machine: the one place where a status changes, and every change is audited."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Order, OrderEvent, Staff
from app.orders import capacity
from app.orders.errors import IllegalMove
from app.orders.signals import status_changed

LABELS = {
    "new": "new",
    "needs_review": "needs review",
    "claimed": "claimed",
    "ready": "ready",
    "done": "done",
    "cancelled": "cancelled",
    "redirected": "redirected to the backup supplier",
    "held": "held (over capacity)",
}

# from -> allowed targets
MOVES: dict[str, set[str]] = {
    "new": {"claimed", "cancelled", "redirected", "held", "needs_review"},
    "needs_review": {"new", "held", "redirected", "cancelled"},
    "claimed": {"new", "ready", "cancelled", "redirected"},
    "ready": {"done", "claimed", "cancelled"},
    "held": {"new", "redirected", "cancelled", "needs_review"},
    "redirected": {"new"},
    "done": set(),
    "cancelled": set(),
}

WHY_NOT = {
    "done": "it is already done",
    "cancelled": "it was cancelled",
    "redirected": "it was sent to the backup supplier; a manager can take it back first",
}


def actor_label(staff: Staff | None) -> str:
    return f"{staff.name} ({staff.login})" if staff else "system"


def can_move(order: Order, to: str) -> bool:
    return to in MOVES.get(order.status, set())


def record(order: Order, action: str, *, by: Staff | None, now: datetime, reason: str | None = None,
           from_status: str | None = None, to_status: str | None = None) -> OrderEvent:
    event = OrderEvent(order=order, at=now, actor_id=by.id if by else None, actor_label=actor_label(by),
                       action=action, from_status=from_status, to_status=to_status, reason=reason)
    db.session.add(event)
    order.updated_at = now
    return event


def move(order: Order, *, to: str, by: Staff | None, now: datetime, reason: str | None = None,
         action: str | None = None) -> None:
    """Change the status, or raise IllegalMove with a sentence saying why not."""
    if to not in MOVES:
        raise IllegalMove(f"'{to}' is not a status an order can have.")
    if not can_move(order, to):
        why = WHY_NOT.get(order.status, f"it is {LABELS.get(order.status, order.status)}")
        raise IllegalMove(f"Order {order.reference} cannot become {LABELS[to]}: {why}.")
    before = order.status
    order.status = to
    capacity.forget_counts()
    if to == "claimed":
        order.holder_id = by.id if by else None
        order.claimed_at = order.claimed_at or now
    elif to in ("new", "held", "needs_review", "redirected", "cancelled"):
        order.holder_id = None
    if to == "ready":
        order.ready_at = now
    if to == "done":
        order.done_at = now
    record(order, action or to, by=by, now=now, reason=reason, from_status=before, to_status=to)
    status_changed.send(order, from_status=before, to_status=to, by=by, now=now, reason=reason, action=action or to)
