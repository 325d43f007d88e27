"""The review page: the original message beside the editable order; save & accept, or cancel."""
from __future__ import annotations

import re

from app.extensions import db
from app.models import InboundMessage, Order

from . import login, token

RAW = b"From: post@verksted.no\r\nSubject: order\r\n\r\nHei, trenger 2 stk OC90 og bremseskiver til EK12345\r\n"


def _review_order(make, branch):
    message = InboundMessage(channel="email", dedup_key="r1", raw=RAW, sender="post@verksted.no", subject="order")
    db.session.add(message)
    db.session.commit()
    return make.order(branch, channel="email", inbound_message_id=message.id,
                      lines=(("OC90", None, 2), (None, "bremseskiver", 1)),
                      review_reasons=["Unknown sender address post@verksted.no.", "Line 2 has no part number."])


def _form(html: str) -> dict:
    """What a browser would send back from the review form as rendered (inputs with values)."""
    form = html[html.index('id="order-form"'):html.index("</form>", html.index('id="order-form"'))]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("submit", "radio", "checkbox")):
            continue
        data[name.group(1)] = value.group(1) if value else ""
    data["fulfilment"] = "delivery"
    return data


def test_review_page_shows_reasons_and_message_beside_the_order(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    _review_order(make, branch)
    login(client, "kari")
    assert "/orders/OSL-000001/review" in client.get("/").get_data(as_text=True)
    html = client.get("/orders/OSL-000001/review").get_data(as_text=True)
    assert "Unknown sender address post@verksted.no." in html and "Line 2 has no part number." in html
    assert "trenger 2 stk OC90 og bremseskiver" in html
    assert 'value="OC90"' in html and 'value="bremseskiver"' in html


def test_review_saves_edits_and_accepts(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    workshop = make.workshop(branch, number="20001", name="Verksted AS")
    order = _review_order(make, branch)
    login(client, "kari")
    data = _form(client.get("/orders/OSL-000001/review").get_data(as_text=True))
    data.update({"workshop": "20001", "lines-1-part_number": "DF4455", "plate": "EK 12345", "urgent": "y",
                 "notes": "Checked with the workshop"})
    response = client.post("/orders/OSL-000001/review", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == "new" and order.review_reasons == []
    assert order.workshop_id == workshop.id and order.plate == "EK 12345" and order.urgent
    assert [(ln.part_number, ln.description, ln.quantity) for ln in order.lines] == \
        [("OC90", None, 2), ("DF4455", "bremseskiver", 1)]
    assert [e.action for e in order.events] == ["received", "edited", "accepted"]
    assert "is accepted into the queue" in client.get("/orders/OSL-000001").get_data(as_text=True)
    # once accepted there is nothing to review
    assert client.get("/orders/OSL-000001/review").status_code == 302


def test_review_with_errors_keeps_edits(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    _review_order(make, branch)
    login(client, "kari")
    data = _form(client.get("/orders/OSL-000001/review").get_data(as_text=True))
    data.update({"vin": "NOT-A-VIN", "notes": "my careful edit"})
    response = client.post("/orders/OSL-000001/review", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "my careful edit" in html and "NOT-A-VIN" in html and "17 characters" in html
    assert db.session.get(Order, 1).status == "needs_review"


def test_cancel_as_not_an_order(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = _review_order(make, branch)
    login(client, "kari")
    csrf = token(client, "/orders/OSL-000001/review")
    response = client.post("/orders/OSL-000001/cancel", data={"csrf_token": csrf, "reason": "A price question"})
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == "cancelled"
    assert order.events[-1].reason == "A price question"
