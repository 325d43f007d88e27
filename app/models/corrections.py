"""What the parser read from a message and what a clerk saved instead: the pairs intake learns from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Correction(db.Model):
    """One save by staff that changed a parsed order. `read` is the parser's reading of the message
    (lines and fields, as stored in InboundMessage.parsed); `saved` is the order as the clerk saved it.
    Written in the same transaction as the save; never updated."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read: Mapped[dict] = mapped_column(JSON)
    saved: Mapped[dict] = mapped_column(JSON)
