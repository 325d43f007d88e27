"""A limit of N means N with 200 simultaneous attempts, on the real database (SQLite or PostgreSQL)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Order, Staff
from app.orders import service
from app.orders.errors import DomainError
from app.orders.service import LineInput, OrderInput
from app.orders.unit_of_work import UnitOfWork

pytestmark = pytest.mark.real_commits  # threads, each with its own connection
ATTEMPTS = 200


def _run_at_once(app, fn, count=ATTEMPTS):
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        with app.app_context():
            from app.extensions import db

            barrier.wait()
            try:
                with UnitOfWork(db.session) as uow:
                    results[i] = fn(i)
                    uow.commit()
            except DomainError as exc:
                results[i] = exc
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(worker, range(count)))
    from app.extensions import db

    db.session.rollback()  # end the main thread's read snapshot, so it sees what the threads wrote
    return results


def test_branch_hourly_limit_admits_exactly_n(app, db, make, now):
    limit = 17
    branch = make.branch(hourly_limit=limit, open_limit=10_000)
    branch_id = branch.id

    def place(i):
        order = service.create_order(branch_id, OrderInput(channel="web", lines=[LineInput("BKR6E", "plugg", 1)]),
                                     by=None, now=now + timedelta(seconds=i % 30))
        return order.status

    statuses = _run_at_once(app, place)
    assert statuses.count("new") == limit
    assert statuses.count("held") == ATTEMPTS - limit
    counts = dict(db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    assert counts == {"new": limit, "held": ATTEMPTS - limit}
    refs = db.session.scalars(select(Order.reference)).all()
    assert len(set(refs)) == ATTEMPTS  # no reference handed out twice


def test_branch_open_limit_admits_exactly_n(app, db, make, now):
    limit = 9
    branch = make.branch(open_limit=limit, hourly_limit=10_000, overflow_policy="redirect", backup_name="Backup AS")
    branch_id = branch.id
    statuses = _run_at_once(app, lambda i: service.create_order(
        branch_id, OrderInput(channel="sms", lines=[LineInput(None, "olje", 1)]), by=None, now=now).status)
    assert statuses.count("new") == limit
    assert statuses.count("redirected") == ATTEMPTS - limit


def test_staff_hold_limit_admits_exactly_n(app, db, make, now):
    limit = 5
    branch = make.branch(staff_hold_limit=limit, hourly_limit=10_000, open_limit=10_000)
    kari = make.staff(branch, name="Kari")
    order_ids = [make.order(branch, now=now).id for _ in range(ATTEMPTS)]
    kari_id = kari.id

    def claim(i):
        from app.extensions import db as _db

        staff = _db.session.get(Staff, kari_id)
        order = _db.session.get(Order, order_ids[i])
        service.claim(order, staff, now=now)
        return "claimed"

    results = _run_at_once(app, claim)
    assert results.count("claimed") == limit
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(refusals) == ATTEMPTS - limit
    assert all(f"holds {limit} of {limit}" in r.message for r in refusals)
    held = db.session.scalar(select(func.count()).select_from(Order).where(Order.holder_id == kari_id))
    assert held == limit


def test_one_order_is_claimed_by_exactly_one_of_many(app, db, make, now):
    branch = make.branch(staff_hold_limit=3)
    people = [make.staff(branch).id for _ in range(ATTEMPTS)]
    order_id = make.order(branch, now=now).id

    def claim(i):
        from app.extensions import db as _db

        service.claim(_db.session.get(Order, order_id), _db.session.get(Staff, people[i]), now=now)
        return "claimed"

    results = _run_at_once(app, claim)
    assert results.count("claimed") == 1
    assert all("already claimed" in r.message for r in results if isinstance(r, DomainError))


def test_claims_posted_at_once_through_the_web_hold_the_staff_limit(app, db, make, now, live_url):
    """The same limit through the real view and a real threaded server: the view begins its write
    (its unit of work) before the claim reads anything it decides on, so 40 simultaneous POSTs of the claim
    button for one person get exactly their limit through and a refusal each for the rest."""
    import re

    import requests

    limit, attempts = 3, 40
    branch = make.branch(staff_hold_limit=limit, hourly_limit=10_000, open_limit=10_000)
    kari = make.staff(branch, login="kari", name="Kari")
    references = [make.order(branch, now=now).reference for _ in range(attempts)]
    kari_id = kari.id
    db.session.remove()

    signed = requests.Session()
    page = signed.get(f"{live_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert signed.post(f"{live_url}/login", data={"login": "kari", "password": "secret-pass-1", "csrf_token": token},
                       allow_redirects=False, timeout=30).status_code == 302
    page = signed.get(f"{live_url}/orders/{references[0]}", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    barrier = threading.Barrier(attempts)

    def claim(i):
        client = requests.Session()
        client.cookies.update(signed.cookies)
        barrier.wait()
        answer = client.post(f"{live_url}/orders/{references[i]}/do/claim", data={"csrf_token": token},
                             allow_redirects=False, timeout=120)
        return answer.status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = list(pool.map(claim, range(attempts)))
    assert statuses == [302] * attempts  # each one answered: claimed, or refused with the reason
    held = db.session.scalar(select(func.count()).select_from(Order).where(Order.holder_id == kari_id,
                                                                           Order.status == "claimed"))
    assert held == limit
