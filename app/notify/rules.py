"""Which status changes a workshop hears about, and how: one outbox row per change.

The row is added in the same transaction as the change, so a rolled-back change sends nothing
and a committed one is never forgotten (the sender delivers it later).
"""
from __future__ import annotations

import logging

from app.models import Order
from app.notify import messages, outbox
from app.notify.sms import opted_out
from app.orders.signals import status_changed
from app.models.status import OrderStatus
from app.orders.workshops import is_mobile

log = logging.getLogger(__name__)

# a channel that answers the sender itself when the order arrives (SMS: the reply; email: intake's ack)
ACKED_ON_ARRIVAL = {
    "sms": {OrderStatus.NEW, OrderStatus.HELD, OrderStatus.REDIRECTED, OrderStatus.NEEDS_REVIEW},
    "email": {OrderStatus.NEW, OrderStatus.NEEDS_REVIEW},
}


def connect() -> None:
    status_changed.connect(on_status_changed, weak=False)  # connecting twice is a no-op in blinker


def kind_for(order: Order, from_status: str | None, to_status: str) -> str | None:
    """The notification a change calls for, or None."""
    if from_status is None and to_status in ACKED_ON_ARRIVAL.get(order.channel, set()):
        return None
    if to_status == OrderStatus.NEW and from_status in (None, OrderStatus.NEEDS_REVIEW, OrderStatus.HELD):
        return "accepted"
    if to_status == OrderStatus.HELD:
        return "held"
    if to_status == OrderStatus.READY:
        return "ready_pickup" if order.fulfilment == "pickup" else "dispatched"
    if to_status in (OrderStatus.REDIRECTED, OrderStatus.CANCELLED):
        return str(to_status)
    return None


def recipient(order: Order) -> tuple[str, str] | None:
    """(channel, address): the workshop's mobile by SMS unless it said STOP, else its first email,
    else the mobile the order came from."""
    workshop = order.workshop
    mobile = workshop.mobile if workshop else None
    if mobile and not opted_out(mobile):
        return "sms", mobile
    if workshop and workshop.emails:
        return "email", workshop.emails[0].address
    phone = order.contact_phone
    if phone and is_mobile(phone) and not opted_out(phone):
        return "sms", phone
    return None


def body_for(kind: str, order: Order, reason: str | None) -> tuple[str, str]:
    branch = order.branch
    lang = order.language or (order.workshop.language if order.workshop else None) or branch.language
    backup = " ".join(p for p in (branch.backup_name, f"({branch.backup_phone})" if branch.backup_phone else None) if p)
    body = messages.text(lang, kind, branch=branch.name, ref=order.reference,
                         time=messages.local_time(order.estimate_at, branch.timezone),
                         backup=backup or "-", reason=(reason or "-").strip())
    return body, messages.text(lang, "subject", branch=branch.name, ref=order.reference)


def on_status_changed(order: Order, *, from_status, to_status, by=None, now, reason=None, action=None, **_):
    kind = kind_for(order, from_status, to_status)
    if kind is None:
        return
    target = recipient(order)
    if target is None:
        log.info("order %s: no way to tell the workshop (%s)", order.reference, kind)
        return
    channel, address = target
    body, subject = body_for(kind, order, reason)
    key = f"accepted:{order.id}" if kind == "accepted" else \
        f"{kind}:{order.id}:{from_status or 'received'}:{now.isoformat()}"
    outbox.enqueue(kind=kind, channel=channel, recipient=address, body=body, now=now, idempotency_key=key,
                   subject=subject if channel == "email" else None, order_id=order.id)
