"""The correction notice: when staff edit an order the workshop was already told about, the workshop hears
what the order says now, on the channel it was told on, in its language (app.notify.messages "corrected")."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.notify import messages, outbox
from app.orders.signals import order_edited

# what a workshop was told when its order arrived or was taken: it was acknowledged
ACK_KINDS = ("ack", "sms_reply", "accepted", "held")
# the changes a workshop hears about; contact, notes and the branch are the desk's own business
TOLD_FIELDS = {"lines", "plate", "vin", "fulfilment", "wanted_by", "urgent", "workshop", "customer_reference"}


def connect() -> None:
    order_edited.connect(on_order_edited, weak=False)  # connecting twice is a no-op in blinker


def acknowledgement(order) -> tuple[str, str, OutboxMessage | None] | None:
    """(channel, recipient, the outbox row or None) of how the workshop was told of the order, or None when
    it was not: the latest acknowledging outbox row, else, for an SMS order, the reply the webhook gave."""
    row = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.order_id == order.id, OutboxMessage.kind.in_(ACK_KINDS),
                                    OutboxMessage.status != "failed")
        .order_by(OutboxMessage.id.desc()).limit(1)).first()
    if row is not None:
        return row.channel, row.recipient, row
    message = order.inbound_message
    if order.channel == "sms" and message is not None and message.sender:
        return "sms", message.sender, None
    return None


def on_order_edited(order, *, changes, now, event_id, **_) -> None:
    if not {c["field"] for c in changes or []} & TOLD_FIELDS:
        return
    told = acknowledgement(order)
    if told is None:
        return
    channel, recipient, row = told
    branch = order.branch
    lang = messages.language_for(order.language, order.workshop.language if order.workshop else None,
                                 branch.language)
    body = messages.text(lang, "corrected", branch=branch.name, ref=order.reference,
                         lines=messages.lines_summary(order.lines, lang))
    headers = {}
    if channel == "email" and row is not None and (row.headers or {}).get("Message-ID"):
        headers = {"In-Reply-To": row.headers["Message-ID"], "References": row.headers["Message-ID"],
                   "Auto-Submitted": "auto-generated"}
    outbox.enqueue(kind="corrected", channel=channel, recipient=recipient, body=body, now=now,
                   idempotency_key=f"corrected:{order.id}:{event_id}", order_id=order.id, headers=headers,
                   subject=messages.text(lang, "subject", branch=branch.name, ref=order.reference)
                   if channel == "email" else None)
