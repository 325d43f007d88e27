"""The review inbox: what did not become an order is shown, handled, made an order of, or retried."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.intake import pipeline, store
from app.models import AuditEvent, InboundMessage, Order
from tests.conftest import csrf_token, login

QUESTION = (b"From: Per <per@bilverksted.example>\r\nTo: oslo@partdesk.example\r\n"
            b"Subject: Pris p\xc3\xa5 <b>bremseskiver</b>?\r\nMessage-ID: <q1@bilverksted.example>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Hei, hva koster bremseskiver til en Golf 2015? <script>alert(1)</script>\r\n")


@pytest.fixture
def desk(db, make):
    osl, got = make.branch("OSL"), make.branch("GOT")
    make.staff(osl, login="kari")
    make.staff(got, login="sven")
    make.workshop(osl, name="Bilverksted AS", emails=["per@bilverksted.example"])
    now = datetime.now(UTC)
    message_id, _ = store.store_raw(QUESTION, channel="email", branch_id=osl.id, now=now)
    pipeline.process_one(message_id, now=now)
    return message_id


def post(client, path, page):
    return client.post(path, data={"csrf_token": csrf_token(client, page)})


def test_a_question_waits_in_the_inbox_escaped_and_is_handled(client, db, desk):
    login(client, "kari")
    listing = client.get("/inbox").get_data(as_text=True)
    assert "Pris på &lt;b&gt;bremseskiver&lt;/b&gt;?" in listing and "1 message." in listing
    page = client.get(f"/inbox/{desk}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    response = post(client, f"/inbox/{desk}/handled", f"/inbox/{desk}")
    assert response.status_code == 302
    assert "Nothing waiting." in client.get("/inbox").get_data(as_text=True)
    assert "Pris på" in client.get("/inbox?show=done").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "inbox_handled")) == 1


def test_making_an_order_of_a_message_happens_once_and_goes_to_review(client, db, desk):
    login(client, "kari")
    first = post(client, f"/inbox/{desk}/make-order", f"/inbox/{desk}")
    order = db.session.scalars(select(Order)).one()
    assert first.headers["Location"] == f"/orders/{order.reference}/review"
    assert order.status == "needs_review" and order.inbound_message_id == desk
    assert "review inbox" in order.review_reasons[0]
    again = post(client, f"/inbox/{desk}/make-order", f"/inbox/{desk}")
    assert again.headers["Location"] == f"/orders/{order.reference}/review"
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_a_failed_message_is_shown_and_can_be_tried_again(client, db, desk, monkeypatch):
    raw = QUESTION.replace(b"<q1@", b"<q2@").replace(b"hva koster", b"trenger 2 stk")
    now = datetime.now(UTC)
    message_id, _ = store.store_raw(raw, channel="email", branch_id=desk and db.session.get(
        InboundMessage, desk).branch_id, now=now)

    def broken(raw, channel, catalogue=None):
        raise RuntimeError("parser fell over")
    monkeypatch.setattr(pipeline, "parse", broken)
    assert pipeline.process_one(message_id, now=now) == "failed"
    monkeypatch.undo()
    login(client, "kari")
    assert "Could not be read: RuntimeError: parser fell over" in client.get("/inbox").get_data(as_text=True)
    post(client, f"/inbox/{message_id}/retry", f"/inbox/{message_id}")
    db.session.expire_all()
    assert db.session.get(InboundMessage, message_id).status == "processed"


def test_staff_of_another_branch_cannot_open_it(client, desk):
    login(client, "sven")
    assert client.get(f"/inbox/{desk}").status_code == 403
    assert "Nothing waiting." in client.get("/inbox").get_data(as_text=True)
