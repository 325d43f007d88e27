"""Calls seen by the Twilio webhooks, for the screen pop and the call log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import Workshop
from app.models.types import UTCDateTime, utcnow


class Call(db.Model):
    __table_args__ = (Index("ix_call_branch_status", "branch_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id"))
    from_number: Mapped[str | None] = mapped_column(String(32))
    # ringing (connected to staff: "calling now") | menu | forwarded | voicemail | ended
    status: Mapped[str] = mapped_column(String(12), default="ringing")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    workshop: Mapped[Workshop | None] = relationship()
