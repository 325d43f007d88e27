"""Capacity controls called as plain functions, with no request: refusals, audit and admitting held orders."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent
from app.orders import controls
from app.orders.errors import NotAllowed
from app.models.status import OrderStatus


def test_only_a_manager_changes_capacity(db, make, now):
    branch = make.branch(hourly_limit=5)
    kari = make.staff(branch)
    with pytest.raises(NotAllowed, match="Only a manager"):
        controls.set_branch_limits(branch.id, by=kari, now=now, hourly_limit=50)
    with pytest.raises(NotAllowed, match="Only a manager"):
        controls.set_paused(branch.id, True, by=kari, now=now)
    with pytest.raises(NotAllowed, match="Only a manager"):
        controls.set_staff_limit(kari.id, 9, by=kari, now=now)
    db.session.rollback()
    assert branch.hourly_limit == 5 and not branch.paused and kari.hold_limit is None


def test_refusals_name_what_is_wrong(db, make, now):
    branch = make.branch()
    boss = make.staff(branch, role="manager")
    with pytest.raises(NotAllowed, match="next_seq cannot be changed here"):
        controls.set_branch_limits(branch.id, by=boss, now=now, next_seq=1)
    with pytest.raises(NotAllowed, match="either hold or redirect"):
        controls.set_branch_limits(branch.id, by=boss, now=now, overflow_policy="drop")
    with pytest.raises(NotAllowed, match="cannot be negative"):
        controls.set_branch_limits(branch.id, by=boss, now=now, open_limit=-1)
    with pytest.raises(NotAllowed, match="has no backup supplier"):
        controls.set_branch_limits(branch.id, by=boss, now=now, overflow_policy="redirect")


def test_raising_a_limit_admits_held_orders_and_writes_the_change(db, make, now):
    branch = make.branch(hourly_limit=1)
    boss = make.staff(branch, role="manager")
    first = make.order(branch, now=now)
    second = make.order(branch, now=now + timedelta(minutes=1))
    assert (first.status, second.status) == (OrderStatus.NEW, OrderStatus.HELD)
    changes, promoted = controls.set_branch_limits(branch.id, by=boss, now=now + timedelta(minutes=2), hourly_limit=2,
                                                   open_limit=None)
    db.session.commit()
    assert changes == ["hourly_limit: 1 -> 2"]
    assert promoted == [second] and second.status == OrderStatus.NEW
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.branch_id == branch.id)).all()
    assert [(a.action, a.detail) for a in audit] == [("limit_changed", "hourly_limit: 1 -> 2")]
    assert controls.set_branch_limits(branch.id, by=boss, now=now, hourly_limit=2) == ([], [])


def test_pause_and_resume(db, make, now):
    branch = make.branch(hourly_limit=10)
    boss = make.staff(branch, role="manager")
    assert controls.set_paused(branch.id, True, by=boss, now=now) == (True, [])
    held = make.order(branch, now=now)
    assert held.status == OrderStatus.HELD
    assert controls.set_paused(branch.id, True, by=boss, now=now) == (False, [])
    changed, promoted = controls.set_paused(branch.id, False, by=boss, now=now + timedelta(minutes=1))
    assert changed and promoted == [held]


def test_staff_limit_and_branch_lookup(db, make, now):
    branch = make.branch(code="BGO")
    boss = make.staff(branch, role="manager")
    kari = make.staff(branch, login="kari")
    assert controls.set_staff_limit(kari.id, 2, by=boss, now=now) == "kari hold_limit: branch default -> 2"
    assert controls.set_staff_limit(kari.id, 2, by=boss, now=now) is None
    assert controls.set_staff_limit(kari.id, None, by=boss, now=now) == "kari hold_limit: 2 -> branch default"
    assert controls.branch_by_code("bgo") is branch
    assert controls.branch_by_code("") is None
