"""GET/POST /orders/<reference>/edit: who may edit (403 with the reason, checked again under the lock), what
the history shows, a wrong field keeping what was typed, a parsed order's edit kept as a Correction, and the
correction notice to a workshop acknowledged by email."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.intake import pipeline
from app.intake.store import store_raw
from app.models import Correction, InboundMessage, Mailbox, Order, OutboxMessage
from app.orders import editing, service
from app.orders.unit_of_work import run
from tests.intake.mail import email

from . import login

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _form(html: str) -> dict:
    """What a browser sends back from the order form as rendered: text inputs, the checked boxes and radios,
    the selected options and the textarea, as they stand."""
    start = html.index('id="order-form"')
    form = html[start:html.index("</form>", start)]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if not name or kind == "submit":
            continue
        if kind in ("radio", "checkbox"):
            if " checked" in tag:
                data[name.group(1)] = value.group(1) if value else "y"
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        if chosen:
            data[name] = chosen.group(1) or chosen.group(2)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip("\r\n")
    return {k: v.replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", '"') for k, v in data.items()}


@pytest.fixture
def desk(make):
    branch = make.branch("OSL", name="Oslo")
    kari, ola = make.staff(branch, login="kari", name="Kari"), make.staff(branch, login="ola", name="Ola")
    maria = make.staff(branch, login="maria", name="Maria", role="manager")
    workshop = make.workshop(branch, number="20001", name="Bilservice Nord AS")
    return branch, kari, ola, maria, workshop


def test_a_clerk_edits_a_line_of_the_order_they_hold_and_the_history_shows_before_and_after(client, make, desk):
    branch, kari, *_ , workshop = desk
    order = make.order(branch, now=NOW, workshop_id=workshop.id, plate="EK 12345",
                       lines=(("GDB1956", "Bremseklosser", 2), ("OC 90", "Oljefilter", 1)))
    service.claim(order, kari, now=NOW)
    db.session.commit()
    login(client, "kari")
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert f'href="/orders/{order.reference}/edit"' in page
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    assert (data["workshop"], data["lines-0-quantity"], data["plate"]) == ("Bilservice Nord AS (20001)", "2",
                                                                          "EK 12345")
    data["lines-0-quantity"] = "4"
    response = client.post(f"/orders/{order.reference}/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{order.reference}")
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert f"{order.reference} is saved." in page
    assert "Edited: line 1: 2 × GDB1956 Bremseklosser → 4 × GDB1956 Bremseklosser." in page
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert [(ln.part_number, ln.quantity) for ln in order.lines] == [("GDB1956", 4), ("OC 90", 1)]
    assert (order.status, order.holder_id, order.plate) == ("claimed", kari.id, "EK 12345")
    assert order.events[-1].changes == [{"field": "lines", "before": ["2 × GDB1956 Bremseklosser", "1 × OC 90 Oljefilter"],
                                         "after": ["4 × GDB1956 Bremseklosser", "1 × OC 90 Oljefilter"]}]
    # sent again unchanged: nothing is recorded
    assert client.post(f"/orders/{order.reference}/edit", data=_form(
        client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))).status_code == 302
    db.session.expire_all()
    assert [e.action for e in db.session.get(Order, order.id).events].count("edited") == 1


def test_who_may_open_the_edit_page(client, make, desk):
    branch, kari, ola, maria, _ = desk
    waiting = make.order(branch, now=NOW)
    theirs = make.order(branch, now=NOW)
    service.claim(theirs, ola, now=NOW)
    done = make.order(branch, now=NOW)
    service.claim(done, maria, now=NOW)
    service.mark_ready(done, maria, now=NOW)
    service.mark_done(done, maria, now=NOW)
    db.session.commit()
    login(client, "kari")
    assert client.get(f"/orders/{waiting.reference}/edit").status_code == 200
    refused = client.get(f"/orders/{theirs.reference}/edit")
    assert refused.status_code == 403
    assert "is held by Ola; only they or a manager can edit it." in refused.get_data(as_text=True)
    assert f"/orders/{theirs.reference}/edit" not in client.get(f"/orders/{theirs.reference}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     client.get(f"/orders/{waiting.reference}/edit").get_data(as_text=True)).group(1)
    assert client.post(f"/orders/{theirs.reference}/edit", data={"csrf_token": csrf, "plate": "X"}).status_code == 403
    client = client.application.test_client()
    login(client, "maria")
    assert client.get(f"/orders/{theirs.reference}/edit").status_code == 200
    closed = client.get(f"/orders/{done.reference}/edit", follow_redirects=True)
    assert closed.request.path == f"/orders/{done.reference}"  # back on its page, saying why
    assert f"{done.reference} is done; a closed order cannot be edited." in closed.get_data(as_text=True)
    assert 'id="edit-order"' not in closed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, theirs.id).plate is None


def test_a_claim_made_after_the_page_was_opened_refuses_the_save_under_the_lock(client, make, desk, monkeypatch):
    branch, kari, ola, *_ = desk
    order = make.order(branch, now=NOW)
    db.session.commit()
    login(client, "kari")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    data["plate"] = "EK 1"
    real = editing.why_not_editable
    calls = []

    def claimed_meanwhile(o, staff):
        # the view's own check passes; Ola claims the order before the write takes the lock
        if not calls:
            calls.append(1)
            run(lambda uow: service.claim(o, ola, now=NOW))
            return None
        return real(o, staff)

    monkeypatch.setattr(editing, "why_not_editable", claimed_meanwhile)
    response = client.post(f"/orders/{order.reference}/edit", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "is held by Ola; only they or a manager can edit it." in page
    assert 'value="EK 1"' in page  # what was typed is still there
    db.session.expire_all()
    assert db.session.get(Order, order.id).plate is None


def test_a_wrong_field_is_said_beside_it_and_keeps_what_was_typed(client, make, desk):
    branch, *_ = desk
    order = make.order(branch, now=NOW)
    db.session.commit()
    login(client, "kari")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    data.update({"vin": "WVWZZZ1KZ", "lines-0-description": "Bremseklosser bak", "notes": "Ring før 14"})
    response = client.post(f"/orders/{order.reference}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A VIN has 17 characters; this has 9." in page
    assert 'value="Bremseklosser bak"' in page and "Ring før 14" in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).lines[0].description == "Bremseklosser"


def test_the_wanted_by_time_is_typed_in_the_branch_zone_and_kept_in_utc(client, make, desk):
    branch, *_ = desk
    order = make.order(branch, now=NOW)
    db.session.commit()
    login(client, "kari")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    data["wanted_by"] = "2026-11-23T14:30"  # Oslo, UTC+1 in November
    assert client.post(f"/orders/{order.reference}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).wanted_by == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    assert data["wanted_by"] == "2026-11-23T14:30"


def test_a_manager_moves_an_order_only_to_a_branch_with_room(client, make, desk):
    branch, *_ = desk
    full = make.branch("BRG", name="Bergen", open_limit=0)
    room = make.branch("TRD", name="Trondheim")
    order = make.order(branch, now=NOW)
    db.session.commit()
    login(client, "maria")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    assert data["branch_id"] == str(branch.id)
    data.update(branch_id=str(full.id), plate="EK 2")
    refused = client.post(f"/orders/{order.reference}/edit", data=data)
    assert refused.status_code == 409
    assert f"Branch Bergen has 0 open orders, its limit is 0. {order.reference} stays at Oslo." in \
        refused.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Order, order.id).branch_id, db.session.get(Order, order.id).plate) == (branch.id, None)
    data["branch_id"] = str(room.id)
    assert client.post(f"/orders/{order.reference}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).branch_id == room.id


def test_staff_cannot_move_an_order_by_posting_a_branch(client, make, desk):
    branch, *_ = desk
    other = make.branch("BRG")
    order = make.order(branch, now=NOW)
    db.session.commit()
    login(client, "kari")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    data.update(branch_id=str(other.id), plate="EK 3")
    response = client.post(f"/orders/{order.reference}/edit", data=data)
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).branch_id == branch.id


BODY = "Hei\n\nVi trenger 2 stk bremseklosser GDB1956 og 1 stk bremseskiver til EK12345.\n\nMvh Ola"


def test_editing_a_parsed_order_is_a_correction_and_the_acknowledged_sender_is_told(client, make, desk):
    branch, *_ = desk
    box = Mailbox(branch_id=branch.id, name="osl", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    message_id, _ = store_raw(email(body=BODY, sender="Ola <ola@verksted.test>"), channel="email",
                              branch_id=branch.id, mailbox_id=box.id, now=NOW)
    assert pipeline.process_one(message_id, now=NOW) == "order"
    db.session.expire_all()
    order = db.session.get(Order, db.session.get(InboundMessage, message_id).order_id)
    ack = db.session.scalars(select(OutboxMessage).where(OutboxMessage.order_id == order.id)).one()
    assert ack.kind == "ack" and ack.recipient == "ola@verksted.test"
    login(client, "kari")
    data = _form(client.get(f"/orders/{order.reference}/edit").get_data(as_text=True))
    assert data["lines-0-part_number"] == "GDB1956"
    data.update({"lines-0-quantity": "4", "lines-1-part_number": "DF4455"})
    assert client.post(f"/orders/{order.reference}/edit", data=data).status_code == 302
    db.session.expire_all()
    correction = db.session.scalars(select(Correction)).one()
    assert correction.order_id == order.id and correction.read["lines"][0]["quantity"] == 2
    assert correction.saved["lines"][0]["quantity"] == 4 and correction.saved["lines"][1]["part_number"] == "DF4455"
    notice = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "corrected")).one()
    assert (notice.channel, notice.recipient) == ("email", "ola@verksted.test")
    assert notice.body.startswith(f"Oslo: Vi har rettet bestilling {order.reference}. Slik står den nå: 4 x GDB1956")
    assert notice.headers["In-Reply-To"] == ack.headers["Message-ID"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
