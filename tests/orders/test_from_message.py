"""The one mapping from a reading (the parse contract's JSON) to an OrderInput, and the channels that use it."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.intake import pipeline, store
from app.reading.parse import parse_bytes
from app.models import InboundMessage, Order
from app.orders import from_message
from app.models.status import OrderStatus
from app.phone import extract
from tests.conftest import csrf_token, login

MAIL = (b"From: Per <per@bilverksted.example>\r\nTo: oslo@partdesk.example\r\nSubject: Bestilling\r\n"
        b"Message-ID: <o1@bilverksted.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hei, vi trenger 2 stk 0 986 494 123 bremseklosser til AB12345. Levering.\r\nMvh Per\r\n")
TEXT = "Hei, vi trenger 2 stk 0 986 494 123 bremseklosser til AB12345. Levering."


def test_values_are_bounded_to_their_columns_and_closed_sets():
    data = from_message.order_input({
        "lines": [{"part_number": " " + "9" * 80, "description": "x" * 400, "quantity": 0},
                  {"part_number": "W 713/16", "description": None, "quantity": "lots"},
                  {"part_number": "A", "quantity": 10 ** 9}, "not a line"],
        "plate": "AB12345" * 5, "vin": "W" * 30, "customer_reference": "r" * 70, "fulfilment": "by drone",
        "urgent": 1, "language": "nb-NO-x", "confidence": 0.8}, channel="sms", contact_phone="+47" + "9" * 30)
    assert [(ln.part_number, ln.description, ln.quantity) for ln in data.lines] == [
        ("9" * 64, "x" * 300, 1), ("W 713/16", None, 1), ("A", None, from_message.MAX_QUANTITY)]
    assert (len(data.plate), len(data.vin), len(data.customer_reference), len(data.contact_phone)) == (20, 17, 64, 20)
    assert data.fulfilment is None and data.urgent is True and data.language == "nb-NO" and data.confidence == 0.8
    assert from_message.order_input({"fulfilment": "pickup"}, channel="email").fulfilment == "pickup"


def test_reasons_keep_the_readers_then_the_callers_and_never_leave_review_without_one():
    unclear = from_message.order_input({"needs_review": True, "review_reasons": []}, channel="email")
    assert unclear.review_reasons == [from_message.UNCLEAR]
    both = from_message.order_input({"needs_review": True, "review_reasons": ["Low confidence 0.41"]},
                                    channel="email", review_reasons=["Unknown sender x", "Low confidence 0.41"])
    assert both.review_reasons == ["Low confidence 0.41", "Unknown sender x"]
    assert from_message.order_input({"needs_review": False}, channel="email").review_reasons == []


def test_no_reading_or_a_malformed_one_is_an_empty_order_for_a_person():
    for reading in (None, [], {"lines": "2 x filter", "review_reasons": "bad", "confidence": "high"}):
        data = from_message.order_input(reading, channel="voicemail", review_reasons=["Listen to it"])
        assert data.lines == [] and data.confidence is None and data.review_reasons == ["Listen to it"]


def test_mail_and_sms_of_the_same_text_give_the_same_order():
    """The same words read by mail and by SMS map through the same function to the same lines and fields."""
    mail = from_message.order_input(pipeline.json_safe(parse_bytes(MAIL, "email").to_dict()), channel="email")
    sms = extract.read_text(TEXT, sms_from="+4790000001").order
    assert mail.lines and [vars(ln) for ln in mail.lines] == [vars(ln) for ln in sms.lines]
    assert (mail.plate, mail.fulfilment, mail.urgent) == (sms.plate, sms.fulfilment, sms.urgent) == \
        ("AB12345", "delivery", False)


def test_an_order_made_in_the_review_inbox_maps_the_stored_reading(client, db, make):
    """Staff making an order of a stored message get what the worker would have made of the reading,
    bounded: a stored reading with a too-long plate and a zero quantity is stored without error."""
    osl = make.branch("OSL")
    make.staff(osl, login="kari")
    now = datetime.now(UTC)
    message_id, _ = store.store_raw(MAIL, channel="email", branch_id=osl.id, now=now)
    message = db.session.get(InboundMessage, message_id)
    message.status, message.kind = "processed", "other"
    message.parsed = {"kind": "other", "plate": "AB12345" * 4, "fulfilment": "pickup", "needs_review": True,
                      "review_reasons": [], "lines": [{"part_number": "0 986 494 123", "description": "klosser",
                                                       "quantity": 0}]}
    db.session.commit()
    login(client, "kari")
    client.post(f"/inbox/{message_id}/make-order", data={"csrf_token": csrf_token(client, f"/inbox/{message_id}")})
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.NEEDS_REVIEW and order.plate == ("AB12345" * 4)[:20]
    assert order.fulfilment == "pickup"
    assert [(ln.part_number, ln.quantity) for ln in order.lines] == [("0 986 494 123", 1)]
    assert order.review_reasons[0].startswith("Made into an order by staff")
