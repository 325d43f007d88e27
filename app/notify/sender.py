"""The outbox sender: delivers pending rows outside any web request, each exactly once at most.

A row is claimed (status 'sending') and committed before anything leaves the machine. If the
process dies mid-send we cannot know whether the provider got it, so a row left in 'sending' for
more than STUCK_AFTER is marked failed for a person to check; it is never sent again on its own.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, true

from app.database import is_sqlite
from app.extensions import db
from app.models import OutboxMessage
from app.notify import sms
from app.orders.unit_of_work import UnitOfWork, end_read

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=5)
NOT_CONFIGURED = "Not sent: no Twilio/SMTP configured"
UNKNOWN_IF_SENT = "failed: unknown if sent (the sender stopped mid-send); check with the workshop before resending"


@dataclass
class Report:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def configured_channels(config) -> set[str]:
    channels = set()
    if sms.configured(config):
        channels.add("sms")
    if config.get("SMTP_HOST"):
        channels.add("email")
    return channels


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s ... after the 1st, 2nd, 3rd failure; never more than an hour."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def send_due(now: datetime, limit: int = 50, config=None) -> Report:
    """Send up to `limit` rows due at `now`. Each send is its own unit; one failure stops nothing."""
    config = config if config is not None else current_app.config
    report = Report()
    channels = configured_channels(config)
    with UnitOfWork() as uow:
        _give_up_on_stuck(now, report)
        _hold_unsendable(now, channels, limit, report)
        claimed = _claim(now, channels, limit)
        uow.commit()
    for message_id in claimed:
        _send_one(message_id, now, config, report)
    return report


def _lockable(stmt):
    return stmt if is_sqlite(db.session) else stmt.with_for_update(skip_locked=True)


def _give_up_on_stuck(now: datetime, report: Report) -> None:
    stuck = db.session.scalars(_lockable(select(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now - STUCK_AFTER)))
    for message in stuck:
        message.status, message.last_error = "failed", UNKNOWN_IF_SENT
        log.error("outbox %s (%s to %s) was left mid-send; marked failed for staff to check",
                  message.id, message.kind, message.recipient)
        report.failed.append(message.id)


def _hold_unsendable(now: datetime, channels: set[str], limit: int, report: Report) -> None:
    """With nothing configured for a channel, nothing leaves the machine: the row waits, visibly."""
    rows = db.session.scalars(_lockable(select(OutboxMessage).where(
        OutboxMessage.status == "pending", OutboxMessage.channel.not_in(channels) if channels else true(),
        OutboxMessage.next_attempt_at <= now).limit(limit)))
    for message in rows:
        message.status, message.last_error = "held", NOT_CONFIGURED
        report.held.append(message.id)


def _claim(now: datetime, channels: set[str], limit: int) -> list[int]:
    if not channels:
        return []
    rows = list(db.session.scalars(_lockable(select(OutboxMessage).where(
        or_(OutboxMessage.status == "pending", OutboxMessage.status == "held"),
        OutboxMessage.channel.in_(channels),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))))
    for message in rows:
        message.status = "sending"
        message.next_attempt_at = now  # when the send began: see STUCK_AFTER
    return [m.id for m in rows]


def _send_one(message_id: int, now: datetime, config, report: Report) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message.channel == "sms" and sms.opted_out(message.recipient):
        end_read()
        _finish(message_id, status="failed", error=f"Not sent: {message.recipient} replied STOP to our texts.")
        report.failed.append(message_id)
        return
    # a detached copy: no transaction stays open (and no row is re-read) while the provider is called
    db.session.expunge(message)
    end_read()
    try:
        provider_id = _deliver(message, config)
    except Exception as exc:  # each message in its own try: a failure is logged and stays retryable
        log.warning("outbox %s (%s to %s) attempt failed: %s", message_id, message.kind, message.recipient, exc)
        _failed_attempt(message_id, now, describe(exc)[:1000], report)
        return
    _finish(message_id, status="sent", provider_id=provider_id, sent_at=now)
    report.sent.append(message_id)


def describe(exc: Exception) -> str:
    """The failure in words staff can act on (the mail server's own answer where there is one)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"The mail server refused {rcpt} ({code}): {_text(msg)}" for rcpt, (code, msg)
                         in exc.recipients.items()) or "The mail server refused every recipient."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The mail server answered {exc.smtp_code}: {_text(exc.smtp_error)}"
    if isinstance(exc, (ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)):
        return f"Could not reach the server ({type(exc).__name__}: {exc}); will try again."
    return f"{type(exc).__name__}: {exc}"


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _deliver(message: OutboxMessage, config) -> str | None:
    if message.channel == "sms":
        return sms.send_sms(config, message.recipient, message.body)
    from app.notify.mailer import send_email  # built with email intake; imported only when mail is sent

    result = send_email(config, message)
    # the Message-ID is kept when it fits; SMS delivery reports are what need the provider id
    return result if isinstance(result, str) and len(result) <= 64 else None


def _finish(message_id: int, *, status: str, error: str | None = None, provider_id: str | None = None,
            sent_at: datetime | None = None) -> None:
    with UnitOfWork() as uow:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.status, message.last_error = status, error
        if provider_id:
            message.provider_id = provider_id
        if sent_at:
            message.sent_at = sent_at
        message.attempts += 1
        uow.commit()


def _failed_attempt(message_id: int, now: datetime, error: str, report: Report) -> None:
    with UnitOfWork() as uow:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        message.attempts += 1
        message.last_error = error
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
            report.failed.append(message_id)
        else:
            message.status = "pending"
            message.next_attempt_at = now + backoff(message.attempts)
            report.retrying.append(message_id)
        uow.commit()


def message_status(*, provider_id: str | None, status: str | None, error_code: str | None) -> OutboxMessage | None:
    """Twilio's delivery report for an SMS we sent. Only final states are kept; never downgrades."""
    if not provider_id:
        return None
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)).first()
    if message is None:
        return None
    if status == "delivered":
        message.status, message.last_error = "delivered", None
    elif status in ("failed", "undelivered") and message.status != "delivered":
        message.status = "failed"
        message.last_error = f"Twilio reports the SMS {status}" + (f" (error {error_code})" if error_code else "") + "."
    return message
