"""Every status change a workshop should hear about makes exactly one outbox row; others none."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OutboxMessage
from app.notify import messages
from app.notify.sms import record_opt
from app.orders import service
from app.orders.unit_of_work import UnitOfWork

MOBILE = "+4790000001"


def outbox(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def setup(make):
    branch = make.branch("OSL", language="no", backup_name="Reserve AS", backup_phone="+4723000000")
    workshop = make.workshop(branch, phones=[MOBILE], emails=["verksted@bil.example"])
    staff = make.staff(branch, login="kari")
    return branch, workshop, staff


def test_a_phone_order_taken_by_staff_is_confirmed_by_sms(setup, make, db, now):
    branch, workshop, _ = setup
    order = make.order(branch, now=now, workshop_id=workshop.id)
    [message] = outbox(db)
    assert (message.kind, message.channel, message.recipient, message.order_id) == ("accepted", "sms", MOBILE, order.id)
    assert message.body == messages.text("no", "accepted", branch=branch.name, ref=order.reference)
    assert message.idempotency_key == f"accepted:{order.id}"


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_orders_acknowledged_by_their_own_channel_are_not_confirmed_again(setup, make, db, now, channel):
    branch, workshop, _ = setup
    make.order(branch, now=now, workshop_id=workshop.id, channel=channel)
    make.order(branch, now=now, workshop_id=workshop.id, channel=channel, review_reasons=["unclear"])
    assert outbox(db) == []


def test_held_email_order_is_told_the_estimate(setup, make, db, now):
    branch, workshop, _ = setup
    branch.open_limit = 0
    db.session.commit()
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    [message] = outbox(db)
    assert order.status == "held" and message.kind == "held"
    assert messages.local_time(order.estimate_at, branch.timezone) in message.body


def test_review_accepted_then_ready_for_pickup_then_done(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email", review_reasons=["unclear"],
                       fulfilment="pickup")
    service.accept_review(order, staff, now=now + timedelta(minutes=1))
    service.claim(order, staff, now=now + timedelta(minutes=2))
    service.mark_ready(order, staff, now=now + timedelta(minutes=3))
    service.mark_done(order, staff, now=now + timedelta(minutes=4))
    db.session.commit()
    assert [m.kind for m in outbox(db)] == ["accepted", "ready_pickup"]


def test_ready_for_delivery_is_dispatched(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email", fulfilment="delivery")
    service.claim(order, staff, now=now)
    service.mark_ready(order, staff, now=now + timedelta(minutes=1))
    db.session.commit()
    [message] = outbox(db)
    assert message.kind == "dispatched" and order.reference in message.body


def test_redirect_names_the_backup_supplier(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    service.redirect(order, staff, now=now)
    db.session.commit()
    [message] = outbox(db)
    assert message.kind == "redirected" and "Reserve AS" in message.body and "+4723000000" in message.body


def test_cancellation_gives_the_reason(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    service.cancel(order, staff, now=now, reason="Ikke på lager hos leverandør")
    db.session.commit()
    [message] = outbox(db)
    assert message.kind == "cancelled" and "Ikke på lager hos leverandør" in message.body


def test_held_order_admitted_when_room_frees_up_is_accepted(setup, make, db, now):
    branch, workshop, staff = setup
    branch.open_limit = 1
    db.session.commit()
    first = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    second = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    assert second.status == "held"
    service.cancel(first, staff, now=now + timedelta(minutes=5), reason="Duplikat")
    db.session.commit()
    assert [(m.kind, m.order_id) for m in outbox(db)] == [("held", second.id), ("cancelled", first.id),
                                                         ("accepted", second.id)]


def test_claim_and_release_say_nothing(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    service.claim(order, staff, now=now)
    service.release(order, staff, now=now)
    db.session.commit()
    assert outbox(db) == []


def test_without_a_mobile_the_first_email_gets_it_in_the_orders_language(make, db, now):
    branch = make.branch("STO", language="sv")
    workshop = make.workshop(branch, emails=["a@verkstad.example", "b@verkstad.example"])
    order = make.order(branch, now=now, workshop_id=workshop.id, language="de")
    [message] = outbox(db)
    assert (message.channel, message.recipient) == ("email", "a@verkstad.example")
    assert message.body == messages.text("de", "accepted", branch=branch.name, ref=order.reference)
    assert message.subject == messages.text("de", "subject", branch=branch.name, ref=order.reference)


def test_a_mobile_that_said_stop_gets_email_instead(setup, make, db, now):
    branch, workshop, _ = setup
    record_opt(MOBILE, out=True, branch_id=branch.id, now=now)
    db.session.commit()
    make.order(branch, now=now, workshop_id=workshop.id)
    [message] = outbox(db)
    assert (message.channel, message.recipient) == ("email", "verksted@bil.example")


def test_a_rolled_back_change_leaves_no_message(setup, make, db, now):
    branch, workshop, staff = setup
    order = make.order(branch, now=now, workshop_id=workshop.id, channel="email")
    with UnitOfWork():  # left without a commit
        service.cancel(order, staff, now=now, reason="test")
        db.session.flush()
        assert [m.kind for m in outbox(db)] == ["cancelled"]
    assert outbox(db) == []
