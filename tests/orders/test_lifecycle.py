from datetime import timedelta

import pytest

from app.models import Order, OrderEvent
from app.orders import lifecycle, service
from app.orders.errors import IllegalMove, NotAllowed


def test_every_move_writes_an_event(db, make, now):
    branch = make.branch()
    kari = make.staff(branch, name="Kari")
    order = make.order(branch, now=now)
    service.claim(order, kari, now=now + timedelta(minutes=1))
    service.mark_ready(order, kari, now=now + timedelta(minutes=5))
    service.mark_done(order, kari, now=now + timedelta(minutes=9))
    db.session.commit()
    events = db.session.query(OrderEvent).filter_by(order_id=order.id).order_by(OrderEvent.id).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("received", None, "new"), ("claimed", "new", "claimed"), ("ready", "claimed", "ready"), ("done", "ready", "done")]
    assert events[1].actor_label == "Kari (%s)" % kari.login
    assert order.claimed_at == now + timedelta(minutes=1)
    assert order.done_at == now + timedelta(minutes=9)
    assert order.holder_id == kari.id


def test_illegal_move_is_refused_with_a_sentence(db, make, now):
    branch = make.branch()
    kari = make.staff(branch)
    order = make.order(branch, now=now)
    service.cancel(order, kari, now=now, reason="Workshop found the part elsewhere")
    db.session.commit()
    with pytest.raises(IllegalMove) as info:
        service.claim(order, kari, now=now)
    assert info.value.message == f"Order {order.reference} cannot become claimed: it was cancelled."
    with pytest.raises(IllegalMove, match="not a status"):
        lifecycle.move(order, to="lost", by=kari, now=now)


def test_cancel_needs_a_reason(db, make, now):
    branch = make.branch()
    order = make.order(branch, now=now)
    with pytest.raises(NotAllowed, match="Say why"):
        service.cancel(order, None, now=now, reason="  ")
    assert order.status == "new"


def test_claimed_order_cannot_be_claimed_twice_and_only_holder_releases(db, make, now):
    branch = make.branch()
    kari, ola = make.staff(branch, name="Kari"), make.staff(branch, name="Ola")
    order = make.order(branch, now=now)
    service.claim(order, kari, now=now)
    db.session.commit()
    with pytest.raises(IllegalMove, match="already claimed by Kari"):
        service.claim(order, ola, now=now)
    with pytest.raises(NotAllowed, match="held by Kari"):
        service.release(order, ola, now=now)
    boss = make.staff(branch, role="manager")
    service.release(order, boss, now=now, reason="Kari went home")
    assert order.status == "new" and order.holder_id is None


def test_references_are_per_branch_and_sequential(db, make, now):
    osl, got = make.branch("OSL"), make.branch("GOT")
    refs = [make.order(b, now=now).reference for b in (osl, osl, got, osl)]
    assert refs == ["OSL-000001", "OSL-000002", "GOT-000001", "OSL-000003"]
    assert db.session.query(Order).count() == 4


def test_order_needing_review_is_recorded_with_its_reasons(db, make, now):
    branch = make.branch()
    order = make.order(branch, now=now, channel="email", review_reasons=["Unknown sender x@y.example."])
    assert order.status == "needs_review"
    assert "Unknown sender" in order.events[0].reason
    boss = make.staff(branch, role="manager")
    service.accept_review(order, boss, now=now)
    assert order.status == "new" and order.review_reasons == []
