"""The unit of work owns the write transaction: entering begins the write, commit() commits, leaving
without a commit rolls back, and what the change raised (events, outbox rows) goes with it."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from app.models import Order, OrderEvent, OutboxMessage
from app.orders import capacity, service
from app.orders.errors import OverCapacity
from app.orders.service import LineInput, OrderInput
from app.orders.unit_of_work import UnitOfWork, current, run

pytestmark = pytest.mark.real_commits  # what it proves is what a real commit and rollback do
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _held_branch(make):
    """A branch at its open limit, so a new order is held and the workshop is told (an outbox row)."""
    branch = make.branch("OSL", open_limit=0)
    workshop = make.workshop(branch, number="20001", phones=["+47 900 00 001"])
    lines = [LineInput("0 986 494 123", "Klosser", 2)]
    return branch.id, OrderInput(channel="web", workshop_id=workshop.id, lines=lines)


def _counts(db) -> tuple[int, int, int]:
    db.session.rollback()  # a fresh snapshot: what is committed
    return (db.session.scalar(select(func.count()).select_from(Order)),
            db.session.scalar(select(func.count()).select_from(OrderEvent)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)))


def test_commit_writes_the_order_with_its_events_and_outbox_row(db, make):
    branch_id, data = _held_branch(make)
    with UnitOfWork() as uow:
        order = service.create_order(branch_id, data, by=None, now=NOW)
        assert order.status == "held"
        assert [(c.from_status, c.to_status) for c in uow.status_changes] == [(None, "held")]
        uow.commit()
    assert _counts(db) == (1, 1, 1)
    assert db.session.scalars(select(OutboxMessage)).one().kind == "held"


def test_leaving_without_commit_rolls_back_the_order_its_events_and_outbox_rows(db, make):
    branch_id, data = _held_branch(make)
    with UnitOfWork():
        service.create_order(branch_id, data, by=None, now=NOW)
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # written, in the transaction
    assert _counts(db) == (0, 0, 0)


def test_an_exception_rolls_back_and_is_raised_again(db, make):
    branch_id, data = _held_branch(make)

    def work(_uow):
        service.create_order(branch_id, data, by=None, now=NOW)
        raise OverCapacity("refused after writing")

    with pytest.raises(OverCapacity, match="refused after writing"):
        run(work)
    assert _counts(db) == (0, 0, 0)
    assert current() is None


def test_run_commits_what_the_work_did_and_returns_its_result(db, make):
    branch_id, data = _held_branch(make)
    reference = run(lambda uow: service.create_order(branch_id, data, by=None, now=NOW).reference)
    assert reference == "OSL-000001"
    assert _counts(db) == (1, 1, 1)


def test_a_unit_of_work_inside_another_is_refused(db, make):
    make.branch("OSL")
    with UnitOfWork():
        with pytest.raises(RuntimeError, match="already open"):
            with UnitOfWork():
                pass
    assert current() is None


def test_what_it_locked_is_kept_inside_and_forgotten_after(db, make):
    branch = make.branch("OSL")
    with UnitOfWork() as uow:
        locked = capacity.lock_branch(branch.id)
        assert uow.locked_branches == {branch.id: locked}
        assert capacity.lock_branch(branch.id) is locked
        assert current() is uow
        uow.commit()
        assert uow.locked_branches == {}
    assert current() is None


def test_a_second_unit_of_work_waits_for_the_first_to_commit(app, db, make):
    """Entering (SQLite) or locking the branch (PostgreSQL) makes a simultaneous writer wait: the
    second unit of work sees the first one's order, never the count from before it."""
    branch = make.branch("OSL", open_limit=1)
    branch_id = branch.id
    data = OrderInput(channel="web", lines=[LineInput("0 986 494 123", "Klosser", 2)])
    first_locked, second_done = threading.Event(), threading.Event()
    statuses: dict[str, str] = {}

    def second():
        with app.app_context():
            from app.extensions import db as thread_db

            first_locked.wait(10)
            try:
                statuses["second"] = run(lambda uow: service.create_order(branch_id, data, by=None, now=NOW).status)
            finally:
                thread_db.session.remove()
                second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with UnitOfWork() as uow:
        statuses["first"] = service.create_order(branch_id, data, by=None, now=NOW).status
        first_locked.set()
        assert not second_done.wait(0.5)  # still waiting for the lock
        uow.commit()
    thread.join(30)
    assert statuses == {"first": "new", "second": "held"}


@pytest.mark.sqlite_only
def test_reads_outside_a_unit_of_work_take_no_write_lock(app, db, make):
    """SQLite: a read is a deferred transaction; only entering a unit of work says BEGIN IMMEDIATE,
    and while a read is open another connection can still write."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the database-wide write lock is SQLite's")
    branch = make.branch("OSL")
    branch_id = branch.id
    begins: list[str] = []

    def record(_conn, _cursor, statement, *_):
        if statement.strip().upper().startswith("BEGIN"):
            begins.append(statement.strip().upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.session.rollback()
        assert capacity.open_count(branch_id) == 0  # a read, with its transaction left open
        assert capacity.throughput_per_hour(db.session.get(type(branch), branch_id), NOW) > 0
        writer_took = []

        def other_writer():
            with app.app_context():
                from app.extensions import db as thread_db

                started = time.monotonic()
                run(lambda uow: service.create_order(branch_id, OrderInput(channel="web"), by=None, now=NOW))
                writer_took.append(time.monotonic() - started)
                thread_db.session.remove()

        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(10)
        assert writer_took and writer_took[0] < 2  # not held up by the open read
        assert begins == ["BEGIN", "BEGIN IMMEDIATE"]  # this read, the other thread's write
        db.session.rollback()
        with UnitOfWork() as uow:
            uow.commit()
        assert begins[-1] == "BEGIN IMMEDIATE"
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
