"""Editing a saved order (app.orders.editing): who may edit which order, one audited event with each changed
field's before and after, capacity when the edit moves the order to another branch, and the correction
notice a workshop already told about the order gets through the outbox, in its language."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Order, OrderEvent, OutboxMessage
from app.notify import messages
from app.orders import capacity, editing, service
from app.orders.errors import NotAllowed, OverCapacity
from app.orders.service import LineInput, OrderInput
from app.orders.unit_of_work import run


def _input(order: Order, **changes) -> OrderInput:
    """What the edit form sends for the order as it stands, with `changes` applied."""
    data = OrderInput(channel=order.channel, lines=[LineInput(ln.part_number, ln.description, ln.quantity)
                                                    for ln in order.lines],
                      workshop_id=order.workshop_id, urgent=order.urgent, fulfilment=order.fulfilment,
                      wanted_by=order.wanted_by, plate=order.plate, vin=order.vin,
                      customer_reference=order.customer_reference, contact_name=order.contact_name,
                      contact_phone=order.contact_phone, notes=order.notes)
    for name, value in changes.items():
        setattr(data, name, value)
    return data


@pytest.fixture
def desk(make):
    branch = make.branch("OSL", name="Oslo")
    return {"branch": branch, "kari": make.staff(branch, name="Kari"), "ola": make.staff(branch, name="Ola"),
            "maria": make.staff(branch, role="manager", name="Maria")}


def test_staff_edit_waiting_orders_and_their_own_claims_a_manager_any_open_one(db, make, now, desk):
    branch, kari, ola, maria = desk["branch"], desk["kari"], desk["ola"], desk["maria"]
    new = make.order(branch, now=now)
    review = make.order(branch, now=now, review_reasons=["Low confidence"])
    mine, theirs, ready = (make.order(branch, now=now) for _ in range(3))
    service.claim(mine, kari, now=now)
    service.claim(theirs, ola, now=now)
    service.claim(ready, kari, now=now)
    service.mark_ready(ready, kari, now=now)
    held = make.order(make.branch("BRG", paused=True), now=now)
    assert (review.status, held.status) == ("needs_review", "held")

    for order in (new, review, mine, held):
        assert editing.why_not_editable(order, kari) is None
    assert editing.why_not_editable(theirs, kari) == f"{theirs.reference} is held by Ola; only they or a manager can edit it."
    assert editing.why_not_editable(ready, kari) == f"{ready.reference} is ready; only a manager can edit it now."
    for order in (new, review, mine, theirs, ready, held):
        assert editing.why_not_editable(order, maria) is None

    with pytest.raises(NotAllowed, match="held by Ola"):
        editing.edit_order(theirs, _input(theirs, plate="EK 1"), by=kari, now=now)
    assert theirs.plate is None
    assert editing.edit_order(theirs, _input(theirs, plate="EK 1"), by=maria, now=now) == ["plate"]


def test_nobody_edits_a_closed_order(db, make, now, desk):
    branch, maria = desk["branch"], desk["maria"]
    done, cancelled = make.order(branch, now=now), make.order(branch, now=now)
    service.claim(done, maria, now=now)
    service.mark_ready(done, maria, now=now)
    service.mark_done(done, maria, now=now)
    service.cancel(cancelled, maria, now=now, reason="Ordered twice")
    for order, said in ((done, "done"), (cancelled, "cancelled")):
        assert editing.why_not_editable(order, maria) == f"{order.reference} is {said}; a closed order cannot be edited."
        with pytest.raises(NotAllowed, match="a closed order cannot be edited"):
            editing.edit_order(order, _input(order, notes="late"), by=maria, now=now)
        assert order.notes is None


def test_an_edit_is_one_event_with_the_before_and_after_of_each_changed_field(db, make, now, desk):
    branch, kari = desk["branch"], desk["kari"]
    other = make.workshop(branch, number="20002", name="Dekk & Felg AS")
    order = make.order(branch, now=now, plate="EK 12345", fulfilment="delivery",
                       lines=(("GDB1956", "Bremseklosser", 2), ("OC 90", "Oljefilter", 1)))
    events = len(order.events)
    later = now + timedelta(minutes=5)
    wanted = now + timedelta(hours=3)
    changed = editing.edit_order(order, _input(
        order, plate="EK 12346", fulfilment="pickup", urgent=True, wanted_by=wanted, workshop_id=other.id,
        lines=[LineInput("GDB1956", "Bremseklosser", 4), LineInput("OC 90", "Oljefilter", 1),
               LineInput(None, "Vindusviskere", 2)]), by=kari, now=later)
    assert changed == ["urgent", "fulfilment", "wanted_by", "plate", "workshop", "lines"]
    db.session.flush()
    assert len(order.events) == events + 1
    event = order.events[-1]
    assert (event.action, event.actor_label, event.at) == ("edited", f"Kari ({kari.login})", later)
    assert event.changes == [
        {"field": "urgent", "before": False, "after": True},
        {"field": "fulfilment", "before": "delivery", "after": "pickup"},
        {"field": "wanted_by", "before": None, "after": wanted.isoformat()},
        {"field": "plate", "before": "EK 12345", "after": "EK 12346"},
        {"field": "workshop", "before": None, "after": "Dekk & Felg AS (20002)"},
        {"field": "lines", "before": ["2 × GDB1956 Bremseklosser", "1 × OC 90 Oljefilter"],
         "after": ["4 × GDB1956 Bremseklosser", "1 × OC 90 Oljefilter", "2 × Vindusviskere"]}]
    assert event.reason == (
        "Edited: urgent: no → yes; fulfilment: delivery → pickup; wanted by: – → 23.11.2026 13:00 CET; "
        "plate: EK 12345 → EK 12346; workshop: – → Dekk & Felg AS (20002); "
        "line 1: 2 × GDB1956 Bremseklosser → 4 × GDB1956 Bremseklosser; line 3 added: 2 × Vindusviskere.")
    assert [(ln.part_number, ln.quantity) for ln in order.lines] == [("GDB1956", 4), ("OC 90", 1), (None, 2)]
    assert order.updated_at == later


def test_an_edit_that_changes_nothing_records_nothing(db, make, now, desk):
    order = make.order(desk["branch"], now=now, plate="EK 12345")
    events = len(order.events)
    assert editing.edit_order(order, _input(order), by=desk["kari"], now=now) == []
    assert len(order.events) == events


def test_staff_cannot_move_an_order_to_another_branch(db, make, now, desk):
    other = make.branch("BRG")
    order = make.order(desk["branch"], now=now)
    with pytest.raises(NotAllowed, match="Only a manager can move"):
        editing.edit_order(order, _input(order), by=desk["kari"], now=now, branch_id=other.id)
    assert order.branch_id == desk["branch"].id


def test_a_move_to_a_full_branch_is_refused_under_its_lock_and_nothing_is_written(db, make, now, desk):
    """An admitted open order counts against its branch's open and hourly limits: moving it must find room,
    counted under the other branch's lock. Refused, the whole edit is rolled back (its other changes too)."""
    full = make.branch("BRG", name="Bergen", open_limit=1)
    make.order(full, now=now)
    order = make.order(desk["branch"], now=now)
    db.session.commit()
    with pytest.raises(OverCapacity) as refused:
        run(lambda uow: editing.edit_order(order, _input(order, plate="EK 9"), by=desk["maria"], now=now,
                                           branch_id=full.id))
    assert refused.value.message == (f"Branch Bergen has 1 open orders, its limit is 1. {order.reference} stays "
                                     "at Oslo.")
    db.session.expire_all()
    assert (order.branch_id, order.plate) == (desk["branch"].id, None)
    assert db.session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.action == "edited")) == 0

    room = make.branch("TRD", name="Trondheim", open_limit=5, hourly_limit=1)
    run(lambda uow: editing.edit_order(order, _input(order), by=desk["maria"], now=now, branch_id=room.id))
    db.session.expire_all()
    assert order.branch_id == room.id and order.status == "new"
    assert capacity.branch_counts(room.id, now) == (1, 1)  # it counts there now, once
    assert capacity.branch_counts(desk["branch"].id, now) == (0, 0)
    assert order.events[-1].changes == [{"field": "branch", "before": "OSL · Oslo", "after": "TRD · Trondheim"}]
    other = make.order(make.branch("STV", name="Stavanger"), now=now)
    with pytest.raises(OverCapacity, match="accepted 1 orders in the last hour, its limit is 1"):
        editing.edit_order(other, _input(other), by=desk["maria"], now=now, branch_id=room.id)


def test_a_field_edit_neither_counts_again_nor_frees_room(db, make, now, desk):
    """Only the branch counts toward a limit: an edit of lines or urgency leaves the counts as they were."""
    branch = make.branch("BRG", open_limit=1, overflow_policy="hold")
    order = make.order(branch, now=now)
    before = capacity.branch_counts(branch.id, now)
    editing.edit_order(order, _input(order, urgent=True, lines=[LineInput("X1", None, 9)]), by=desk["maria"],
                       now=now + timedelta(minutes=1))
    assert capacity.branch_counts(branch.id, now + timedelta(minutes=1)) == before == (1, 1)
    assert order.admitted_at == now
    assert make.order(branch, now=now).status == "held"


def test_a_held_order_moved_to_a_branch_with_room_is_admitted_there(db, make, now, desk):
    paused = make.branch("BRG", paused=True)
    order = make.order(paused, now=now)
    assert order.status == "held"
    editing.edit_order(order, _input(order), by=desk["maria"], now=now, branch_id=desk["branch"].id)
    assert (order.branch_id, order.status, order.admitted_at) == (desk["branch"].id, "new", now)


def _told(db, order):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.order_id == order.id)
                              .order_by(OutboxMessage.id)).all()


def test_a_workshop_already_told_gets_the_correction_in_its_language(db, make, now, desk):
    workshop = make.workshop(desk["branch"], number="20001", name="Verkstad AB", phones=["+46 70 123 45 67"])
    workshop.language = "sv"
    order = make.order(desk["branch"], now=now, workshop_id=workshop.id, lines=(("GDB1956", "Bromsbelägg", 2),))
    assert [m.kind for m in _told(db, order)] == ["accepted"]
    editing.edit_order(order, _input(order, lines=[LineInput("GDB1956", "Bromsbelägg", 4)]), by=desk["kari"],
                       now=now + timedelta(minutes=3))
    notice = _told(db, order)[-1]
    assert (notice.kind, notice.channel, notice.recipient) == ("corrected", "sms", "+46701234567")
    assert notice.body == ("Oslo: Vi har rättat beställning OSL-000001. Så här ser den ut nu: "
                           "4 x GDB1956 Bromsbelägg. Hör av dig om något är fel.")
    assert notice.body == messages.text("sv", "corrected", branch="Oslo", ref=order.reference,
                                        lines="4 x GDB1956 Bromsbelägg")
    # a second edit is a second notice; an edit of the desk's own notes tells nobody
    editing.edit_order(order, _input(order, plate="AB 123"), by=desk["kari"], now=now + timedelta(minutes=4))
    editing.edit_order(order, _input(order, notes="call back after 14"), by=desk["kari"],
                       now=now + timedelta(minutes=5))
    assert [m.kind for m in _told(db, order)] == ["accepted", "corrected", "corrected"]


def test_a_workshop_not_yet_told_gets_no_correction(db, make, now, desk):
    workshop = make.workshop(desk["branch"], number="20001", phones=["+47 922 33 444"])
    order = make.order(desk["branch"], now=now, workshop_id=workshop.id, review_reasons=["Low confidence"])
    editing.edit_order(order, _input(order, plate="EK 1"), by=desk["kari"], now=now)
    assert [m.kind for m in _told(db, order)] == []  # a web order in review is told when accepted


def test_every_language_has_the_correction_text():
    for lang in messages.LANGUAGES:
        told = messages.text(lang, "corrected", branch="B", ref="OSL-000007", lines="2 x GDB1956")
        assert "OSL-000007" in told and "2 x GDB1956" in told, lang


def test_an_sms_order_answered_by_the_webhook_gets_the_correction_by_sms(db, make, now, desk):
    """The webhook's reply to an SMS order is TwiML, not an outbox row: the sender was told all the same."""
    from app.phone import sms

    desk["branch"].phone_number = "+4721000000"
    inbound = sms.store(message_sid="SM1", from_="+47 922 33 444", to="+4721000000",
                        body="2 stk bremseklosser GDB1956 til EK12345", now=now)
    db.session.flush()
    assert sms.process(inbound, now=now)  # the reply the webhook gives
    order = db.session.get(Order, inbound.order_id)
    assert _told(db, order) == []
    editing.edit_order(order, _input(order, lines=[LineInput("GDB1956", "bremseklosser", 4)]), by=desk["kari"],
                       now=now)
    notice = _told(db, order)[-1]
    assert (notice.kind, notice.channel, notice.recipient) == ("corrected", "sms", "+4792233444")
    assert notice.body.startswith(f"Oslo: Vi har rettet bestilling {order.reference}. Slik står den nå: 4 x GDB1956")
