"""Claim next and assign: the queue's own order, each person's limit, the audit trail."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, OrderEvent
from app.models.status import OrderStatus
from app.orders import dispatch
from app.orders.errors import IllegalMove, NotAllowed, OverCapacity


def test_claim_next_takes_urgent_first_then_oldest_and_skips_what_is_not_new(make, now):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari", name="Kari", hold_limit=10)
    old = make.order(branch, now=now - timedelta(minutes=50))
    newer_urgent = make.order(branch, now=now - timedelta(minutes=5), urgent=True)
    older_urgent = make.order(branch, now=now - timedelta(minutes=20), urgent=True)
    review = make.order(branch, now=now - timedelta(hours=3))
    review.status = OrderStatus.NEEDS_REVIEW  # not claimable before review
    make.order(make.branch("GOT"), now=now - timedelta(hours=5))  # another branch's
    db.session.flush()
    taken = [dispatch.claim_next(kari, now=now).reference for _ in range(3)]
    assert taken == [older_urgent.reference, newer_urgent.reference, old.reference]
    assert {o.holder_id for o in (old, newer_urgent, older_urgent)} == {kari.id}
    with pytest.raises(NotAllowed, match="No new order is waiting"):
        dispatch.claim_next(kari, now=now)


def test_claim_next_stops_at_the_limit_before_choosing(make, now):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari", name="Kari", hold_limit=1)
    first = make.order(branch, now=now - timedelta(minutes=9))
    second = make.order(branch, now=now - timedelta(minutes=5))
    dispatch.claim_next(kari, now=now)
    with pytest.raises(OverCapacity, match=f"Kari holds 1 of 1 orders.*{first.reference}"):
        dispatch.claim_next(kari, now=now)
    assert second.status == OrderStatus.NEW and second.holder_id is None


def test_a_manager_assigns_and_reassigns_within_the_persons_limit_and_it_is_audited(make, now):
    branch = make.branch("OSL")
    maria = make.staff(branch, login="maria", name="Maria", role="manager")
    kari = make.staff(branch, login="kari", name="Kari", hold_limit=1)
    ola = make.staff(branch, login="ola", name="Ola", hold_limit=2)
    order = make.order(branch, now=now)
    other = make.order(branch, now=now)
    dispatch.assign(order, kari, by=maria, now=now)
    assert (order.status, order.holder_id) == (OrderStatus.CLAIMED, kari.id)
    with pytest.raises(OverCapacity, match="Kari holds 1 of 1"):
        dispatch.assign(other, kari, by=maria, now=now)
    assert other.status == OrderStatus.NEW
    with pytest.raises(IllegalMove, match="holds .* already"):
        dispatch.assign(order, kari, by=maria, now=now)
    dispatch.assign(order, ola, by=maria, now=now + timedelta(minutes=1))
    assert order.holder_id == ola.id
    db.session.flush()
    events = [(e.action, e.actor_id, e.reason) for e in db.session.query(OrderEvent).filter_by(order_id=order.id)
              if e.action in ("assigned", "reassigned")]
    assert events == [("assigned", maria.id, "Assigned to Kari."),
                      ("reassigned", maria.id, "Reassigned from Kari to Ola.")]
    audit = [a.detail for a in db.session.query(AuditEvent).filter_by(action="assign").order_by(AuditEvent.id)]
    assert audit == [f"{order.reference}: to Kari", f"{order.reference}: from Kari to Ola"]


def test_only_a_manager_assigns_and_only_to_someone_of_the_branch(make, now):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari", name="Kari")
    maria = make.staff(branch, login="maria", name="Maria", role="manager")
    stranger = make.staff(make.branch("GOT"), login="sven", name="Sven")
    order = make.order(branch, now=now)
    with pytest.raises(NotAllowed, match="Only a manager"):
        dispatch.assign(order, kari, by=kari, now=now)
    with pytest.raises(NotAllowed, match="Sven does not work at this order's branch"):
        dispatch.assign(order, stranger, by=maria, now=now)
    order.status = OrderStatus.DONE
    with pytest.raises(IllegalMove, match="cannot be assigned: it is done"):
        dispatch.assign(order, kari, by=maria, now=now)
