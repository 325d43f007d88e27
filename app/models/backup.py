"""The record of every backup attempt: what the dashboard shows and what the worker schedules by."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class BackupOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"


class BackupRun(db.Model):
    """One attempt, written when it ends (a killed attempt leaves no row, and the next is due at once).

    The file itself is the backup; its checksum is also in a `.sha256` file beside it, so a restore
    on a machine without this database can check it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # BackupOutcome
    host: Mapped[str] = mapped_column(String(255))  # where it ran: the folder is on that machine
    path: Mapped[str | None] = mapped_column(String(1000))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    order_count: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(String(500))  # e.g. on the same disk as the database
