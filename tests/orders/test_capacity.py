from datetime import timedelta

import pytest

from app.models import AuditEvent, Order
from app.orders import capacity, service
from app.orders.errors import NotAllowed, OverCapacity


def test_staff_at_limit_cannot_claim_and_is_told_what_to_finish(db, make, now):
    branch = make.branch(staff_hold_limit=2)
    kari = make.staff(branch, name="Kari")
    orders = [make.order(branch, now=now + timedelta(minutes=i)) for i in range(3)]
    service.claim(orders[0], kari, now=now)
    service.claim(orders[1], kari, now=now)
    db.session.commit()
    with pytest.raises(OverCapacity) as info:
        service.claim(orders[2], kari, now=now)
    assert info.value.message == (
        f"Kari holds 2 of 2 orders; mark one ready or release it first (oldest: {orders[0].reference}, {orders[1].reference}).")
    db.session.rollback()
    service.mark_ready(orders[0], kari, now=now)
    service.claim(orders[2], kari, now=now)  # ready no longer counts as held
    assert orders[2].status == "claimed"


def test_personal_limit_overrides_branch_default(db, make, now):
    branch = make.branch(staff_hold_limit=5)
    trainee = make.staff(branch, name="Trainee", hold_limit=1)
    a, b = make.order(branch, now=now), make.order(branch, now=now)
    service.claim(a, trainee, now=now)
    with pytest.raises(OverCapacity, match="holds 1 of 1"):
        service.claim(b, trainee, now=now)


def test_manager_override_claims_past_the_limit_and_is_audited(db, make, now):
    branch = make.branch(staff_hold_limit=1)
    boss = make.staff(branch, role="manager", name="Maria")
    kari = make.staff(branch, name="Kari")
    a, b = make.order(branch, now=now), make.order(branch, now=now)
    service.claim(a, boss, now=now)
    service.claim(b, boss, now=now, override=True)
    assert b.events[-1].action == "override_claim"
    c = make.order(branch, now=now)
    with pytest.raises(NotAllowed):
        service.claim(c, kari, now=now, override=True)


def test_hourly_limit_holds_the_next_order_with_reason_and_estimate(db, make, now):
    branch = make.branch(hourly_limit=2, open_limit=100, overflow_policy="hold", minutes_per_order=6)
    make.staff(branch)
    first = make.order(branch, now=now)
    second = make.order(branch, now=now + timedelta(minutes=1))
    third = make.order(branch, now=now + timedelta(minutes=2))
    assert [first.status, second.status] == ["new", "new"]
    assert third.status == "held"
    assert "accepted 2 orders in the last hour, its limit is 2" in third.capacity_decision
    assert "Held as number 1 in line" in third.capacity_decision
    assert third.estimate_at > now + timedelta(minutes=2)
    assert third.admitted_at is None


def test_rolling_hour_admits_held_orders_once_the_window_moves(db, make, now):
    branch = make.branch(hourly_limit=1)
    make.order(branch, now=now)
    held = make.order(branch, now=now + timedelta(minutes=5))
    assert held.status == "held"
    promoted = service.promote_held(branch.id, now=now + timedelta(minutes=61))
    db.session.commit()
    assert promoted == [held] and held.status == "new"
    assert held.events[-1].action == "admitted"


def test_open_limit_and_redirect_policy(db, make, now):
    branch = make.branch(open_limit=1, overflow_policy="redirect", backup_name="Delepartner Øst")
    make.order(branch, now=now)
    over = make.order(branch, now=now)
    assert over.status == "redirected"
    assert "1 open orders, its limit is 1" in over.capacity_decision
    assert "Delepartner Øst" in over.capacity_decision


def test_redirect_without_backup_supplier_holds_instead(db, make, now):
    branch = make.branch(open_limit=1, overflow_policy="redirect", backup_name=None)
    make.order(branch, now=now)
    assert make.order(branch, now=now).status == "held"


def test_order_needing_review_is_never_sent_to_backup_blind(db, make, now):
    branch = make.branch(open_limit=0, overflow_policy="redirect", backup_name="Backup AS")
    order = make.order(branch, now=now, review_reasons=["Quantity unclear."])
    assert order.status == "held"
    branch.open_limit = 5
    service.promote_held(branch.id, now=now)
    assert order.status == "needs_review"


def test_paused_branch_records_everything(db, make, now):
    branch = make.branch(paused=True)
    order = make.order(branch, now=now)
    assert order.status == "held"
    assert "paused intake" in order.capacity_decision
    assert db.session.query(Order).count() == 1


def test_done_frees_room_and_promotes_oldest_urgent_first(db, make, now):
    branch = make.branch(open_limit=1)
    kari = make.staff(branch)
    first = make.order(branch, now=now)
    plain = make.order(branch, now=now + timedelta(minutes=1))
    urgent = make.order(branch, now=now + timedelta(minutes=2), urgent=True)
    assert plain.status == urgent.status == "held"
    service.claim(first, kari, now=now)
    service.mark_ready(first, kari, now=now)
    service.mark_done(first, kari, now=now + timedelta(minutes=3))
    assert urgent.status == "new" and plain.status == "held"


def test_manager_admits_held_order_past_limit(db, make, now):
    branch = make.branch(open_limit=0)
    boss = make.staff(branch, role="manager")
    kari = make.staff(branch)
    order = make.order(branch, now=now)
    with pytest.raises(NotAllowed):
        service.admit_held(order, kari, now=now)
    service.admit_held(order, boss, now=now)
    db.session.commit()
    assert order.status == "new"
    assert db.session.query(AuditEvent).filter_by(action="override_admit").count() == 1


def test_estimate_uses_measured_throughput(db, make, now):
    branch = make.branch(minutes_per_order=60)
    kari = make.staff(branch)
    assert capacity.throughput_per_hour(branch, now) == 1  # one active staff at 60 min per order
    for i in range(6):
        o = make.order(branch, now=now - timedelta(minutes=90))
        service.claim(o, kari, now=now - timedelta(minutes=80))
        service.mark_ready(o, kari, now=now - timedelta(minutes=70))
        service.mark_done(o, kari, now=now - timedelta(minutes=60 - i))
    assert capacity.throughput_per_hour(branch, now) == 3
    assert capacity.estimate_for_position(branch, 3, now) == now + timedelta(minutes=60)
