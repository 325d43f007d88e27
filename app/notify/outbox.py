"""The outbox: every outbound message is a row first, sent later outside the request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage


def enqueue(*, kind: str, channel: str, recipient: str, body: str, now: datetime, idempotency_key: str,
            subject: str | None = None, order_id: int | None = None, headers: dict | None = None,
            attachments: list | None = None, known_new: bool = False) -> OutboxMessage:
    """Add a message to the outbox once: a second call with the same idempotency_key returns the first.
    known_new: the caller looked the key up in this transaction and it is not there (no look-up again)."""
    if not known_new:
        existing = db.session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)).first()
        if existing is not None:
            return existing
    if channel == "email":
        recipient = recipient.strip().lower()
    message = OutboxMessage(kind=kind, channel=channel, recipient=recipient, body=body, subject=subject,
                            order_id=order_id, headers=headers or {}, attachments=attachments or [],
                            idempotency_key=idempotency_key, created_at=now, next_attempt_at=now)
    db.session.add(message)
    return message
