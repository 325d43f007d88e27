"""app.notify.mailer against a real local SMTP server (aiosmtpd): the transport fake."""
from __future__ import annotations

import email
import socket
from email import policy

import pytest

from app.models import OutboxMessage
from app.notify.mailer import MailNotConfigured, send_email


class Sink:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def outbox_message():
    return OutboxMessage(kind="ack", channel="email", recipient="post@verksted.test", subject="[OSL-000001] Ordre",
                         body="Takk for bestillingen.\nÆØÅ", idempotency_key="k",
                         headers={"Message-ID": "<ack.OSL-000001.ab12@partdesk>", "Auto-Submitted": "auto-replied",
                                  "In-Reply-To": "<m1@verksted.test>", "Bcc": "evil@x.test"},
                         attachments=[{"filename": "orders.csv", "content_type": "text/csv",
                                       "text": "reference;qty\nOSL-000001;2\n"}])


def test_sends_with_headers_and_csv(smtp):
    sink, port = smtp
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False, "MAIL_FROM": "osl@partdesk.test"}
    assert send_email(config, outbox_message()) == "<ack.OSL-000001.ab12@partdesk>"
    [envelope] = sink.envelopes
    assert envelope.rcpt_tos == ["post@verksted.test"]
    sent = email.message_from_bytes(envelope.content, policy=policy.default)
    assert sent["From"] == "osl@partdesk.test" and sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<m1@verksted.test>" and sent["Bcc"] is None
    assert "ÆØÅ" in sent.get_body(("plain",)).get_content()
    [csv] = list(sent.iter_attachments())
    assert csv.get_filename() == "orders.csv" and "OSL-000001;2" in csv.get_content()


def test_without_smtp_host_nothing_is_sent():
    with pytest.raises(MailNotConfigured):
        send_email({"SMTP_HOST": None}, outbox_message())


def test_a_refused_connection_raises(smtp):
    _sink, port = smtp
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(OSError):
        send_email({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": closed, "SMTP_STARTTLS": False}, outbox_message())
