"""An unknown caller on the phone: the order is taken with a new, provisional workshop; a wrong field keeps
what was typed; managers confirm or merge provisional workshops at /manager/workshops/provisional."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Order, Workshop

from . import login, token


def _setup(make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.staff(branch, login="maria", name="Maria", role="manager")
    known = make.workshop(branch, number="20001", name="Verksted Drammen AS", phones=["+47 32 00 00 00"])
    db.session.commit()
    return branch, known


def _phone_form(client, **overrides):
    data = {"csrf_token": token(client, "/orders/new"), "workshop": "Nytt Verksted Drammen", "workshop_id": "",
            "lines-0-part_number": "GDB1956", "lines-0-description": "Bremseklosser", "lines-0-quantity": "2",
            "fulfilment": "delivery", "new_workshop_name": "Nytt Verksted Drammen",
            "new_workshop_phone": "32 11 22 33", "new_workshop_email": "", "new_workshop_org": ""}
    data.update(overrides)
    return data


def test_an_unknown_caller_is_refused_with_the_way_to_take_them(client, make):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_phone_form(client, new_workshop_name="", new_workshop_phone=""))
    assert response.status_code == 422
    assert ("No workshop matches &#39;Nytt Verksted Drammen&#39;. Pick one from the suggestions, type its customer "
            "number, or take it as a new workshop.") in response.get_data(as_text=True)
    assert 'id="new-workshop"' in response.get_data(as_text=True)


def test_the_order_is_taken_with_a_new_provisional_workshop(client, make):
    branch, _ = _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_phone_form(client, new_workshop_email="Post@Nytt.example",
                                                            new_workshop_org="923 456 789"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/orders/OSL-000001/created")
    db.session.expire_all()
    order = db.session.scalars(select(Order)).one()
    workshop = order.workshop
    assert (workshop.name, workshop.provisional, workshop.org_number) == ("Nytt Verksted Drammen", True, "923456789")
    assert [p.e164 for p in workshop.phones] == ["+4732112233"] and workshop.emails[0].address == "post@nytt.example"
    assert order.status == "new" and order.created_by.login == "kari"
    page = client.get("/orders/OSL-000001").get_data(as_text=True)
    assert "New workshop, taken on the phone: a manager confirms it" in page


def test_a_wrong_new_workshop_field_keeps_everything_typed(client, make):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_phone_form(client, new_workshop_phone="32 00 00 00",
                                                            new_workshop_email="post@nytt.example",
                                                            plate="EK 12345", notes="Ring før 14"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ("This is the phone of Verksted Drammen AS (20001); pick that workshop above instead.") in page
    for typed in ('value="Nytt Verksted Drammen"', 'value="32 00 00 00"', 'value="post@nytt.example"',
                  'value="GDB1956"', 'value="EK 12345"', "Ring før 14"):
        assert typed in page, typed
    assert re.search(r'<details class="new-workshop" id="new-workshop" open>', page)
    assert db.session.scalars(select(Order)).first() is None
    assert db.session.scalars(select(Workshop).where(Workshop.provisional.is_(True))).first() is None
    # a phone that is no phone, and no phone at all
    for phone, said in (("12", "This is not a phone number."), ("", "Give the new workshop&#39;s phone")):
        page = client.post("/orders/new", data=_phone_form(client, new_workshop_phone=phone)).get_data(as_text=True)
        assert said in page


def test_a_picked_workshop_and_a_new_one_at_once_is_refused(client, make):
    _, known = _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_phone_form(client, workshop="20001"))
    assert response.status_code == 422
    assert "Verksted Drammen AS is picked here and a new workshop is typed below; clear one of them." in \
        response.get_data(as_text=True)


def test_managers_confirm_or_merge_provisional_workshops(client, make):
    _, known = _setup(make)
    login(client, "kari")
    client.post("/orders/new", data=_phone_form(client))
    client.post("/orders/new", data=_phone_form(client, new_workshop_name="Helt Ny AS", workshop="Helt Ny AS",
                                                new_workshop_phone="33 44 55 66"))
    assert client.get("/manager/workshops/provisional").status_code == 403
    client = client.application.test_client()
    login(client, "maria")
    page = client.get("/manager/workshops/provisional").get_data(as_text=True)
    assert "Nytt Verksted Drammen" in page and "Helt Ny AS" in page and "+4732112233" in page
    assert 'href="/manager/workshops/provisional"' in page  # in the manager pages' menu
    new, other = db.session.scalars(select(Workshop).where(Workshop.provisional.is_(True)).order_by(Workshop.id))
    new_id, other_id = new.id, other.id
    csrf = token(client, "/manager/workshops/provisional")

    wrong = client.post(f"/manager/workshops/provisional/{new_id}/merge", data={"csrf_token": csrf, "into": "99999"})
    assert wrong.status_code == 422
    assert "No workshop in the list has the customer number &#39;99999&#39;." in wrong.get_data(as_text=True)
    assert 'value="99999"' in wrong.get_data(as_text=True)

    assert client.post(f"/manager/workshops/provisional/{new_id}/merge",
                       data={"csrf_token": csrf, "into": "20001"}).status_code == 302
    page = client.get("/manager/workshops/provisional").get_data(as_text=True)
    assert "Merged into Verksted Drammen AS (20001): 1 order moved." in page
    db.session.expire_all()
    assert db.session.get(Workshop, new_id) is None
    assert db.session.scalars(select(Order.workshop_id).where(Order.reference == "OSL-000001")).one() == known.id

    assert client.post(f"/manager/workshops/provisional/{other_id}/confirm",
                       data={"csrf_token": csrf}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, other_id).provisional is False
    assert "None waiting." in client.get("/manager/workshops/provisional").get_data(as_text=True)
    assert client.post(f"/manager/workshops/provisional/{other_id}/confirm", data={}).status_code == 400
