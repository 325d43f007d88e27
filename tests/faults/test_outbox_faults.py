"""Outbound mail when the SMTP server fails: retried with backoff, sent exactly once when it
recovers, and shown to staff as failed on the order page when it never does. The SMTP server is
real (aiosmtpd on a local port); only its answers are scripted."""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OutboxMessage
from app.notify import outbox, sender
from tests.conftest import login


class FlakySMTP:
    """Answers DATA with the scripted replies first (e.g. a 451), then accepts."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.delivered.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    def start(replies):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        handler = FlakySMTP(replies)
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_USER=None,
                          MAIL_FROM="osl@partdesk.test")
        return handler

    started = []
    yield start
    for controller in started:
        controller.stop()


def _queue_mail(db, make, now):
    branch = make.branch("OSL")
    order = make.order(branch, now=now)
    message = outbox.enqueue(kind="ready_pickup", channel="email", recipient="Post@Verksted.test",
                             subject=f"[{order.reference}] Klar", body="Ordren er klar.", now=now,
                             idempotency_key=f"test:{order.id}", order_id=order.id)
    db.session.commit()
    return order, message.id


def test_a_temporary_smtp_failure_is_retried_and_the_mail_sent_once(db, make, now, smtp_server):
    handler = smtp_server(["451 4.3.0 Try again later", "451 4.3.0 Try again later"])
    _, message_id = _queue_mail(db, make, now)
    moment = now
    for _ in range(6):
        sender.send_due(moment)
        db.session.expire_all()
        row = db.session.get(OutboxMessage, message_id)
        if row.status == "sent":
            break
        assert row.status == "pending" and "451" in row.last_error
        assert row.next_attempt_at > moment  # backed off, not hammered
        sender.send_due(moment)  # not due yet: nothing is sent in between
        moment = row.next_attempt_at
    assert row.status == "sent" and row.attempts == 3
    assert len(handler.delivered) == 1 and handler.delivered[0].rcpt_tos == ["post@verksted.test"]
    sender.send_due(moment + timedelta(hours=2))
    assert len(handler.delivered) == 1  # never again


def test_a_mail_that_never_goes_through_is_shown_failed_to_staff(db, make, now, smtp_server, client):
    handler = smtp_server(["550 5.1.1 No such user"] * 10)
    order, message_id = _queue_mail(db, make, now)
    moment = now
    for _ in range(sender.MAX_ATTEMPTS):
        sender.send_due(moment)
        db.session.expire_all()
        moment = db.session.get(OutboxMessage, message_id).next_attempt_at + timedelta(seconds=1)
    row = db.session.get(OutboxMessage, message_id)
    assert row.status == "failed" and row.attempts == sender.MAX_ATTEMPTS
    assert row.last_error == "The mail server answered 550: 5.1.1 No such user"
    assert handler.delivered == []
    make.staff(order.branch, login="kari")
    login(client, "kari")
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert "failed" in page and "The mail server answered 550: 5.1.1 No such user" in page
    assert "post@verksted.test" in page
    assert db.session.scalars(select(OutboxMessage)).all() == [row]
