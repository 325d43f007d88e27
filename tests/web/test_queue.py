"""The shared queue and the order page: what staff see, in what order, and what they may do."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import InboundMessage, Order, OutboxMessage

from . import flashes, login, token

MIME = (
    b"From: Verksted <post@verksted.no>\r\nTo: osl@parts.no\r\nSubject: Bestilling\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n2 stk bremseklosser <script>alert(1)</script>\r\n"
    b"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"../../etc/passwd.pdf\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7w=\r\n--XX--\r\n"
)


def _refs(html: str) -> list[str]:
    return re.findall(r'class="ref">([A-Z]+-\d{6})<', html)


def _post(client, path, **data):
    reference = re.search(r"/orders/([A-Z]+-\d+)", path).group(1)
    return client.post(path, data={"csrf_token": token(client, f"/orders/{reference}"), **data})


def test_queue_shows_urgent_first_then_oldest(client, make, now):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.order(branch, now=now - timedelta(minutes=30))                 # OSL-000001
    make.order(branch, now=now - timedelta(minutes=5), urgent=True)     # OSL-000002
    make.order(branch, now=now - timedelta(minutes=50))                 # OSL-000003
    make.order(branch, now=now - timedelta(minutes=20), urgent=True)    # OSL-000004
    login(client, "kari")
    assert _refs(client.get("/").get_data(as_text=True)) == ["OSL-000004", "OSL-000002", "OSL-000003", "OSL-000001"]


def test_queue_filters(client, make, now):
    branch = make.branch("OSL")
    staff = make.staff(branch, login="kari")
    make.order(branch, now=now, channel="email")                          # 1
    make.order(branch, now=now, channel="sms", urgent=True)               # 2
    done = make.order(branch, now=now, channel="phone")                   # 3
    done.status = "done"
    db.session.commit()
    login(client, "kari")
    assert _refs(client.get("/").get_data(as_text=True)) == ["OSL-000002", "OSL-000001"]  # open by default
    assert _refs(client.get("/?status=all").get_data(as_text=True)) == ["OSL-000002", "OSL-000001", "OSL-000003"]
    assert _refs(client.get("/?status=done").get_data(as_text=True)) == ["OSL-000003"]
    assert _refs(client.get("/?channel=email").get_data(as_text=True)) == ["OSL-000001"]
    assert _refs(client.get("/?urgent=y").get_data(as_text=True)) == ["OSL-000002"]
    assert _refs(client.get("/?status=bogus").get_data(as_text=True)) == ["OSL-000002", "OSL-000001"]
    assert staff  # the gauge for me is shown
    assert "0 / 5" in client.get("/").get_data(as_text=True)


def test_staff_see_their_branch_managers_see_all_and_filter(client, make, now):
    osl, brg = make.branch("OSL"), make.branch("BRG")
    make.staff(osl, login="kari")
    make.staff(osl, login="mona", role="manager")
    make.order(osl, now=now)
    make.order(brg, now=now - timedelta(minutes=1))
    login(client, "kari")
    html = client.get(f"/?branch={brg.id}").get_data(as_text=True)
    assert _refs(html) == ["OSL-000001"]  # staff cannot widen the queue to another branch
    assert client.get("/orders/BRG-000001").status_code == 403
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, "mona")
    assert _refs(client.get("/").get_data(as_text=True)) == ["BRG-000001", "OSL-000001"]
    assert _refs(client.get(f"/?branch={brg.id}").get_data(as_text=True)) == ["BRG-000001"]


def test_queue_pages_by_50(client, make, now):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    for i in range(55):
        make.order(branch, now=now + timedelta(seconds=i))
    login(client, "kari")
    first = client.get("/").get_data(as_text=True)
    assert len(_refs(first)) == 50 and "page 1 of 2" in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert _refs(second) == [f"OSL-{n:06d}" for n in range(51, 56)]
    assert len(_refs(client.get("/?page=99").get_data(as_text=True))) == 5  # past the end: the last page


def test_held_orders_say_why_and_the_gauge_counts(client, make):
    branch = make.branch("OSL", hourly_limit=1)
    make.staff(branch, login="kari")
    make.order(branch)  # the gauge counts the real last hour, so these are made now
    make.order(branch)  # held
    login(client, "kari")
    html = client.get("/").get_data(as_text=True)
    assert "held (over capacity)" in html
    assert "accepted 1 orders in the last hour, its limit is 1. Held as number 1 in line." in html
    assert "last hour 1 / 1" in html and "held 1" in html


def test_claim_release_ready_done(client, make, db):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari")
    order = make.order(branch)
    login(client, "kari")
    response = _post(client, "/orders/OSL-000001/do/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orders/OSL-000001")
    db.session.refresh(order)
    assert (order.status, order.holder_id) == ("claimed", kari.id)
    _post(client, "/orders/OSL-000001/do/release")
    db.session.refresh(order)
    assert order.status == "new"
    _post(client, "/orders/OSL-000001/do/claim")
    _post(client, "/orders/OSL-000001/do/ready")
    _post(client, "/orders/OSL-000001/do/done")
    db.session.refresh(order)
    assert order.status == "done"
    html = client.get("/orders/OSL-000001").get_data(as_text=True)
    assert "OSL-000001 is done." in html
    assert [a for a in ("received", "claimed", "released", "ready", "done") if f"<strong>{a}</strong>" in html] == \
        ["received", "claimed", "released", "ready", "done"]
    # a refusal is a message, never a 500
    response = _post(client, "/orders/OSL-000001/do/claim")
    assert response.status_code == 302
    assert "cannot become claimed: it is already done" in client.get("/").get_data(as_text=True)


def test_staff_at_their_limit_cannot_claim_and_sees_why(client, make, db):
    branch = make.branch("OSL", staff_hold_limit=2)
    make.staff(branch, login="kari", name="Kari")
    for _ in range(3):
        make.order(branch)
    login(client, "kari")
    _post(client, "/orders/OSL-000001/do/claim")
    _post(client, "/orders/OSL-000002/do/claim")
    response = _post(client, "/orders/OSL-000003/do/claim")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert any("Kari holds 2 of 2 orders; mark one ready or release it first (oldest: OSL-000001, OSL-000002)."
               in f for f in flashes(html))
    assert db.session.get(Order, 3).status == "new"
    # staff may not use the manager's override
    assert _post(client, "/orders/OSL-000003/do/claim_override").status_code == 403


def test_manager_only_actions(client, make, db, now):
    branch = make.branch("OSL", hourly_limit=1)
    make.staff(branch, login="kari")
    make.staff(branch, login="mona", role="manager")
    make.order(branch)
    held = make.order(branch)
    assert held.status == "held"
    login(client, "kari")
    page = client.get("/orders/OSL-000002").get_data(as_text=True)
    assert "Admit now" not in page
    assert _post(client, "/orders/OSL-000002/do/admit").status_code == 403
    assert db.session.get(Order, held.id).status == "held"
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, "mona")
    assert "Admit now" in client.get("/orders/OSL-000002").get_data(as_text=True)
    _post(client, "/orders/OSL-000002/do/admit")
    db.session.expire_all()
    assert db.session.get(Order, held.id).status == "new"


def test_cancel_needs_a_reason(client, make, db):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = make.order(branch)
    login(client, "kari")
    refused = _post(client, "/orders/OSL-000001/cancel", reason="  ")
    assert refused.status_code == 422 and "Say why the order is cancelled." in refused.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "new"
    _post(client, "/orders/OSL-000001/cancel", reason="Workshop found the part <elsewhere>")
    db.session.refresh(order)
    assert order.status == "cancelled"
    assert "Workshop found the part &lt;elsewhere&gt;" in client.get("/orders/OSL-000001").get_data(as_text=True)


def test_actions_need_a_csrf_token(client, make, db):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = make.order(branch)
    login(client, "kari")
    assert client.post("/orders/OSL-000001/do/claim").status_code == 400
    db.session.refresh(order)
    assert order.status == "new"


def _order_with_message(make, branch, **kw):
    message = InboundMessage(channel="email", dedup_key="m1", raw=MIME, sender="post@verksted.no",
                             subject="Bestilling <b>nå</b>", **kw)
    db.session.add(message)
    db.session.commit()
    return make.order(branch, channel="email", inbound_message_id=message.id)


def test_original_message_is_escaped_and_attachments_download_by_index_only(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = _order_with_message(make, branch)
    db.session.add(OutboxMessage(order_id=order.id, kind="accepted", channel="email", recipient="post@verksted.no",
                                 body="x", status="failed", attempts=3, last_error="550 <mailbox> unknown",
                                 idempotency_key="k1"))
    db.session.commit()
    login(client, "kari")
    html = client.get("/orders/OSL-000001").get_data(as_text=True)
    assert "2 stk bremseklosser &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bestilling &lt;b&gt;nå&lt;/b&gt;" in html
    assert "550 &lt;mailbox&gt; unknown" in html and ">3<" in html
    assert 'href="/orders/OSL-000001/attachments/0"' in html

    response = client.get("/orders/OSL-000001/attachments/0")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition
    assert response.data.startswith(b"%PDF-1.4")
    assert client.get("/orders/OSL-000001/attachments/1").status_code == 404
    assert client.get("/orders/OSL-000001/attachments/-1").status_code == 404
    assert client.get("/orders/OSL-000001/attachments/..%2F0").status_code == 404


def test_parsed_body_text_is_preferred_and_keyed_orders_have_no_attachments(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    _order_with_message(make, branch, parsed={"body_text": "Parsed text <i>here</i>"})
    make.order(branch)
    login(client, "kari")
    assert "Parsed text &lt;i&gt;here&lt;/i&gt;" in client.get("/orders/OSL-000001").get_data(as_text=True)
    assert client.get("/orders/OSL-000002/attachments/0").status_code == 404


def test_queue_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_cannot_cancel_an_order_someone_else_holds(client, make, db):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.staff(branch, login="ola", name="Ola")
    workshop = make.workshop(branch, emails=["post@verksted.test"])
    order = make.order(branch, workshop_id=workshop.id)
    login(client, "kari")
    _post(client, "/orders/OSL-000001/do/claim")
    client.post("/logout", data={"csrf_token": token(client)})
    sent = db.session.query(OutboxMessage).count()
    login(client, "ola")
    response = _post(client, "/orders/OSL-000001/cancel", reason="Not needed")
    assert response.status_code == 302
    assert ("Order OSL-000001 is held by Kari; only they or a manager can change it."
            in flashes(client.get("/orders/OSL-000001").get_data(as_text=True)))
    db.session.expire_all()
    assert (order.status, order.holder.name) == ("claimed", "Kari")
    assert db.session.query(OutboxMessage).count() == sent  # the workshop was not told "cancelled"
