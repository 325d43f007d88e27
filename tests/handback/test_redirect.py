"""Overflow to the backup supplier: exactly one backup email per redirected order, by hand or by policy."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from app.handback.redirect import redirect_orders
from app.models import Order, OrderEvent, OutboxMessage
from app.orders import service
from app.orders.backup_reply import attach_backup_reply
from tests.conftest import csrf_token, login

M = timedelta(minutes=1)
BACKUP = "ordre@delepartner.example"


def _branch(make, **kw):
    return make.branch("OSL", name="Oslo Alnabru", backup_name="Delepartner Øst AS", backup_email=BACKUP,
                       backup_phone="+4722999999", inbound_email="oslo@partdesk.example", **kw)


def _outbox(kind, order_id=None):
    stmt = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if order_id is not None:
        stmt = stmt.where(OutboxMessage.order_id == order_id)
    from app.extensions import db

    return list(db.session.scalars(stmt.order_by(OutboxMessage.id)))


def test_manager_redirects_ticked_orders_one_backup_email_each(client, db, make, now):
    osl = _branch(make)
    make.staff(osl, role="manager", login="boss")
    shop = make.workshop(osl, number="10023", name="Bilverksted AS", emails=["post@bilverksted.example"])
    orders = [make.order(osl, now=now + i * M, workshop_id=shop.id, channel="web", plate="AB12345",
                         vin="WVWZZZ1JZXW000001", urgent=(i == 0), fulfilment="delivery", contact_name="Per",
                         lines=(("0 986 494 123", "Bremseklosser", 2), ("=cmd", "Olje", 4)))
              for i in range(3)]
    login(client, "boss")
    page = client.get("/manager/branches/OSL/orders").get_data(as_text=True)
    assert all(o.reference in page for o in orders)
    token = csrf_token(client, "/manager/branches/OSL/orders")
    response = client.post("/manager/branches/OSL/orders",
                           data={"csrf_token": token, "orders": [orders[0].id, orders[2].id], "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert [o.status for o in db.session.scalars(select(Order).order_by(Order.id))] == ["redirected", "new", "redirected"]

    backup = _outbox("backup")
    assert [m.order_id for m in backup] == [orders[0].id, orders[2].id]
    mail = backup[0]
    assert mail.recipient == BACKUP and mail.channel == "email" and mail.idempotency_key == f"backup:{orders[0].id}"
    for needle in (orders[0].reference, "Bilverksted AS", "customer number 10023", "Per", "post@bilverksted.example",
                   "AB12345", "WVWZZZ1JZXW000001", "YES", "delivery", "2 x 0 986 494 123  Bremseklosser"):
        assert needle in mail.body, needle
    assert mail.headers["Reply-To"] == "oslo@partdesk.example"
    (attachment,) = mail.attachments
    assert attachment["filename"] == f"{orders[0].reference}.csv" and attachment["content_type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(attachment["text"].lstrip("\ufeff"))))
    assert rows[0] == ["reference", "line", "part_number", "description", "quantity"]
    assert rows[2] == [orders[0].reference, "2", "'=cmd", "Olje", "4"]

    # the workshop hears once per redirected order (the notification rules), and an OrderEvent is written
    for order in (orders[0], orders[2]):
        assert len(_outbox("redirected", order.id)) == 1
        assert db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                           OrderEvent.to_status == "redirected")).one()
    assert _outbox("redirected", orders[1].id) == []


def test_taken_back_and_redirected_again_still_one_backup_email(db, make, now):
    osl = _branch(make)
    boss = make.staff(osl, role="manager", login="boss")
    order = make.order(osl, now=now)
    redirect_orders(osl, [order.id], by=boss, now=now + M)
    db.session.commit()
    from app.orders import lifecycle

    lifecycle.move(order, to="new", by=boss, now=now + 2 * M)  # taken back
    db.session.commit()
    result = redirect_orders(osl, [order.id], by=boss, now=now + 3 * M)
    db.session.commit()
    assert result.redirected == [order.reference]
    assert len(_outbox("backup", order.id)) == 1


def test_policy_redirect_sends_the_backup_email_too(db, make, now):
    osl = _branch(make, overflow_policy="redirect", hourly_limit=1)
    first = make.order(osl, now=now)
    second = make.order(osl, now=now + M)
    third = make.order(osl, now=now + 2 * M)
    assert (first.status, second.status, third.status) == ("new", "redirected", "redirected")
    assert [m.order_id for m in _outbox("backup")] == [second.id, third.id]


def test_refusals_are_one_by_one_with_reasons(db, make, now):
    osl = _branch(make)
    got = make.branch("GOT", backup_name="Syd", backup_email="syd@example.com")
    boss = make.staff(osl, role="manager", login="boss")
    kari = make.staff(osl, login="kari")
    done = make.order(osl, now=now)
    service.claim(done, kari, now=now)
    service.mark_ready(done, kari, now=now)
    service.mark_done(done, kari, now=now)
    elsewhere = make.order(got, now=now)
    fine = make.order(osl, now=now)
    result = redirect_orders(osl, [done.id, elsewhere.id, fine.id], by=boss, now=now + M)
    db.session.commit()
    assert result.redirected == [fine.reference]
    assert dict(result.refused)[done.reference].endswith("it is already done.")
    assert "GOT" in dict(result.refused)[elsewhere.reference]
    assert len(_outbox("backup")) == 1


def test_without_backup_email_the_order_notes_to_phone(db, make, now):
    osl = make.branch("OSL", backup_name="Delepartner", backup_phone="+4722999999")
    boss = make.staff(osl, role="manager", login="boss")
    order = make.order(osl, now=now)
    redirect_orders(osl, [order.id], by=boss, now=now + M)
    db.session.commit()
    assert _outbox("backup") == []
    note = db.session.scalars(select(OrderEvent).where(OrderEvent.action == "backup_not_emailed")).one()
    assert "+4722999999" in note.reason


def test_staff_cannot_redirect(client, db, make, now):
    osl = _branch(make)
    make.staff(osl, login="kari")
    order = make.order(osl, now=now)
    login(client, "kari")
    assert client.get("/manager/branches/OSL/orders").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/manager/branches/OSL/orders", data={"csrf_token": token or "", "orders": [order.id]}).status_code in (400, 403)
    assert _outbox("backup") == []


def test_backup_reply_is_filed_with_the_order(db, make, now):
    osl = _branch(make)
    order = make.order(osl, now=now)
    found = attach_backup_reply(order.reference.lower(), "We ship today, 14:00.", "ordre@delepartner.example", now=now + M)
    db.session.commit()
    assert found.id == order.id
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.action == "backup_reply")).one()
    assert "We ship today" in event.reason and "ordre@delepartner.example" in event.reason
    assert attach_backup_reply("OSL-999999", "?", None, now=now) is None
