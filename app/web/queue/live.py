"""What the menu shows live on every page (polled through `/calls/active`): orders waiting for someone to
take them, how many of them are urgent, and messages waiting in the review inbox."""
from __future__ import annotations

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import InboundMessage, Order, Staff
from app.models.status import OrderStatus

WAITING = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW)  # received, nobody holds it, not held back by capacity


def counts(staff: Staff) -> dict:
    """{'waiting': n, 'urgent': n, 'inbox': n} for the branch a member of staff works in; a manager's are
    for every branch, as the queue shows them. Staff without a branch see nothing, so all are 0."""
    if staff.branch_id is None and not staff.is_manager:
        return {"waiting": 0, "urgent": 0, "inbox": 0}
    from app.web.inbox.routes import _filter  # the inbox's own definition of "waiting for a person"

    orders = [Order.status.in_(WAITING)]
    messages = _filter("open")
    if not staff.is_manager:
        orders.append(Order.branch_id == staff.branch_id)
        messages.append((InboundMessage.branch_id == staff.branch_id) | InboundMessage.branch_id.is_(None))
    waiting, urgent = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Order.urgent.is_(True), 1), else_=0)), 0))
        .select_from(Order).where(*orders)).one()
    inbox = db.session.scalar(select(func.count()).select_from(InboundMessage).where(*messages)) or 0
    return {"waiting": int(waiting), "urgent": int(urgent), "inbox": int(inbox)}
