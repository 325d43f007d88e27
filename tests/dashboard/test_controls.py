"""Capacity controls on /manager/branches/<code>: limits, policy, pause, a person's limit; all audited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import AuditEvent, Branch, Order, Staff
from tests.conftest import csrf_token, login

M = timedelta(minutes=1)


def _limits(token, **kw):
    data = {"csrf_token": token, "staff_hold_limit": 5, "hourly_limit": 1, "open_limit": 200, "overflow_policy": "hold"}
    data.update(kw)
    return data


def _audit(db):
    return [(a.action, a.detail, a.actor_label) for a in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_raising_the_hourly_limit_admits_held_orders_and_is_audited(client, db, make, now):
    osl = make.branch("OSL", hourly_limit=1)
    make.staff(osl, role="manager", login="boss", name="Boss")
    orders = [make.order(osl, now=now - i * M) for i in range(3)]  # recent: all count against the hour
    assert [o.status for o in orders] == ["new", "held", "held"]
    login(client, "boss")
    token = csrf_token(client, "/manager/branches/OSL")
    response = client.post("/manager/branches/OSL/limits", data=_limits(token, hourly_limit=3))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Branch)).one().hourly_limit == 3
    assert sorted(o.status for o in db.session.scalars(select(Order))) == ["new", "new", "new"]
    assert _audit(db) == [("limit_changed", "hourly_limit: 1 -> 3", "Boss (boss)")]
    page = client.get("/manager/branches/OSL").get_data(as_text=True)
    assert "2 held orders admitted" in page and "hourly_limit: 1 -&gt; 3" in page


def test_bad_limits_are_refused_and_nothing_changes(client, db, make):
    osl = make.branch("OSL", hourly_limit=10)
    make.staff(osl, role="manager", login="boss")
    login(client, "boss")
    token = csrf_token(client, "/manager/branches/OSL")
    response = client.post("/manager/branches/OSL/limits", data=_limits(token, hourly_limit=-1))
    assert response.status_code == 400 and "Number must be between 0 and 100000" in response.get_data(as_text=True)
    response = client.post("/manager/branches/OSL/limits", data=_limits(token, hourly_limit="ten"))
    assert response.status_code == 400
    assert client.post("/manager/branches/OSL/limits", data=_limits("", hourly_limit=20)).status_code == 400
    # redirect needs a backup supplier
    response = client.post("/manager/branches/OSL/limits", data=_limits(token, hourly_limit=10, overflow_policy="redirect"),
                           follow_redirects=True)
    assert "no backup supplier" in response.get_data(as_text=True)
    db.session.expire_all()
    branch = db.session.scalars(select(Branch)).one()
    assert (branch.hourly_limit, branch.overflow_policy) == (10, "hold") and _audit(db) == []


def test_policy_change_is_audited(client, db, make):
    make.branch("OSL", backup_name="Delepartner", backup_email="b@example.com")
    make.staff(None, role="manager", login="boss", name="Boss")
    login(client, "boss")
    token = csrf_token(client, "/manager/branches/OSL")
    client.post("/manager/branches/OSL/limits", data=_limits(token, hourly_limit=60, overflow_policy="redirect"))
    assert _audit(db) == [("policy_changed", "overflow_policy: hold -> redirect", "Boss (boss)")]


def test_pause_records_and_holds_resume_admits(client, db, make, now):
    osl = make.branch("OSL")
    make.staff(osl, role="manager", login="boss", name="Boss")
    login(client, "boss")
    token = csrf_token(client, "/manager/branches/OSL")
    assert client.post("/manager/branches/OSL/pause", data={"csrf_token": token, "paused": "1"}).status_code == 302
    db.session.expire_all()
    osl = db.session.scalars(select(Branch)).one()
    assert osl.paused
    held = make.order(osl, now=now)
    assert held.status == "held" and "paused" in held.capacity_decision
    assert client.post("/manager/branches/OSL/pause", data={"csrf_token": token, "paused": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, held.id).status == "new"
    assert [a[0] for a in _audit(db)] == ["paused", "resumed"]
    assert client.post("/manager/branches/OSL/pause", data={"csrf_token": token, "paused": "maybe"}).status_code == 400


def test_staff_limit(client, db, make):
    osl = make.branch("OSL")
    make.staff(osl, role="manager", login="boss", name="Boss")
    kari = make.staff(osl, login="kari")
    login(client, "boss")
    token = csrf_token(client, "/manager/branches/OSL")
    url = f"/manager/branches/OSL/staff/{kari.id}/limit"
    assert client.post(url, data={f"s{kari.id}-csrf_token": token, f"s{kari.id}-hold_limit": "2"}).status_code == 302
    assert client.post(url, data={f"s{kari.id}-csrf_token": token, f"s{kari.id}-hold_limit": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Staff, kari.id).hold_limit is None
    assert [a[1] for a in _audit(db)] == ["kari hold_limit: branch default -> 2", "kari hold_limit: 2 -> branch default"]
    other = make.branch("GOT")
    assert client.post(f"/manager/branches/{other.code}/staff/{kari.id}/limit",
                       data={f"s{kari.id}-csrf_token": token, f"s{kari.id}-hold_limit": "1"}).status_code == 404


def test_branch_pages_render(client, db, make):
    make.branch("OSL", name="Oslo <Alnabru>")
    make.staff(None, role="manager", login="boss")
    login(client, "boss")
    html = client.get("/manager/branches").get_data(as_text=True)
    assert "Oslo &lt;Alnabru&gt;" in html
    assert client.get("/manager/branches/OSL").status_code == 200
    assert client.get("/manager/branches/NOPE").status_code == 404
