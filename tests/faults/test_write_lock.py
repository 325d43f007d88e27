"""SQLite has one write lock for the whole database: a request takes it where it writes (its unit of work),
never for what comes before. An anonymous visitor whose failed login is slowed down must not hold it
while it sleeps, and a request that writes nothing (a page, a form refused by validation, a forged
webhook) must not take it at all.

SQLite only: PostgreSQL has row locks and no database-wide write lock.
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import event

from app.orders.unit_of_work import UnitOfWork
from app.web.auth import throttle
from tests.conftest import csrf_token, login
from tests.faults.test_web_sigkill import order_form, signed_in

pytestmark = pytest.mark.sqlite_only

SLEEP = 3.0  # what each failed login is made to wait
IN_FLIGHT = 4  # anonymous failed logins at once
BOUND = 1.5  # seconds a write may take while they wait; before the fix it waited for all of them in turn


@pytest.fixture(autouse=True)
def _sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the database-wide write lock is SQLite's")


@contextmanager
def write_locks(db):
    """Every BEGIN IMMEDIATE (taking the SQLite write lock) issued on the app's engine while inside."""
    seen: list[str] = []

    def record(conn, cursor, statement, *_):
        if statement.strip().upper().startswith("BEGIN IMMEDIATE"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_anonymous_failed_logins_do_not_hold_up_an_order_or_an_intake_store(app, db, make, live_url, monkeypatch):
    from app.intake.store import store_raw
    from app.models import InboundMessage, Order

    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.workshop(branch, number="20001", name="Bilservice Nord AS", phones=["+47 900 00 001"])
    branch_id = branch.id
    db.session.remove()
    app.config["TESTING"] = False  # the login route really sleeps outside tests
    monkeypatch.setattr(throttle, "delay_for", lambda failures: SLEEP)
    session, token = signed_in(live_url)

    logins: list[tuple[int, float, float]] = []  # (status, began, ended)

    def fail_login(n: int) -> None:
        anonymous = requests.Session()
        page = anonymous.get(f"{live_url}/login", timeout=30).text
        form_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        began = time.monotonic()
        answer = anonymous.post(f"{live_url}/login", timeout=60, data={
            "login": f"nobody{n}", "password": "guess", "csrf_token": form_token})
        logins.append((answer.status_code, began, time.monotonic()))

    attackers = [threading.Thread(target=fail_login, args=(n,)) for n in range(IN_FLIGHT)]
    for thread in attackers:
        thread.start()
    time.sleep(0.5)  # every failed login is past its password check and asleep

    took: dict[str, tuple[float, float]] = {}  # what -> (began, ended)
    answers: dict = {}

    def post_order() -> None:
        began = time.monotonic()
        answers["form"] = session.post(f"{live_url}/orders/new", data=order_form(token, "during the attack"),
                                       allow_redirects=False, timeout=60)
        took["form"] = (began, time.monotonic())

    def store() -> None:
        with app.app_context():
            began = time.monotonic()
            answers["stored"], _ = store_raw(
                b"Message-ID: <d2@example.test>\r\nSubject: bestilling\r\n\r\n2 stk BKR6E\r\n",
                channel="email", branch_id=branch_id, now=datetime.now(UTC))
            took["store"] = (began, time.monotonic())
            db.session.remove()

    writers = [threading.Thread(target=post_order), threading.Thread(target=store)]
    for thread in writers:  # both at once, while the failed logins sleep
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    assert answers["form"].status_code == 302 and "/created" in answers["form"].headers["Location"], \
        answers["form"].text[:500]
    form_wait, store_wait = (took[w][1] - took[w][0] for w in ("form", "store"))

    for thread in attackers:
        thread.join(timeout=120)
    print(f"\nwith {IN_FLIGHT} anonymous failed logins asleep for {SLEEP} s: the order form took "
          f"{form_wait * 1000:.0f} ms, the intake store {store_wait * 1000:.0f} ms")
    assert [status for status, *_ in logins] == [401] * IN_FLIGHT
    assert form_wait < BOUND, f"the order form waited {form_wait:.1f} s behind failed logins"
    assert store_wait < BOUND, f"the intake store waited {store_wait:.1f} s behind failed logins"
    # and the failed logins really were asleep while the two writes ran
    assert all(ended - started >= SLEEP - 0.1 for _, started, ended in logins)
    assert max(ended for _, ended in took.values()) < min(ended for *_, ended in logins)
    db.session.remove()
    assert db.session.query(Order).filter_by(notes="during the attack").count() == 1
    assert db.session.get(InboundMessage, answers["stored"]) is not None


def test_pages_refused_forms_and_forged_webhooks_take_no_write_lock(app, db, make, client):
    from app.models import Order

    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.staff(branch, login="maria", name="Maria", role="manager")
    make.workshop(branch, number="20001", name="Bilservice Nord AS", phones=["+47 900 00 001"])
    order = make.order(branch)
    reference = order.reference
    app.config["TWILIO_AUTH_TOKEN"] = "twilio-test-token"

    took: dict[str, int] = {}

    def check(name: str, call) -> None:
        with write_locks(db) as seen:
            response = call()
        assert response.status_code < 500, (name, response.status_code)
        took[name] = len(seen)

    token = csrf_token(client, "/login")
    check("failed-validation login (no password)",
          lambda: client.post("/login", data={"login": "kari", "password": "", "csrf_token": token}))
    check("failed login, unknown name",
          lambda: client.post("/login", data={"login": "nobody", "password": "guess", "csrf_token": token}))
    check("forged Twilio SMS webhook", lambda: client.post("/twilio/sms", data={"MessageSid": "SM1", "Body": "hei"}))

    login(client, "kari")
    check("queue page", lambda: client.get("/"))
    check("order page", lambda: client.get(f"/orders/{reference}"))
    check("order form page", lambda: client.get("/orders/new"))
    token = csrf_token(client, f"/orders/{reference}")
    check("cancel without a reason",
          lambda: client.post(f"/orders/{reference}/cancel", data={"reason": "", "csrf_token": token}))
    check("order form without lines", lambda: client.post("/orders/new", data={"csrf_token": token, "workshop": "20001"}))
    check("log out", lambda: client.post("/logout", data={"csrf_token": token}))

    login(client, "maria")
    check("dashboard", lambda: client.get("/manager/"))
    token = csrf_token(client, "/manager/branches/OSL")
    check("limits refused by validation", lambda: client.post("/manager/branches/OSL/limits", data={
        "csrf_token": token, "staff_hold_limit": "-3", "hourly_limit": "many", "open_limit": "",
        "overflow_policy": "hold"}))

    # Two requests write on purpose, once and briefly: a failed login counts the attempt and commits it before
    # any delay (the throttle, issue 11 D6), and logging out ends the sessions on the server (D9).
    writes_once = {"failed login, unknown name", "log out"}
    assert {name: n for name, n in took.items() if n and name not in writes_once} == {}, \
        "these took the SQLite write lock"
    assert {name: took[name] for name in writes_once} == {name: 1 for name in writes_once}

    # the same detector sees a request that does write: it takes the lock, once
    with write_locks(db) as seen:
        answer = client.post(f"/orders/{reference}/cancel", data={"reason": "Kunden ringte", "csrf_token": token})
    assert answer.status_code == 302 and len(seen) == 1
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"


def test_a_request_that_writes_outside_a_unit_of_work_is_named(app, db, make):
    """A view that writes outside a unit of work would write in a transaction that began as a reader: on
    SQLite it cannot wait for the lock and fails under load. It is made loud (a warning, an error under pytest)."""
    from app.database import WriteWithoutLock
    from app.models import Branch

    make.branch("OSL")

    @app.post("/test-only/rename-without-lock")
    def _rename_without_lock():
        db.session.scalars(db.select(Branch)).first().name = "Renamed"
        db.session.commit()
        return "renamed"

    @app.post("/test-only/rename-with-lock")
    def _rename_with_lock():
        with UnitOfWork() as uow:
            db.session.scalars(db.select(Branch)).first().name = "Renamed"
            uow.commit()
        return "renamed"

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    with pytest.warns(WriteWithoutLock, match="outside a unit of work"):
        client.post("/test-only/rename-without-lock")
    db.session.rollback()
    assert client.post("/test-only/rename-with-lock").status_code == 200
