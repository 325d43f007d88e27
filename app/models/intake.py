"""Raw inbound messages, mailboxes and the parts catalogue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class InboundMessage(db.Model):
    """The raw source of every order from any channel, stored before anything else happens."""

    __table_args__ = (Index("ix_inbound_status_received", "status", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms | voicemail | phone
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)  # see app.intake.store.dedup_key
    # several messages may carry one Message-ID (a sender that reuses them); replies are matched by it
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when read: it can be 40 MB
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(500))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id"))
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    uid: Mapped[int | None] = mapped_column(Integer)
    # stored -> processed | failed; "stored" ones are picked up again after a crash
    status: Mapped[str] = mapped_column(String(12), default="stored")
    kind: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    parsed: Mapped[dict | None] = mapped_column(JSON)
    # the order made from this message (Order.inbound_message_id is the enforced, unique link)
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Mailbox(db.Model):
    """An IMAP mailbox (or drop folder) of a branch, with its sync state and heartbeat."""

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default="imap")  # imap | drop
    host: Mapped[str | None] = mapped_column(String(200))
    port: Mapped[int | None] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10), default="tls")  # tls | starttls | none
    username: Mapped[str | None] = mapped_column(String(200))
    password_env: Mapped[str | None] = mapped_column(String(100))  # name of the env var holding the secret
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    processed_folder: Mapped[str | None] = mapped_column(String(200), default="Partdesk/Processed")
    path: Mapped[str | None] = mapped_column(String(500))  # drop folder
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_today: Mapped[int] = mapped_column(Integer, default=0)
    counted_day: Mapped[str | None] = mapped_column(String(10))
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CatalogueItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    number_norm: Mapped[str] = mapped_column(String(64), index=True)
    brand: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(300))
    ean: Mapped[str | None] = mapped_column(String(14), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
