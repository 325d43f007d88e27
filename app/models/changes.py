"""The queue's change number: one row whose number goes up in the same transaction as every write to a
table the queue page shows, so a web process may keep a rendered piece of that page until the number moves.

    QUEUE_TABLES    order, order_line, workshop, staff, branch (what the queue's rows are made of)
    queue_version() the committed number, read in the reader's transaction (0 before the first write)
    local_changes() how many flushes of this process changed a queue table (see below)

The number is raised at commit, after the transaction's last flush, so the row's lock (PostgreSQL) is the
last one a writer takes and is held only while it commits: no writer waits on it while holding it. It
is raised by any session's commit that wrote to a queue table (the ORM's flushes and the
`session.execute(update(Order)...)` kind both count), in any process on any host, and becomes visible
atomically with the write. A reader that reads it before the rows it shows therefore never keeps rows
older than the number says.

`local_changes()` also moves at every such flush of this process, committed or not: what a transaction
of this process has flushed but not committed (a test's outer transaction) is seen by the next page too.
"""
from __future__ import annotations

import functools
import itertools
from itertools import chain

from sqlalchemy import BigInteger, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.extensions import db

QUEUE_TABLES = frozenset({"order", "order_line", "workshop", "staff", "branch"})
_ROW = 1
_CHANGED = "partdesk_queue_changed"  # session.info: this transaction wrote to a queue table


class QueueVersion(db.Model):
    """The one row (id 1) of the queue's change number; made by the first write that raises it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


_flushes = itertools.count(1)
_local = 0


def queue_version(session=None) -> int:
    session = session or db.session
    return session.scalar(select(QueueVersion.version).where(QueueVersion.id == _ROW)) or 0


def local_changes() -> int:
    return _local


def _mark(session: Session) -> None:
    global _local
    session.info[_CHANGED] = True
    _local = next(_flushes)


def _table_of(entity) -> str | None:
    table = getattr(type(entity), "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    # new, dirty and deleted still hold what this flush wrote
    if any(_table_of(o) in QUEUE_TABLES for o in chain(session.new, session.dirty, session.deleted)):
        _mark(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in QUEUE_TABLES:
            _mark(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    for _ in range(100):  # as Session.commit does: what flushing adds (audit rows) is flushed too
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    if session.info.pop(_CHANGED, False):
        session.connection().execute(_raise_statement(session.get_bind().dialect.name))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(_CHANGED, None)


@functools.cache
def _raise_statement(dialect: str):
    """Built once per dialect (it runs under every writer's lock)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = QueueVersion.__table__
    return insert(table).values(id=_ROW, version=1).on_conflict_do_update(
        index_elements=[table.c.id], set_={"version": table.c.version + 1})
