"""Login attempts counted for throttling, shared by every web process."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class LoginAttempt(db.Model):
    """Attempts in the window that began at window_start, per key: the sha256 of what is counted (a login
    name, a client address, or both together), so no typed name or password is ever stored."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
