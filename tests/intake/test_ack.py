"""Acknowledgements: the workshop's language, the queue position or capacity decision, loop safety."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.intake import pipeline
from app.intake.store import store_raw
from app.models import InboundMessage, Order, OutboxMessage
from tests.intake.mail import email

ORDERS = {
    "no": ("Bestilling", "Hei\n\nVi trenger 2 stk bremseklosser 0 986 494 123.\n\nMvh Ola", "Takk for bestillingen"),
    "sv": ("Beställning", "Hej\n\nVi behöver 4 st oljefilter W 712/75.\n\nMvh Sven", "Tack för din beställning"),
    "da": ("Bestilling", "Hej\n\nVi skal bruge 2 stk bremseklodser GDB1956.\n\nVenlig hilsen", "Tak for din bestilling"),
    "fi": ("Tilaus", "Hei\n\nTarvitsemme 2 kpl jarrupalat GDB1956.\n\nTerveisin Matti", "Kiitos tilauksestasi"),
    "de": ("Bestellung", "Hallo\n\nWir brauchen 2 Stück Bremsbeläge GDB1956.\n\nMit freundlichen Grüßen",
           "Vielen Dank für Ihre Bestellung"),
    "en": ("Order", "Hi\n\nPlease send 2 x brake pads GDB1956.\n\nThanks", "Thank you for your order"),
}


@pytest.fixture
def branch(make):
    return make.branch("OSL", name="Oslo sentrum", backup_name="Reservedeler Syd")


@pytest.fixture
def workshop(make, branch):
    return make.workshop(branch, emails=["post@verksted.test"])


@pytest.fixture
def deliver(db, branch, now):
    branch_id = branch.id

    def _deliver(raw: bytes, at=None) -> InboundMessage:
        message_id, _ = store_raw(raw, channel="email", branch_id=branch_id, now=at or now)
        pipeline.process_one(message_id, now=at or now)
        db.session.expire_all()
        return db.session.get(InboundMessage, message_id)
    return _deliver


def acks(db):
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ack").order_by(OutboxMessage.id)))


@pytest.mark.parametrize("language", sorted(ORDERS))
def test_the_ack_is_in_the_language_the_workshop_wrote(db, workshop, deliver, language):
    subject, body, thanks = ORDERS[language]
    message = deliver(email(subject=subject, body=body))
    order = db.session.get(Order, message.order_id)
    [ack] = acks(db)
    assert thanks in ack.body, ack.body
    assert ack.subject.startswith(f"[{order.reference}] ") and order.reference in ack.body
    assert "GDB1956" in ack.body or "W 712/75" in ack.body or "0 986 494 123" in ack.body
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["Message-ID"].startswith(f"<ack.{order.reference}.")
    assert ack.headers["In-Reply-To"].endswith("@verksted.test>")


def test_queue_position_and_estimate(db, workshop, deliver, make, branch, now):
    make.order(branch, now=now - timedelta(minutes=5))
    make.order(branch, now=now - timedelta(minutes=4))
    deliver(email())
    [ack] = acks(db)
    assert "Du er nummer 3 i køen" in ack.body and "rundt" in ack.body


def test_redirected_names_the_backup_supplier(db, workshop, deliver, branch):
    branch.hourly_limit, branch.overflow_policy = 0, "redirect"
    db.session.commit()
    deliver(email())
    assert "Reservedeler Syd" in acks(db)[0].body


def test_review_says_we_will_come_back(db, make, branch, deliver):
    deliver(email(sender="new@unknown.test"))
    assert "Vi sjekker bestillingen og kommer tilbake til deg." in acks(db)[0].body


@pytest.mark.parametrize("headers, sender", [
    ({"Auto-Submitted": "auto-generated"}, "post@verksted.test"),
    ({"Precedence": "bulk"}, "post@verksted.test"),
    ({"Precedence": "list"}, "post@verksted.test"),
    ({"Precedence": "junk"}, "post@verksted.test"),
    ({"List-Id": "<parts.lists.verksted.test>"}, "post@verksted.test"),
    ({"X-Auto-Response-Suppress": "All"}, "post@verksted.test"),
    ({}, "MAILER-DAEMON@verksted.test"),
    ({}, "postmaster@verksted.test"),
    ({}, "no-reply@verksted.test"),
    ({}, "noreply@verksted.test"),
])
def test_no_reply_where_it_could_loop(db, workshop, deliver, headers, sender):
    message = deliver(email(headers=headers, sender=sender))
    assert acks(db) == []
    if message.kind == "order":  # the parser may call it an order: then it stays one, unanswered
        assert message.parsed["ack"].startswith("not sent")


def test_no_reply_to_an_auto_reply(db, workshop, deliver):
    deliver(email(subject="Automatisk svar: Bestilling", body="Jeg er på ferie.",
                  headers={"Auto-Submitted": "auto-replied"}))
    assert acks(db) == []


def test_at_most_five_replies_per_sender_per_hour(db, workshop, deliver, now):
    for i in range(7):
        deliver(email(), at=now + timedelta(minutes=i))
    assert len(acks(db)) == 5
    deliver(email(), at=now + timedelta(minutes=61))
    assert len(acks(db)) == 6
    assert db.session.scalar(select(func.count()).select_from(Order)) == 8


@pytest.mark.parametrize("headers, sender", [
    ({"Auto-Submitted": "auto-generated"}, "post@verksted.test"),
    ({"Precedence": "bulk"}, "post@verksted.test"),
    ({"List-Id": "<parts.lists.verksted.test>"}, "post@verksted.test"),
    ({"X-Autoreply": "yes"}, "post@verksted.test"),
    ({"Return-Path": "<>"}, "post@verksted.test"),
    ({}, "mailer-daemon@verksted.test"),
    ({}, "do-not-reply@verksted.test"),
])
def test_the_header_rules_hold_even_when_the_parser_calls_it_an_order(app, headers, sender, now):
    """ack.refusal checks the raw headers itself, not only the parser's flags."""
    from app.intake.ack import refusal
    from app.reading.parse import parse_bytes

    raw = email(headers=headers, sender=sender)
    parsed = parse_bytes(raw, "email")
    parsed.kind, parsed.auto_submitted, parsed.bulk, parsed.is_bounce = "order", False, False, False
    assert refusal(parsed, raw, sender, now=now) is not None
    assert refusal(parsed, email(), "post@verksted.test", now=now) is None
