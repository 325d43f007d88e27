"""The unit of work: one object owns each write transaction (cosmicpython's service_layer/unit_of_work).

    with UnitOfWork() as uow:
        order = service.create_order(branch_id, data, by=staff, now=now)
        uow.commit()

Entering begins the write (app.database.begin_write: BEGIN IMMEDIATE behind the write gate on SQLite;
on PostgreSQL the capacity code locks its rows with FOR UPDATE); `commit()` commits; leaving the block
without a commit, or with an exception, rolls everything back. What the domain raises inside it (status
changes, the audit events and outbox rows their handlers add) is written in the same transaction, so it
is committed or rolled back with the change that raised it.

Reads need no unit of work and never take the write lock. Views, webhooks and workers call `run`
(commit when the work returns) instead of committing themselves.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.database import begin_write
from app.orders.errors import DomainError
from app.orders.signals import status_changed

if TYPE_CHECKING:
    from app.models import Branch, Order, Workshop

T = TypeVar("T")
R = TypeVar("R")
_CURRENT = "partdesk_unit_of_work"


@dataclass(frozen=True)
class StatusChange:
    """A status change raised inside the unit of work (app.orders.lifecycle sends it)."""
    order_id: int | None
    from_status: str | None
    to_status: str
    at: datetime


class UnitOfWork:
    """One write transaction on the app's session. Not reentrant: a unit of work inside another is a bug
    (the inner commit would commit the outer's half-done work), so entering a second one raises.

    `keep_loaded=True` keeps what the caller read before entering loaded instead of expired, for a caller
    that decides nothing on it (see app.database.begin_write)."""

    # what the transaction has locked or worked out once; forgotten when it ends
    locked_branches: dict[int, Branch]  # branch id -> the row locked FOR UPDATE (SQLite: the write lock)
    branch_counts: dict[int, tuple[int, int, datetime]]  # branch id -> (open, admitted in the hour, as of)
    throughput: dict[int, object]  # branch id -> its capacity.Throughput (orders done per hour)
    recent_acks: dict[tuple[str, datetime], int]  # (address, now) -> acknowledgements sent in the hour
    order_by_message: dict[int, int | None]  # inbound message id -> order made from it (None: none yet)
    first_with_message_id: dict[str, int | None]  # Message-ID header -> first inbound message stored with it
    workshop_by_email: dict[str, Workshop]  # exact address -> workshop, for a batch's senders
    backup_addresses: set[str] | None  # the backup suppliers' addresses, once looked up
    queue_counts: dict[int, int]  # branch id -> its orders waiting (new, needs review), kept up as orders are made
    outbox_keys_absent: set[str]  # idempotency keys looked up for a batch and not in the outbox
    confirmed: dict[int, tuple[set[str], set[str]]]  # workshop id -> (numbers asked, those on its accepted orders)
    status_changes: list[StatusChange]  # raised inside, in order

    def __init__(self, session: Session | None = None, *, keep_loaded: bool = False):
        self._given = session
        self._keep_loaded = keep_loaded
        self._committed = False
        self._forget()

    def _forget(self) -> None:
        self.locked_branches, self.branch_counts, self.throughput = {}, {}, {}
        self.recent_acks, self.order_by_message, self.first_with_message_id = {}, {}, {}
        self.workshop_by_email, self.backup_addresses = {}, None
        self.queue_counts, self.outbox_keys_absent, self.confirmed = {}, set(), {}
        self.status_changes = []

    def __enter__(self) -> UnitOfWork:
        self.session = _real(self._given)
        if self.session.info.get(_CURRENT) is not None:
            raise RuntimeError("a unit of work is already open on this session; do the work inside it")
        try:
            begin_write(self.session, keep_loaded=self._keep_loaded)
        except BaseException:
            self.session.rollback()  # the write never began (the lock not had, the database away)
            raise
        self.session.info[_CURRENT] = self
        return self

    def __exit__(self, *exc) -> None:
        try:
            if not self._committed:
                self.rollback()
        finally:
            self.session.info.pop(_CURRENT, None)
            self._forget()

    def commit(self) -> None:
        """Commit everything done inside, the events' rows included. The unit of work is over after it."""
        self.session.commit()
        self._committed = True
        self.session.info.pop(_CURRENT, None)

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()

    def forget_locks(self) -> None:
        """A rollback to a savepoint gave back the row locks taken inside it (PostgreSQL), and the
        counts worked out under them."""
        self.locked_branches.clear()
        self.branch_counts.clear()
        self.throughput.clear()
        self.queue_counts.clear()
        self.outbox_keys_absent.clear()  # a savepoint rolled back may have held one


def current(session: Session | None = None) -> UnitOfWork | None:
    """The unit of work open on the session (the app's by default), or None outside one."""
    return _real(session).info.get(_CURRENT)


def end_read(session: Session | None = None) -> None:
    """End the session's read transaction, or what a failure left of one, so the next read sees what was
    committed since and nothing is held meanwhile (a worker about to wait on the network). Raises
    RuntimeError when the session holds changes: a write belongs in a unit of work, not here."""
    session = _real(session)
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise RuntimeError("end_read on a session with changes: make them inside a unit of work")
    try:
        session.commit()  # writes nothing; ends the transaction as begin_write does a read before the lock
    except Exception:  # noqa: BLE001 - a failure left the transaction unusable: throw it away
        session.rollback()


def kept(session: Session | None = None) -> UnitOfWork:
    """Where this transaction keeps what it locked and worked out: the open unit of work, or outside
    one (a page's figures) a fresh one that keeps nothing."""
    return current(session) or UnitOfWork(session)


def run(work: Callable[[UnitOfWork], T], *, keep_loaded: bool = False) -> T:
    """Do work(uow) in its own unit of work and commit it when it returns. Whatever it raises (a domain
    refusal, a database error) rolls all of it back and is raised again."""
    with UnitOfWork(keep_loaded=keep_loaded) as uow:
        result = work(uow)
        uow.commit()
    return result


def attempt(work: Callable[[UnitOfWork], T], *, refused: Callable[[DomainError], R],
            keep_loaded: bool = False) -> T | R:
    """run(work), except that a domain refusal (app.orders.errors.DomainError) is answered by
    refused(refusal) instead of raised: a flash message in a view, a TwiML reply in a webhook. Nothing of
    the refused work is written."""
    try:
        return run(work, keep_loaded=keep_loaded)
    except DomainError as refusal:
        return refused(refusal)


def _real(session: Session | None) -> Session:
    if session is None:
        from app.extensions import db

        session = db.session
    return session() if hasattr(session, "registry") else session  # the Session behind db.session


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session, _previous_transaction):
    uow = session.info.get(_CURRENT)
    if uow is not None:
        uow.forget_locks()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    # a commit or rollback inside the block (a savepoint's end is not one) ends what was locked
    uow = session.info.get(_CURRENT)
    if uow is not None and transaction.parent is None:
        uow.forget_locks()


def _on_status_changed(order: Order, *, from_status, to_status, now, **_kw) -> None:
    from app.extensions import db

    uow = current(db.session)
    if uow is not None:
        uow.status_changes.append(StatusChange(order.id, from_status, to_status, now))


status_changed.connect(_on_status_changed, weak=False)
