"""The order state machine: the one place where a status changes, and every change is audited."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Order, OrderEvent, Staff
from app.models import status
from app.orders import capacity
from app.locales import N_
from app.orders.errors import IllegalMove, Text
from app.orders.signals import status_changed
from app.models.status import OrderStatus

S = OrderStatus

# from -> allowed targets
MOVES: dict[OrderStatus, set[OrderStatus]] = {
    S.NEW: {S.CLAIMED, S.CANCELLED, S.REDIRECTED, S.HELD, S.NEEDS_REVIEW},
    S.NEEDS_REVIEW: {S.NEW, S.HELD, S.REDIRECTED, S.CANCELLED},
    S.CLAIMED: {S.NEW, S.READY, S.CANCELLED, S.REDIRECTED},
    S.READY: {S.DONE, S.CLAIMED, S.CANCELLED},
    S.HELD: {S.NEW, S.REDIRECTED, S.CANCELLED, S.NEEDS_REVIEW},
    S.REDIRECTED: {S.NEW},
    S.DONE: set(),
    S.CANCELLED: set(),
}

WHY_NOT = {
    S.DONE: N_("it is already done"),
    S.CANCELLED: N_("it was cancelled"),
    S.REDIRECTED: N_("it was sent to the backup supplier; a manager can take it back first"),
}


def actor_label(staff: Staff | None) -> str:
    return f"{staff.name} ({staff.login})" if staff else "system"


def can_move(order: Order, to: OrderStatus) -> bool:
    return to in MOVES.get(order.status, set())


def record(order: Order, action: str, *, by: Staff | None, now: datetime, reason: str | None = None,
           from_status: str | None = None, to_status: str | None = None,
           changes: list[dict] | None = None) -> OrderEvent:
    event = OrderEvent(order=order, **event_values(action, by=by, now=now, reason=reason, from_status=from_status,
                                                   to_status=to_status, changes=changes))
    db.session.add(event)
    order.updated_at = now
    return event


def event_values(action: str, *, by: Staff | None, now: datetime, reason: str | None = None,
                 from_status: str | None = None, to_status: str | None = None,
                 changes: list[dict] | None = None) -> dict:
    """The columns of one audit event but its order: what `record` writes, for a caller that inserts the
    row itself (app.orders.service.create_order)."""
    return {"at": now, "actor_id": by.id if by else None, "actor_label": actor_label(by), "action": action,
            "from_status": from_status, "to_status": to_status, "reason": reason, "changes": changes}


def move(order: Order, *, to: OrderStatus, by: Staff | None, now: datetime, reason: str | None = None,
         action: str | None = None) -> None:
    """Change the status, or raise IllegalMove with a sentence saying why not."""
    if to not in MOVES:
        raise IllegalMove(Text(N_("'{status}' is not a status an order can have."), status=to))
    if not can_move(order, to):
        why = (Text(WHY_NOT[order.status]) if order.status in WHY_NOT
               else Text(N_("it is {status}"), status=Text(status.label(order.status))))
        raise IllegalMove(Text(N_("Order {reference} cannot become {status}: {why}."),
                               reference=order.reference, status=Text(status.label(to)), why=why))
    to = OrderStatus(to)
    before = order.status
    order.status = to
    capacity.forget_counts()
    if to == S.CLAIMED:
        order.holder_id = by.id if by else None
        order.claimed_at = order.claimed_at or now
    elif to in (S.NEW, S.HELD, S.NEEDS_REVIEW, S.REDIRECTED, S.CANCELLED):
        order.holder_id = None
    if to == S.READY:
        order.ready_at = now
    if to == S.DONE:
        order.done_at = now
    record(order, action or to, by=by, now=now, reason=reason, from_status=before, to_status=to)
    status_changed.send(order, from_status=before, to_status=to, by=by, now=now, reason=reason, action=action or to)
