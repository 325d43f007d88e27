"""A staff save that changes a parsed order is kept as a Correction: the parser's reading of the message
beside the order as saved, so intake can learn from it (app.intake.corrections) and a branch's real
traffic can be exported as labelled messages (`flask --app app intake corrections export`)."""
from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Correction, Order, Staff

LINE_FIELDS = ("part_number", "description", "quantity")
READ_FIELDS = ("channel", "kind", "language", "plate", "vin", "urgent", "fulfilment", "customer_reference",
               "order_ref", "confidence", "needs_review", "review_reasons")
SAVED_FIELDS = ("plate", "vin", "urgent", "fulfilment", "customer_reference", "contact_name", "contact_phone",
                "notes")


def reading(parsed: dict | None) -> dict:
    """The lines and fields the parser read, from InboundMessage.parsed (missing ones are None)."""
    parsed = parsed if isinstance(parsed, dict) else {}
    lines = [{k: line.get(k) for k in LINE_FIELDS} for line in parsed.get("lines") or [] if isinstance(line, dict)]
    return {"lines": lines, **{k: parsed.get(k) for k in READ_FIELDS}}


def saved(order: Order) -> dict:
    """The order's lines and fields as they stand (after the clerk's save)."""
    return {"lines": [{"part_number": ln.part_number, "description": ln.description, "quantity": ln.quantity}
                      for ln in order.lines],
            **{k: getattr(order, k) for k in SAVED_FIELDS}, "workshop_id": order.workshop_id}


def record(order: Order, *, by: Staff | None, now: datetime) -> Correction | None:
    """Add a Correction for an order made from an inbound message that staff just changed; None for an
    order keyed in by staff (there is no reading to correct). Adds to the session; the caller commits,
    so the correction is written in the same transaction as the save."""
    if order.inbound_message_id is None:
        return None
    message = order.inbound_message
    correction = Correction(inbound_message_id=order.inbound_message_id, order_id=order.id,
                            workshop_id=order.workshop_id, staff_id=by.id if by else None, at=now,
                            read=reading(message.parsed if message is not None else None), saved=saved(order))
    db.session.add(correction)
    return correction
