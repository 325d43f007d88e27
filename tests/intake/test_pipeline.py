"""Stored message -> order, follow-up note, cancellation flag, or the review inbox (real parser)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.intake import pipeline
from app.intake.store import store_raw
from app.models import InboundMessage, Mailbox, Order, OrderEvent, OutboxMessage
from tests.intake.mail import email


@pytest.fixture
def branch(make):
    return make.branch("OSL", name="Oslo sentrum", backup_name="Reservedeler Syd")


@pytest.fixture
def workshop(make, branch):
    return make.workshop(branch, name="Ola Verksted AS", emails=["post@verksted.test"])


@pytest.fixture
def store(db, branch):
    box = Mailbox(branch_id=branch.id, name="osl", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    box_id, branch_id = box.id, branch.id

    def _store(raw: bytes) -> int:
        message_id, _created = store_raw(raw, channel="email", branch_id=branch_id, mailbox_id=box_id, now=_now())
        return message_id
    return _store


def _now():
    from datetime import UTC, datetime

    return datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def run(db, message_id):
    outcome = pipeline.process_one(message_id, now=_now())
    db.session.expire_all()
    return outcome, db.session.get(InboundMessage, message_id)


def test_an_order_from_a_known_workshop_is_queued_and_acknowledged(db, workshop, store):
    outcome, message = run(db, store(email()))
    assert outcome == "order" and message.status == "processed" and message.kind == "order"
    order = db.session.get(Order, message.order_id)
    assert order.status == "new" and order.channel == "email" and order.workshop_id == workshop.id
    assert order.inbound_message_id == message.id and order.language == "no"
    assert [(line.part_number, line.quantity) for line in order.lines] == [("0 986 494 123", 2)]
    assert message.parsed["kind"] == "order" and message.parsed["ack"] == "queued in no"
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    assert ack.recipient == "post@verksted.test" and ack.subject.startswith(f"[{order.reference}] ")
    assert ack.headers["Auto-Submitted"] == "auto-replied" and ack.idempotency_key == f"ack:{message.id}"


def test_processing_twice_makes_one_order(db, workshop, store):
    message_id = store(email())
    assert run(db, message_id)[0] == "order"
    assert run(db, message_id)[0] == "skipped"
    # even if a crash had lost only the status, the unique inbound link keeps it to one order
    db.session.get(InboundMessage, message_id).status = "stored"
    db.session.commit()
    assert run(db, message_id)[0] == "order"
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_an_unknown_sender_is_never_accepted_automatically(db, workshop, store):
    _outcome, message = run(db, store(email(sender="someone@elsewhere.test")))
    order = db.session.get(Order, message.order_id)
    assert order.status == "needs_review" and order.workshop_id is None
    assert "Unknown sender someone@elsewhere.test: not a known workshop address." in order.review_reasons


def test_sender_matched_by_domain(db, workshop, store):
    _outcome, message = run(db, store(email(sender="lager@verksted.test")))
    order = db.session.get(Order, message.order_id)
    assert order.workshop_id == workshop.id and order.status == "new"


def test_failed_authentication_goes_to_review_and_gets_no_reply(db, workshop, store):
    raw = email(headers={"Authentication-Results": "mx.partdesk.test; spf=fail smtp.mailfrom=verksted.test; "
                                                    "dmarc=fail header.from=verksted.test"})
    _outcome, message = run(db, raw and store(raw))
    order = db.session.get(Order, message.order_id)
    assert order.status == "needs_review"
    assert any("authentication" in r.lower() for r in order.review_reasons)
    assert message.parsed["ack"].startswith("not sent")


def test_over_capacity_the_order_is_held_and_the_ack_says_so(db, workshop, store, branch):
    branch.hourly_limit = 0
    db.session.commit()
    _outcome, message = run(db, store(email()))
    order = db.session.get(Order, message.order_id)
    assert order.status == "held" and order.estimate_at is not None
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    assert "står på vent" in ack.body


def test_a_follow_up_flags_the_order_it_answers(db, workshop, store):
    _o, first = run(db, store(email()))
    order = db.session.get(Order, first.order_id)
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    reply = email(subject="Re: Bestilling mottatt", body="Når kommer delene?\n\nMvh Ola",
                  headers={"In-Reply-To": ack.headers["Message-ID"]})
    outcome, message = run(db, store(reply))
    assert outcome == "follow_up" and message.order_id == order.id
    db.session.refresh(order)
    assert order.flagged.startswith("Follow-up: Når kommer delene?")
    assert db.session.scalar(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                      OrderEvent.action == "follow_up")) is not None
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_a_cancellation_is_flagged_for_staff_not_done(db, workshop, store):
    _o, first = run(db, store(email()))
    order = db.session.get(Order, first.order_id)
    outcome, message = run(db, store(email(subject=f"Avbestilling {order.reference}",
                                           body=f"Vi må dessverre avbestille ordre {order.reference}.\n\nMvh Ola")))
    db.session.refresh(order)
    assert outcome == "cancellation" and order.status == "new"
    assert order.flagged == "Cancellation requested — confirm"


def test_a_follow_up_naming_no_order_goes_to_the_review_inbox(db, workshop, store):
    outcome, message = run(db, store(email(subject="Avbestilling OSL-009999",
                                           body="Vi må dessverre avbestille ordre OSL-009999.")))
    assert outcome == "other" and message.kind == "other" and "naming no order" in message.parsed["note"]


def test_auto_replies_and_other_mail_make_no_order_and_no_reply(db, workshop, store):
    auto = email(subject="Automatisk svar: Bestilling", body="Jeg er på ferie til 1. desember.",
                 headers={"Auto-Submitted": "auto-replied"})
    assert run(db, store(auto))[0] == "auto_reply"
    assert run(db, store(email(subject="Hello", body="Nice weather today.")))[0] == "other"
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_failure_is_recorded_and_retryable(db, workshop, store, monkeypatch):
    message_id = store(email())

    def broken(raw, channel, catalogue=None):
        raise RuntimeError("parser exploded")
    monkeypatch.setattr(pipeline, "parse", broken)
    outcome, message = run(db, message_id)
    assert outcome == "failed" and message.status == "failed" and "parser exploded" in message.error
    monkeypatch.undo()
    assert pipeline.retry_failed([message_id]) == 1
    db.session.commit()
    assert pipeline.process_pending(10) == {"order": 1}


def test_process_pending_takes_what_a_crash_left_stored(db, workshop, store):
    ids = [store(email()) for _ in range(3)]
    assert pipeline.process_pending(10) == {"order": 3}
    assert {m.status for m in db.session.scalars(select(InboundMessage).where(InboundMessage.id.in_(ids)))} == {
        "processed"}


def test_a_backup_suppliers_reply_quoting_the_reference_is_filed_on_the_order(db, branch, workshop, store):
    branch.backup_email = "Ordre@Reservedeler.test"
    db.session.commit()
    outcome, message = run(db, store(email()))
    order = db.session.get(Order, message.order_id)
    reply = email(subject=f"SV: [{order.reference}] Bestilling videresendt",
                  body="Hei, vi sender delene i dag med bil 3.\n\nMvh Reservedeler Syd",
                  sender="Reservedeler Syd <ordre@reservedeler.test>")
    outcome, message = run(db, store(reply))
    assert outcome == "follow_up" and message.order_id == order.id
    db.session.refresh(order)
    assert order.flagged.startswith("Reply from the backup supplier")
    note = order.events[-1]
    assert note.action == "backup_reply" and "sender delene i dag" in note.reason
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1  # not a new order
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "ack")) == 1


def test_the_catalogue_gives_the_part_number_for_an_ean_only_line(db, workshop, store):
    from app.models import CatalogueItem

    db.session.add(CatalogueItem(number="0 986 494 123", number_norm="0986494123", brand="Bosch",
                                 description="Bremseklosser", ean="4047025123457"))
    db.session.commit()
    outcome, message = run(db, store(email(body="Hei\n\nTrenger 2 stk 4047025123457 til EL 12345.\n\nMvh Ola")))
    order = db.session.get(Order, message.order_id)
    assert [(line.part_number, line.quantity) for line in order.lines] == [("0 986 494 123", 2)]


def test_one_message_failing_in_a_batch_fails_alone_and_the_rest_are_made_once(db, workshop, store, monkeypatch):
    ids = [store(email()) for _ in range(3)]
    real_create = pipeline._create

    def create(message, parsed, *, now):
        order = real_create(message, parsed, now=now)  # its order is written, then undone with the failure
        if message.id == ids[1]:
            raise RuntimeError("the database said no")
        return order
    monkeypatch.setattr(pipeline, "_create", create)
    assert pipeline.process_pending(10) == {"order": 2, "failed": 1}
    db.session.expire_all()
    messages = {m.id: m for m in db.session.scalars(select(InboundMessage).where(InboundMessage.id.in_(ids)))}
    assert [messages[i].status for i in ids] == ["processed", "failed", "processed"]
    assert "the database said no" in messages[ids[1]].error and messages[ids[1]].order_id is None
    orders = db.session.scalars(select(Order).order_by(Order.id)).all()
    assert sorted(o.inbound_message_id for o in orders) == [ids[0], ids[2]]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "ack")) == 2
    # references are not burnt by the undone attempt either: the two orders are numbers 1 and 2
    assert [o.reference for o in orders] == ["OSL-000001", "OSL-000002"]


def test_a_reused_message_id_is_noted_once_when_its_batch_is_redone_message_by_message(db, workshop, store,
                                                                                      monkeypatch):
    first = store(email(message_id="<same@verksted.test>", body="Vi trenger 2 stk 0 986 494 123."))
    second = store(email(message_id="<same@verksted.test>", body="Vi trenger 3 stk 0 451 103 318."))
    broken = store(email())
    real_create = pipeline._create

    def create(message, parsed, *, now):
        if message.id == broken:
            raise RuntimeError("the database said no")
        return real_create(message, parsed, now=now)
    monkeypatch.setattr(pipeline, "_create", create)
    assert pipeline.process_pending(10) == {"order": 2, "failed": 1}
    db.session.expire_all()
    message = db.session.get(InboundMessage, second)
    assert message.parsed["note"].count(f"of message #{first}") == 1
    assert db.session.get(Order, message.order_id).notes.count(f"of message #{first}") == 1
