"""A clerk's save in review that changes a parsed order is kept as a Correction beside what was read,
in the same transaction as the save."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.intake import pipeline
from app.intake.store import store_raw
from app.models import Correction, InboundMessage, Mailbox, Order, Staff
from tests.intake.mail import email

from . import login

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BODY = "Hei\n\nVi trenger 2 stk bremseklosser GDB1956 og 1 stk bremseskiver til EK12345.\n\nMvh Ola"


@pytest.fixture
def parsed_order(make):
    """An order the pipeline made from an email of an unknown sender (so it is in review)."""
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.workshop(branch, number="20001", name="Verksted AS")
    box = Mailbox(branch_id=branch.id, name="osl", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    message_id, _ = store_raw(email(body=BODY, sender="Ola <ola@unknown.test>"), channel="email",
                              branch_id=branch.id, mailbox_id=box.id, now=NOW)
    assert pipeline.process_one(message_id, now=NOW) == "order"
    db.session.expire_all()
    order = db.session.get(Order, db.session.get(InboundMessage, message_id).order_id)
    assert order.status == "needs_review"
    return order


def _form(html: str) -> dict:
    """What a browser sends back from the review form as rendered (text inputs with their values)."""
    form = html[html.index('id="order-form"'):html.index("</form>", html.index('id="order-form"'))]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if name and not (kind and kind.group(1) in ("submit", "radio", "checkbox")):
            data[name.group(1)] = value.group(1) if value else ""
    data["fulfilment"] = "pickup"
    return data


def test_a_correction_in_review_is_stored_with_what_was_read_and_what_was_saved(client, parsed_order):
    reference = parsed_order.reference
    login(client, "kari")
    data = _form(client.get(f"/orders/{reference}/review").get_data(as_text=True))
    assert data["lines-0-part_number"] == "GDB1956" and data["lines-1-description"] == "bremseskiver"
    data.update({"workshop": "20001", "lines-0-quantity": "4", "lines-1-part_number": "DF4455"})
    assert client.post(f"/orders/{reference}/review", data=data).status_code == 302
    db.session.expire_all()
    correction = db.session.scalars(select(Correction)).one()
    order = db.session.get(Order, correction.order_id)
    assert order.reference == reference and order.status == "new"
    assert correction.inbound_message_id == order.inbound_message_id
    assert correction.workshop_id == order.workshop_id is not None
    assert correction.staff_id == db.session.scalar(select(Staff.id).where(Staff.login == "kari"))
    assert correction.at is not None
    assert correction.read["lines"] == [
        {"part_number": "GDB1956", "description": "bremseklosser", "quantity": 2},
        {"part_number": None, "description": "bremseskiver", "quantity": 1}]
    assert correction.read["plate"] == "EK12345" and correction.read["fulfilment"] is None
    assert correction.read["language"] == "no" and correction.read["needs_review"] is False
    assert correction.saved["lines"] == [
        {"part_number": "GDB1956", "description": "bremseklosser", "quantity": 4},
        {"part_number": "DF4455", "description": "bremseskiver", "quantity": 1}]
    assert correction.saved["fulfilment"] == "pickup" and correction.saved["workshop_id"] == order.workshop_id


def test_accepting_as_is_is_no_correction(client, parsed_order):
    from . import token

    login(client, "kari")
    csrf = token(client, f"/orders/{parsed_order.reference}")
    assert client.post(f"/orders/{parsed_order.reference}/do/accept", data={"csrf_token": csrf}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, parsed_order.id).status == "new"
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0
