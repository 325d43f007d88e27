"""Orders that belong together: a reply that became an order of its own follows the order it answers,
and follow-ups and cancellations that name an order are filed on it (InboundMessage.order_id).

The link is stored on the later order (Order.follows_id); the earlier order is not changed by it, so
linking never sends an order back through the export or touches its history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import InboundMessage, Order
from app.orders import lifecycle

MESSAGE_KINDS = {"follow_up": "Follow-up", "cancellation": "Cancellation", "order": "Order"}


def follow(order: Order, earlier: Order, *, now: datetime, how: str) -> bool:
    """Link `order` to the earlier order it follows, with an event on `order` saying `how` it was found.
    Returns False (nothing changed) for the order itself or an order already linked. The caller commits."""
    if earlier is order or (earlier.id is not None and earlier.id == order.id) or \
            order.follows is not None or order.follows_id is not None:
        return False
    order.follows = earlier
    lifecycle.record(order, "follows", by=None, now=now, reason=f"Follows {earlier.reference}: {how}")
    return True


@dataclass
class LinkedMessage:
    id: int
    kind: str
    label: str
    sender: str | None
    subject: str | None
    received_at: datetime


@dataclass
class Links:
    follows: Order | None = None
    followed_by: list[Order] = field(default_factory=list)
    messages: list[LinkedMessage] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.follows or self.followed_by or self.messages)


def for_order(order: Order, limit: int = 50) -> Links:
    """What is linked to `order`: the order it follows, the orders that follow it (oldest first) and
    the messages filed on it other than the one it was made from (oldest first), `limit` of each."""
    followed_by = list(db.session.scalars(
        select(Order).where(Order.follows_id == order.id).order_by(Order.created_at, Order.id).limit(limit)))
    stmt = select(InboundMessage.id, InboundMessage.kind, InboundMessage.sender, InboundMessage.subject,
                  InboundMessage.received_at).where(InboundMessage.order_id == order.id)
    if order.inbound_message_id is not None:
        stmt = stmt.where(InboundMessage.id != order.inbound_message_id)
    rows = db.session.execute(stmt.order_by(InboundMessage.received_at, InboundMessage.id).limit(limit)).all()
    messages = [LinkedMessage(id=r.id, kind=r.kind or "other", label=MESSAGE_KINDS.get(r.kind or "", "Message"),
                              sender=r.sender, subject=r.subject, received_at=r.received_at) for r in rows]
    return Links(follows=order.follows, followed_by=followed_by, messages=messages)
