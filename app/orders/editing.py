"""Editing an order after it was saved: who may edit which order, the edit as one audited event with each
changed field's before and after, and capacity when the edit moves the order to another branch.

What the workshop is told of an edit is not decided here: `order_edited` is sent, and app.notify listens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.database import is_sqlite
from app.extensions import db
from app.models import Order, Staff
from app.models import status
from app.models.status import ADMITTED_OPEN, HELD_BY_SOMEONE, OPEN, OrderStatus
from app.orders import capacity, service
from app.locales import N_
from app.orders.errors import NotAllowed, OverCapacity, Text
from app.orders.service import OrderInput
from app.orders.signals import order_edited

# what the edit page changes, beyond the workshop and the lines
EDIT_FIELDS = ("urgent", "fulfilment", "wanted_by", "plate", "vin", "customer_reference", "contact_name",
               "contact_phone", "notes")
# what a member of staff may edit without holding it; a claimed order only its holder, any open one a manager
STAFF_EDITABLE = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW, OrderStatus.HELD)


def why_not_editable(order: Order, staff: Staff) -> str | None:
    """Why this member of staff may not edit this order now, in a sentence; None when they may."""
    if order.status not in OPEN:
        return Text(N_("{reference} is {status}; a closed order cannot be edited."),
                    reference=order.reference, status=Text(status.label(order.status)))
    if staff.is_manager or order.status in STAFF_EDITABLE:
        return None
    if order.status == OrderStatus.CLAIMED and order.holder_id == staff.id:
        return None
    if order.status in HELD_BY_SOMEONE and order.holder_id != staff.id:
        holder = order.holder.name if order.holder else Text(N_("someone else"))
        return Text(N_("{reference} is held by {holder}; only they or a manager can edit it."),
                    reference=order.reference, holder=holder)
    return Text(N_("{reference} is {status}; only a manager can edit it now."),
                reference=order.reference, status=Text(status.label(order.status)))


def edit_order(order: Order, data: OrderInput, *, by: Staff, now: datetime,
               branch_id: int | None = None) -> list[str]:
    """Apply a saved order's edit under the order's lock: refused with NotAllowed (who may edit, read after
    the lock) or OverCapacity (a move to a branch without room), with nothing changed. The changed fields
    are one 'edited' event (before and after each), a Correction for an order read from a message, and
    the `order_edited` signal. Returns the names of the changed fields; none changed records nothing."""
    _lock_order(order)
    why = why_not_editable(order, by)
    if why:
        raise NotAllowed(why)
    extra = []
    if branch_id is not None and branch_id != order.branch_id:
        extra.append(_move(order, branch_id, by=by, now=now))
    changed = service.update_order(order, data, by=by, now=now, fields=EDIT_FIELDS, why="Edited", extra=extra)
    if changed:
        db.session.flush()  # the event's id names the notice
        event = order.events[-1]
        order_edited.send(order, changes=event.changes, by=by, now=now, event_id=event.id)
    return changed


def _move(order: Order, branch_id: int, *, by: Staff, now: datetime) -> dict:
    """Move the order to another branch (a manager's correction of where it was sent). An order that counts
    against a branch's limits (admitted, open) must find room there, checked under both branches' locks;
    a held order joins the other branch's line. Either branch may then admit held orders."""
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can move an order to another branch.")))
    source_id = order.branch_id
    locked = {i: capacity.lock_branch(i) for i in sorted((source_id, branch_id))}  # always in id order: no deadlock
    source, target = locked[source_id], locked[branch_id]
    if order.status in ADMITTED_OPEN:
        reason = capacity.blocking_reason(target, now)
        if reason:
            raise OverCapacity(Text(N_("{reason} {reference} stays at {branch}."),
                                    reason=reason, reference=order.reference, branch=source.name))
    order.branch_id = target.id
    order.branch = target
    capacity.forget_counts()
    db.session.flush()
    service.promote_held(source.id, now=now)
    service.promote_held(target.id, now=now)
    return service.editing_change("branch", f"{source.code} · {source.name}", f"{target.code} · {target.name}")


def _lock_order(order: Order) -> None:
    """Re-read the order under a row lock (PostgreSQL); SQLite already holds the write lock."""
    if not is_sqlite(db.session):
        db.session.execute(select(Order).where(Order.id == order.id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()

