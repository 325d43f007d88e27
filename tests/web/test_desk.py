"""The clerk's desk on the queue page: claim next, a manager's assign, the alert sound, the live counts the
menu shows, and the age colours at the thresholds a manager sets per branch."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import AuditEvent, InboundMessage, Order
from app.models.status import OrderStatus

from . import flashes, login, token


def test_claim_next_claims_the_queues_first_new_order_and_opens_it(client, make, now):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.order(branch, now=now - timedelta(minutes=40))
    urgent = make.order(branch, now=now - timedelta(minutes=5), urgent=True)
    login(client, "kari")
    response = client.post("/claim-next", data={"csrf_token": token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orders/{urgent.reference}")
    db.session.expire_all()
    assert db.session.get(Order, urgent.id).status == OrderStatus.CLAIMED
    assert client.post("/claim-next", data={}).status_code == 400  # no CSRF token: nothing claimed


def test_claim_next_over_the_limit_says_what_to_finish(client, make, now):
    branch = make.branch("OSL", staff_hold_limit=1)
    make.staff(branch, login="kari", name="Kari")
    make.order(branch, now=now - timedelta(minutes=9))
    make.order(branch, now=now - timedelta(minutes=5))
    login(client, "kari")
    client.post("/claim-next", data={"csrf_token": token(client, "/")})
    html = client.post("/claim-next", data={"csrf_token": token(client, "/")}, follow_redirects=True).get_data(as_text=True)
    assert any("Kari holds 1 of 1 orders" in f for f in flashes(html))


def test_a_manager_assigns_from_the_queue_and_staff_cannot(client, make, now):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari", name="Kari")
    ola = make.staff(branch, login="ola", name="Ola", hold_limit=0)
    make.staff(branch, login="maria", name="Maria", role="manager")
    order = make.order(branch, now=now)
    login(client, "kari")
    assert client.get(f"/orders/{order.reference}/assign").status_code == 403
    assert f'/orders/{order.reference}/assign"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token(client, "/")})
    login(client, "maria")
    assert f'/orders/{order.reference}/assign"' in client.get("/").get_data(as_text=True)
    form = client.get(f"/orders/{order.reference}/assign").get_data(as_text=True)
    assert "Ola · holds 0 of 0" in form
    refused = client.post(f"/orders/{order.reference}/assign",
                          data={"csrf_token": token(client, f"/orders/{order.reference}/assign"), "staff_id": ola.id})
    assert refused.status_code == 422 and "Ola may hold no orders" in refused.get_data(as_text=True)
    done = client.post(f"/orders/{order.reference}/assign",
                       data={"csrf_token": token(client, f"/orders/{order.reference}/assign"), "staff_id": kari.id})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).holder_id == kari.id
    assert db.session.query(AuditEvent).filter_by(action="assign").one().detail == f"{order.reference}: to Kari"


def test_the_alert_sound_is_a_setting_of_each_staff_member(client, make):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari")
    login(client, "kari")
    assert 'data-sound="0"' in client.get("/").get_data(as_text=True)
    client.post("/me/alert-sound", data={"csrf_token": token(client, "/"), "sound": "y"})
    db.session.expire_all()
    assert kari.alert_sound is True
    assert 'data-sound="1"' in client.get("/").get_data(as_text=True)
    client.post("/me/alert-sound", data={"csrf_token": token(client, "/")})
    db.session.expire_all()
    assert kari.alert_sound is False


def test_the_live_endpoint_counts_waiting_orders_urgent_ones_and_the_inbox_for_my_branch(client, make, now):
    branch = make.branch("OSL")
    other = make.branch("GOT")
    make.staff(branch, login="kari")
    make.order(branch, now=now)
    make.order(branch, now=now, urgent=True)
    claimed = make.order(branch, now=now)
    claimed.status = OrderStatus.CLAIMED
    make.order(other, now=now, urgent=True)
    db.session.add(InboundMessage(channel="email", branch_id=branch.id, status="processed", kind="other",
                                  raw=b"x", dedup_key="k1", received_at=now))
    db.session.flush()
    login(client, "kari")
    data = client.get("/calls/active").get_json()
    assert data["counts"] == {"waiting": 2, "urgent": 1, "inbox": 1}
    assert data["calls"] == []


def test_age_turns_amber_then_red_at_the_branchs_thresholds(client, make):
    now = datetime.now(UTC)
    branch = make.branch("OSL", age_amber_minutes=10, age_red_minutes=20)
    make.staff(branch, login="kari")
    fresh = make.order(branch, now=now - timedelta(minutes=2))
    amber = make.order(branch, now=now - timedelta(minutes=12))
    red = make.order(branch, now=now - timedelta(minutes=25))
    held = make.order(branch, now=now - timedelta(minutes=60))
    held.status = OrderStatus.CLAIMED  # someone holds it: its age alarms no one
    db.session.flush()
    login(client, "kari")
    html = client.get("/").get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="([^"]*)">\s*<td data-label="Reference"><a href="/orders/([A-Z]+-\d+)"', html))
    level = {ref: ("age-red" if "age-red" in cls else "age-amber" if "age-amber" in cls else "") for cls, ref in rows.items()}
    assert level == {fresh.reference: "", amber.reference: "age-amber", red.reference: "age-red", held.reference: ""}


def test_a_manager_sets_the_age_thresholds_and_they_are_audited(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="maria", role="manager")
    login(client, "maria")
    page = "/manager/branches/OSL"
    bad = client.post(f"{page}/ages", data={"csrf_token": token(client, page), "age_amber_minutes": 30,
                                            "age_red_minutes": 20}, follow_redirects=True)
    assert any("Amber must come first" in f for f in flashes(bad.get_data(as_text=True)))
    client.post(f"{page}/ages", data={"csrf_token": token(client, page), "age_amber_minutes": 20,
                                      "age_red_minutes": 45})
    db.session.expire_all()
    assert (branch.age_amber_minutes, branch.age_red_minutes) == (20, 45)
    details = [a.detail for a in db.session.query(AuditEvent).filter_by(action="age_threshold_changed")]
    assert details == ["age_amber_minutes: 15 -> 20", "age_red_minutes: 30 -> 45"]
