"""Handing out orders: "Claim next" for a member of staff, and a manager assigning an order to someone.

Both take the order in the queue's own order (urgent first, then oldest) and hold the person taking it to
their limit under the capacity lock (their staff row locked, as a claim does), so two clicks at once never
give one order to two people or a sixth order to someone whose limit is five. The caller commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Order, Staff
from app.models.status import OrderStatus
from app.orders import capacity, lifecycle, service
from app.locales import N_
from app.orders.errors import IllegalMove, NotAllowed, Text

QUEUE_ORDER = (Order.urgent.desc(), Order.created_at, Order.id)


def next_waiting(branch_id: int) -> Order | None:
    """The order "Claim next" would take: the first new order of the branch in the queue's order. On
    PostgreSQL it comes locked, skipping a row another transaction is taking right now."""
    stmt = (select(Order).where(Order.branch_id == branch_id, Order.status == OrderStatus.NEW)
            .order_by(*QUEUE_ORDER).limit(1))
    if db.session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True, of=Order)
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalars().first()


def claim_next(staff: Staff, *, now: datetime) -> Order:
    """Claim the next new order of the staff member's branch for them. Raises OverCapacity (their limit,
    naming what to finish first) before anything is chosen, NotAllowed when they have no branch or no
    order is waiting."""
    if staff.branch_id is None:
        raise NotAllowed(Text(N_("Claim next takes from your branch's queue, and you belong to no branch.")))
    staff = capacity.lock_staff(staff.id)
    capacity.ensure_staff_can_take(staff)
    order = next_waiting(staff.branch_id)
    if order is None:
        raise NotAllowed(Text(N_("No new order is waiting in your branch's queue.")))
    service.claim(order, staff, now=now)
    return order


def assignable_staff(order: Order) -> list[Staff]:
    """Who a manager may hand this order to: active staff and managers of the order's branch."""
    return list(db.session.scalars(
        select(Staff).where(Staff.branch_id == order.branch_id, Staff.active.is_(True)).order_by(Staff.name)))


def assign(order: Order, to: Staff, *, by: Staff, now: datetime) -> None:
    """A manager hands a new order, or one someone holds, to `to`, within `to`'s limit (OverCapacity
    otherwise, naming what they hold). Recorded on the order and in the branch's audit log. Raises
    NotAllowed for a non-manager, someone of another branch or an inactive account, IllegalMove for an
    order that cannot be held (in review, held back, closed) or that `to` holds already."""
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can assign an order to someone.")))
    if to.branch_id != order.branch_id or not to.active:
        raise NotAllowed(Text(N_("{name} does not work at this order's branch; choose someone who does."), name=to.name))
    to = capacity.lock_staff(to.id)
    service._lock_order(order)
    if order.holder_id == to.id and order.status == OrderStatus.CLAIMED:
        raise IllegalMove(Text(N_("{name} holds {reference} already."), name=to.name, reference=order.reference))
    if order.status not in (OrderStatus.NEW, OrderStatus.CLAIMED):
        raise IllegalMove(Text(N_("Order {reference} cannot be assigned: it is {status}."),
                               reference=order.reference, status=Text(OrderStatus(order.status).label)))
    capacity.ensure_staff_can_take(to)
    holder = db.session.get(Staff, order.holder_id) if order.holder_id else None  # by id: the relation may be stale
    before = holder.name if holder else None
    if order.status == OrderStatus.CLAIMED:
        order.holder, order.holder_id = to, to.id
        order.claimed_at = now
        lifecycle.record(order, "reassigned", by=by, now=now, reason=f"Reassigned from {before} to {to.name}.")
    else:
        lifecycle.move(order, to=OrderStatus.CLAIMED, by=by, now=now, action="assigned",
                       reason=f"Assigned to {to.name}.")
        order.holder, order.holder_id = to, to.id  # the manager decided (the event's actor); `to` holds it
    detail = f"{order.reference}: {'from ' + before + ' ' if before else ''}to {to.name}"
    db.session.add(AuditEvent(at=now, actor_id=by.id, actor_label=lifecycle.actor_label(by),
                              branch_id=order.branch_id, action="assign", detail=detail))
