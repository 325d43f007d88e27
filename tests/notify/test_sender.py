"""The sender: one send per outbox row, retries with backoff, nothing leaves without credentials."""
from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from app.models import OutboxMessage
from app.notify import outbox, sender
from app.notify.cli import cli as outbox_cli
from app.notify.sms import record_opt
from tests.notify.conftest import FROM, FakeTwilioHttp
from tests.phone.conftest import TOKEN, Twilio

MOBILE = "+4790000001"


def queue_sms(db, now, n=1, recipient=MOBILE):
    rows = [outbox.enqueue(kind="accepted", channel="sms", recipient=recipient, body=f"Order OSL-00000{i} received",
                           now=now, idempotency_key=f"accepted:{i}") for i in range(1, n + 1)]
    db.session.commit()
    return rows


def row(db, message_id):
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def test_nothing_configured_holds_the_row_visibly(app, db, now):
    app.config.update(TWILIO_ACCOUNT_SID=None, TWILIO_HTTP_CLIENT=None, SMTP_HOST=None)
    [message] = queue_sms(db, now)
    email = outbox.enqueue(kind="accepted", channel="email", recipient="a@b.example", body="x", now=now,
                           idempotency_key="accepted:email")
    db.session.commit()
    report = sender.send_due(now)
    assert sorted(report.held) == sorted([message.id, email.id])
    for held in (row(db, message.id), row(db, email.id)):
        assert held.status == "held" and held.last_error == sender.NOT_CONFIGURED


def test_sends_once_and_keeps_the_provider_id(fake_twilio, db, now):
    [message] = queue_sms(db, now)
    report = sender.send_due(now)
    assert report.sent == [message.id]
    sent = row(db, message.id)
    assert (sent.status, sent.attempts, sent.sent_at, sent.provider_id) == ("sent", 1, now, "SM" + "0" * 31 + "1")
    [request] = fake_twilio.requests
    assert request["method"] == "POST" and request["uri"].endswith("/Messages.json")
    assert request["data"] == {"To": MOBILE, "From": FROM, "Body": "Order OSL-000001 received",
                               "StatusCallback": "https://public.example/twilio/message-status"}
    assert sender.send_due(now + timedelta(hours=1)).sent == []
    assert len(fake_twilio.sent) == 1


@pytest.mark.parametrize("failure", [500, "raise"])
def test_a_failed_attempt_is_retried_later_and_sent_exactly_once(fake_twilio, db, now, failure):
    messages = queue_sms(db, now, n=3)
    fake_twilio.fail = [failure]  # the first request fails, the rest succeed
    first = sender.send_due(now)
    assert len(first.retrying) == 1 and len(first.sent) == 2
    [retry_id] = first.retrying
    waiting = row(db, retry_id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.next_attempt_at == now + timedelta(seconds=30) and waiting.last_error
    assert sender.send_due(now + timedelta(seconds=29)).sent == []  # not due yet
    assert sender.send_due(now + timedelta(seconds=30)).sent == [retry_id]
    assert sender.send_due(now + timedelta(hours=2)).sent == []
    assert len(fake_twilio.requests) == 4
    bodies = [m["Body"] for m in fake_twilio.sent]
    assert sorted(bodies) == sorted(m.body for m in messages)  # exactly one send per row
    assert all(row(db, m.id).status == "sent" for m in messages)


def test_backoff_doubles_and_gives_up_after_six_attempts(fake_twilio, db, now):
    [message] = queue_sms(db, now)
    fake_twilio.fail = [500] * 10
    at, delays = now, []
    for attempt in range(1, 7):
        sender.send_due(at)
        current = row(db, message.id)
        assert current.attempts == attempt
        if attempt < 6:
            delays.append(current.next_attempt_at - at)
            at = current.next_attempt_at
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)]
    failed = row(db, message.id)
    assert failed.status == "failed" and "HTTP 500" in failed.last_error
    assert sender.send_due(at + timedelta(days=1)).sent == [] and fake_twilio.sent == []


def test_a_row_left_mid_send_is_never_sent_again(fake_twilio, db, now):
    [message] = queue_sms(db, now)
    message.status, message.next_attempt_at = "sending", now  # the worker died after claiming it
    db.session.commit()
    assert sender.send_due(now + timedelta(minutes=4)).failed == []
    report = sender.send_due(now + timedelta(minutes=6))
    assert report.failed == [message.id]
    stuck = row(db, message.id)
    assert stuck.status == "failed" and "unknown if sent" in stuck.last_error
    assert fake_twilio.requests == []


def test_held_rows_go_out_once_credentials_are_configured(app, db, now):
    app.config.update(TWILIO_ACCOUNT_SID=None)
    [message] = queue_sms(db, now)
    sender.send_due(now)
    assert row(db, message.id).status == "held"
    fake = FakeTwilioHttp()
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="t", TWILIO_FROM_NUMBER=FROM,
                      TWILIO_HTTP_CLIENT=fake)
    assert sender.send_due(now + timedelta(minutes=1)).sent == [message.id]
    assert len(fake.sent) == 1


def test_a_number_that_said_stop_is_not_texted(fake_twilio, db, now):
    [message] = queue_sms(db, now)
    record_opt(MOBILE, out=True, branch_id=None, now=now)
    db.session.commit()
    assert sender.send_due(now).failed == [message.id]
    assert "STOP" in row(db, message.id).last_error and fake_twilio.requests == []


def test_delivery_reports_update_the_row(app, fake_twilio, db, now, client):
    rows = queue_sms(db, now, n=2)
    sender.send_due(now)
    twilio = Twilio(client, base="https://public.example")
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    first, second = (row(db, m.id) for m in rows)
    for provider_id, status, code in ((first.provider_id, "delivered", None), (second.provider_id, "undelivered", "30005")):
        params = {"MessageSid": provider_id, "MessageStatus": status, "AccountSid": "AC1"}
        if code:
            params["ErrorCode"] = code
        assert twilio.post("/twilio/message-status", params).status_code == 204
    assert row(db, first.id).status == "delivered"
    undelivered = row(db, second.id)
    assert undelivered.status == "failed" and "30005" in undelivered.last_error


def test_cli_sends_once(app, fake_twilio, db, runner):
    queue_sms(db, datetime.now(UTC) - timedelta(seconds=1), n=2)  # the command reads the real clock
    app.cli.add_command(outbox_cli)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output and len(fake_twilio.sent) == 2
    status = runner.invoke(args=["outbox", "status"])
    assert "sent" in status.output


def test_email_goes_out_once_over_smtp(app, db, now):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                          SMTP_STARTTLS=False, SMTP_USER=None, MAIL_FROM="osl@parts.example", TWILIO_ACCOUNT_SID=None)
        message = outbox.enqueue(kind="accepted", channel="email", recipient="verksted@bil.example",
                                 subject="Branch OSL: order OSL-000001", body="Vi har mottatt bestilling OSL-000001.",
                                 now=now, idempotency_key="accepted:1")
        db.session.commit()
        assert sender.send_due(now).sent == [message.id]
        assert sender.send_due(now + timedelta(hours=1)).sent == []
    finally:
        controller.stop()
    [envelope] = received
    assert envelope.rcpt_tos == ["verksted@bil.example"]
    assert b"OSL-000001" in envelope.content
    assert row(db, message.id).status == "sent"


@pytest.mark.real_commits
def test_workers_running_at_once_send_each_row_exactly_once(app, fake_twilio, db, now):
    import threading

    rows = queue_sms(db, now, n=20)
    errors = []

    def worker():
        try:
            with app.app_context():
                for _ in range(6):
                    sender.send_due(now, limit=3)
                db.session.remove()
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(m["Body"] for m in fake_twilio.sent) == sorted(m.body for m in rows)
    assert all(row(db, m.id).status == "sent" for m in rows)
