"""Applying a reviewer's corrections to an order. (Belongs in app.orders.service as update_order;
kept here until it moves there.) Adds to the session; the caller commits."""
from __future__ import annotations

from datetime import datetime

from app.models import Order, OrderLine, Staff
from app.orders import lifecycle
from app.orders.references import normalise_part_number
from app.orders.service import OrderInput

FIELDS = ("urgent", "fulfilment", "plate", "vin", "customer_reference", "contact_name", "contact_phone", "notes")


def apply_edits(order: Order, data: OrderInput, *, by: Staff, now: datetime) -> list[str]:
    """Overwrite the order's fields and lines with what the reviewer saw and corrected; record
    which ones changed as one 'edited' event. Returns the names of the changed fields."""
    changed = []
    for name in FIELDS:
        value = getattr(data, name)
        if name == "urgent":
            value = bool(value)
        if getattr(order, name) != value:
            setattr(order, name, value)
            changed.append(name)
    if data.workshop_id is not None and order.workshop_id != data.workshop_id:
        order.workshop_id = data.workshop_id
        changed.append("workshop")
    old = [(ln.part_number, ln.description, ln.quantity) for ln in order.lines]
    new = [(ln.part_number, ln.description, ln.quantity) for ln in data.lines]
    if old != new:
        order.lines.clear()
        for i, line in enumerate(data.lines):
            order.lines.append(OrderLine(
                position=i, part_number=line.part_number,
                part_number_norm=normalise_part_number(line.part_number) if line.part_number else None,
                description=line.description, quantity=line.quantity))
        changed.append("lines")
    if changed:
        lifecycle.record(order, "edited", by=by, now=now, reason="Corrected in review: " + ", ".join(changed) + ".")
    return changed
