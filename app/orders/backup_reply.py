"""A backup supplier's answer about an order we redirected to them, filed on that order.

Any channel that reads such an answer (today the mail pipeline) calls this; the domain owns the note."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Order
from app.orders import lifecycle


def attach_backup_reply(order_ref: str, text: str, sender: str | None, *, now: datetime) -> Order | None:
    """File a backup supplier's reply that quotes an order's reference as a note on that order.
    Returns the order, or None when no order has that reference. The caller commits."""
    order = db.session.scalars(select(Order).where(Order.reference == (order_ref or "").strip().upper())).first()
    if order is None:
        return None
    body = (text or "").strip()
    if len(body) > 4000:
        body = body[:4000] + " …"
    lifecycle.record(order, "backup_reply", by=None, now=now,
                     reason=f"Reply from the backup supplier ({sender or 'unknown sender'}): {body}")
    return order
