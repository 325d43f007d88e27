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


# Every move out of a held status (claimed, ready), as the service makes it: (action, from, to, call).
HELD_MOVES = [
    ("release", "claimed", "new", lambda o, s, now: service.release(o, s, now=now)),
    ("ready", "claimed", "ready", lambda o, s, now: service.mark_ready(o, s, now=now)),
    ("cancel", "claimed", "cancelled", lambda o, s, now: service.cancel(o, s, now=now, reason="Found elsewhere")),
    ("redirect", "claimed", "redirected", lambda o, s, now: service.redirect(o, s, now=now)),
    ("done", "ready", "done", lambda o, s, now: service.mark_done(o, s, now=now)),
    ("claim", "ready", "claimed", lambda o, s, now: service.claim(o, s, now=now)),
    ("cancel", "ready", "cancelled", lambda o, s, now: service.cancel(o, s, now=now, reason="Found elsewhere")),
]
# who acts -> may they change an order Kari holds?
ROLES = {"holder": True, "other staff": False, "manager": True, "admin": True}


def test_every_move_out_of_a_held_status_is_in_the_table():
    held = {(s, t) for s in ("claimed", "ready") for t in lifecycle.MOVES[s]}
    assert {(s, t) for _a, s, t, _c in HELD_MOVES} == held


def _held_by_kari(make, now, status):
    branch = make.branch()
    kari = make.staff(branch, name="Kari", login="kari")
    workshop = make.workshop(branch, emails=["post@verksted.test"])
    order = make.order(branch, now=now, workshop_id=workshop.id)
    service.claim(order, kari, now=now)
    if status == "ready":
        service.mark_ready(order, kari, now=now)
    make.db.session.commit()
    return branch, kari, order


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,from_status,to_status,call", HELD_MOVES,
                         ids=[f"{a}-from-{s}" for a, s, _t, _c in HELD_MOVES])
def test_only_the_holder_or_a_manager_changes_a_held_order(db, make, now, role, action, from_status, to_status,
                                                           call):
    from app.models import OutboxMessage

    branch, kari, order = _held_by_kari(make, now, from_status)
    actor = {"holder": lambda: kari, "other staff": lambda: make.staff(branch, name="Ola"),
             "manager": lambda: make.staff(branch, name="Mona", role="manager"),
             "admin": lambda: make.staff(None, name="Ada", role="admin")}[role]()
    events = db.session.query(OrderEvent).filter_by(order_id=order.id).count()
    outbox = db.session.query(OutboxMessage).count()
    later = now + timedelta(minutes=5)
    if ROLES[role]:
        call(order, actor, later)
        db.session.commit()
        assert order.status == to_status
        moved = [e for e in order.events if e.from_status == from_status and e.to_status == to_status][-1]
        assert moved.actor_id == actor.id
        return
    with pytest.raises(NotAllowed) as info:
        call(order, actor, later)
    assert info.value.message == f"Order {order.reference} is held by Kari; only they or a manager can change it."
    assert not db.session.new  # nothing recorded, nothing queued for the workshop
    db.session.rollback()
    db.session.expire_all()
    assert (order.status, order.holder_id) == (from_status, kari.id)
    assert db.session.query(OrderEvent).filter_by(order_id=order.id).count() == events
    assert db.session.query(OutboxMessage).count() == outbox


def _cancel(order, staff, now):
    service.cancel(order, staff, now=now, reason="Found elsewhere")


def _redirect(order, staff, now):
    service.redirect(order, staff, now=now)


# Every move out of a status no one holds that staff make: (action, from, to, call, managers only)
FREE_MOVES = [
    ("claim", "new", "claimed", lambda o, s, now: service.claim(o, s, now=now), False),
    ("cancel", "new", "cancelled", _cancel, False),
    ("redirect", "new", "redirected", _redirect, False),
    ("accept", "needs_review", "new", lambda o, s, now: service.accept_review(o, s, now=now), False),
    ("cancel", "needs_review", "cancelled", _cancel, False),
    ("redirect", "needs_review", "redirected", _redirect, False),
    ("admit", "held", "new", lambda o, s, now: service.admit_held(o, s, now=now), True),
    ("cancel", "held", "cancelled", _cancel, False),
    ("redirect", "held", "redirected", _redirect, False),
]
# made by the system as capacity changes, or by no use case yet (taking a redirected order back)
SYSTEM_MOVES = {("new", "held"), ("new", "needs_review"), ("needs_review", "held"), ("held", "needs_review"),
                ("redirected", "new")}


def test_every_move_is_in_one_of_the_tables():
    every = {(s, t) for s, targets in lifecycle.MOVES.items() for t in targets}
    tables = {(s, t) for _a, s, t, _c in HELD_MOVES} | {(s, t) for _a, s, t, _c, _m in FREE_MOVES}
    assert tables | SYSTEM_MOVES == every and not tables & SYSTEM_MOVES


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
@pytest.mark.parametrize("action,from_status,to_status,call,managers_only", FREE_MOVES,
                         ids=[f"{a}-from-{s}" for a, s, _t, _c, _m in FREE_MOVES])
def test_an_order_nobody_holds_is_any_staff_member_s_to_move(db, make, now, role, action, from_status, to_status,
                                                             call, managers_only):
    branch = make.branch(paused=from_status == "held")
    order = make.order(branch, now=now, review_reasons=["Check it."] if from_status == "needs_review" else [])
    assert order.status == from_status
    actor = make.staff(branch, role=role)
    if managers_only and role == "staff":
        with pytest.raises(NotAllowed, match="Only a manager"):
            call(order, actor, now)
        return
    call(order, actor, now)
    db.session.commit()
    assert order.status == to_status
