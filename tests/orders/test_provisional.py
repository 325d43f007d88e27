"""Provisional workshops (app.orders.provisional): created on the phone, confirmed or merged by a manager."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Call, Order, Workshop, WorkshopPhone
from app.orders import provisional
from app.orders.errors import NotAllowed
from app.orders.provisional import NewWorkshop


@pytest.fixture
def desk(make):
    branch = make.branch("OSL")
    return branch, make.staff(branch, name="Kari"), make.staff(branch, role="manager", name="Maria")


def test_a_new_workshop_is_provisional_with_its_phone_email_and_org_number(db, make, now, desk):
    branch, kari, _ = desk
    workshop = provisional.create(NewWorkshop("Nytt Verksted Drammen", "32 11 22 33", "Post@Nytt.example",
                                              "923456789"), branch_id=branch.id, by=kari, now=now)
    assert workshop.provisional is True and workshop.customer_number.startswith("NEW-")
    assert (workshop.name, workshop.org_number, workshop.home_branch_id) == ("Nytt Verksted Drammen", "923456789",
                                                                            branch.id)
    assert [p.e164 for p in workshop.phones] == ["+4732112233"]
    assert [e.address for e in workshop.emails] == ["post@nytt.example"]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "workshop_provisional")).one()
    assert audit.actor_id == kari.id and "Nytt Verksted Drammen" in audit.detail
    assert [w.id for w, n in provisional.waiting()] == [workshop.id]


def test_a_phone_or_email_that_is_another_workshops_is_refused(db, make, now, desk):
    branch, kari, _ = desk
    make.workshop(branch, number="20001", name="Bilservice AS", phones=["+47 22 33 44 55"], emails=["a@b.example"])
    with pytest.raises(NotAllowed, match=r"\+4722334455 is the phone of Bilservice AS \(20001\)"):
        provisional.create(NewWorkshop("Other", "22 33 44 55"), branch_id=branch.id, by=kari, now=now)
    with pytest.raises(NotAllowed, match="a@b.example is the email of Bilservice AS"):
        provisional.create(NewWorkshop("Other", "22 33 44 56", "A@b.example"), branch_id=branch.id, by=kari, now=now)
    with pytest.raises(NotAllowed, match="not a phone number"):
        provisional.create(NewWorkshop("Other", "12"), branch_id=branch.id, by=kari, now=now)


def test_a_manager_confirms_one_and_it_leaves_the_list(db, make, now, desk):
    branch, kari, maria = desk
    workshop = provisional.create(NewWorkshop("Ny AS", "32 11 22 33"), branch_id=branch.id, by=kari, now=now)
    with pytest.raises(NotAllowed, match="Only a manager"):
        provisional.confirm(workshop.id, by=kari, now=now)
    provisional.confirm(workshop.id, by=maria, now=now)
    assert workshop.provisional is False and provisional.waiting() == []
    with pytest.raises(NotAllowed, match="not waiting for a manager any more"):
        provisional.confirm(workshop.id, by=maria, now=now)


def test_merging_moves_its_orders_calls_and_contacts_to_the_existing_workshop(db, make, now, desk):
    branch, kari, maria = desk
    known = make.workshop(branch, number="20001", name="Verksted Drammen AS", phones=["+47 32 00 00 00"])
    new = provisional.create(NewWorkshop("Nytt Verksted Drammen", "32 11 22 33", "post@nytt.example"),
                             branch_id=branch.id, by=kari, now=now)
    orders = [make.order(branch, now=now, workshop_id=new.id) for _ in range(2)]
    untouched = make.order(branch, now=now)
    db.session.add(Call(call_sid="CA1", branch_id=branch.id, workshop_id=new.id, from_number="+4732112233"))
    db.session.flush()
    new_id = new.id
    with pytest.raises(NotAllowed, match="Only a manager"):
        provisional.merge(new_id, known.id, by=kari, now=now)
    assert provisional.merge(new_id, known.id, by=maria, now=now) == 2
    assert db.session.get(Workshop, new_id) is None
    assert [db.session.get(Order, o.id).workshop_id for o in orders] == [known.id, known.id]
    assert db.session.get(Order, untouched.id).workshop_id is None
    assert db.session.scalars(select(Call.workshop_id)).one() == known.id
    assert sorted(p.e164 for p in db.session.get(Workshop, known.id).phones) == ["+4732000000", "+4732112233"]
    assert [e.address for e in db.session.get(Workshop, known.id).emails] == ["post@nytt.example"]
    assert db.session.scalars(select(WorkshopPhone).where(WorkshopPhone.e164 == "+4732112233")).one().workshop_id \
        == known.id
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "workshop_merged")).one()
    assert audit.detail.endswith("into 20001 Verksted Drammen AS: 2 orders") and audit.actor_id == maria.id
    with pytest.raises(NotAllowed, match="not waiting"):
        provisional.merge(known.id, known.id, by=maria, now=now)  # only a provisional one is merged away
