"""Engine set-up and the write transaction that makes limits race-free on both databases.

PostgreSQL: capacity checks lock the branch or staff row with SELECT ... FOR UPDATE.
SQLite: there are no row locks, so a write unit of work starts with BEGIN IMMEDIATE, which
takes the database's single write lock up front; concurrent writers wait (busy_timeout)
instead of reading a stale count.

Writes begin where the code writes: a request, a worker or a command enters a unit of work
(app.orders.unit_of_work, which calls begin_write) after it has read, validated and waited on whatever
it waits on, so the lock is held only for the writing. Nothing takes it for a whole request: a page,
a refused form or a slowed failed login never holds it.
"""
from __future__ import annotations

import fcntl
import os
import threading
import warnings

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

IMMEDIATE = "partdesk_sqlite_immediate"
SYNCHRONOUS = {"off": "OFF", "normal": "NORMAL", "full": "FULL", "extra": "EXTRA"}


def configure_engine(engine: Engine, *, synchronous: str = "full") -> None:
    """SQLite: WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE for writers; synchronous is the app's
    SQLITE_SYNCHRONOUS (an unknown value is FULL)."""
    if engine.dialect.name != "sqlite":
        return
    pragma = SYNCHRONOUS.get((synchronous or "full").lower(), "FULL")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take control of BEGIN away from the sqlite3 module so we can say IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # FULL: a committed message survives a power cut before we mark it on the IMAP server
        cur.execute(f"PRAGMA synchronous={pragma}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _real(session):
    """The Session behind a scoped_session (Flask-SQLAlchemy's db.session)."""
    return session() if hasattr(session, "registry") else session


def is_sqlite(session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def begin_write(session, *, keep_loaded: bool = False) -> None:
    """Start the session's transaction as a writer. Call before the first query of a unit of work.

    On SQLite this is BEGIN IMMEDIATE; if the session already has a transaction open, it is
    committed first only when it holds no changes (a read), otherwise we refuse: a deferred
    transaction that has read cannot safely become a writer later.

    That commit expires what the read loaded, so nothing read before the lock is trusted after it.
    `keep_loaded=True` keeps it loaded instead, for a caller that decides nothing on it (the phone
    form: the staff member and the workshop it validated); what must be current under the lock (the
    branch, the counts) is read again there anyway.
    """
    session = _real(session)
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write called inside a transaction with pending changes")
        expire, session.expire_on_commit = session.expire_on_commit, session.expire_on_commit and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    if is_sqlite(session):
        session.info[_WRITER] = True
        gate = _gate_for(session.get_bind().engine)  # a Connection (a test's outer transaction) has its engine
        if gate is not None:
            gate.acquire()
            session.info[_GATE] = gate
        try:
            session.connection(execution_options={IMMEDIATE: True})
        except BaseException:
            _release_gate(session)
            session.info.pop(_WRITER, None)
            raise
    else:
        session.connection()


# --- SQLite write gate --------------------------------------------------------------------------
# SQLite lets one writer in at a time and makes the others poll with growing sleeps (up to 100 ms),
# which under load turns a 5 ms write into a 100 ms wait. Writers therefore queue on a blocking
# lock first: a thread lock inside the process and an flock on a file beside the database across
# processes (gunicorn workers, the intake worker), released the moment the transaction ends.
_GATE = "partdesk_write_gate"
_WRITER = "partdesk_writer"  # set on a SQLite session whose transaction began with BEGIN IMMEDIATE
_gates: dict[str, "_WriteGate"] = {}
_gates_lock = threading.Lock()


class _WriteGate:
    def __init__(self, path: str):
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.pid: int | None = None

    def acquire(self) -> None:
        if not self.thread_lock.acquire(timeout=60):
            raise TimeoutError("Waited 60 s for the database write lock.")
        try:
            if self.fd is None or self.pid != os.getpid():  # a forked worker needs its own descriptor
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self.pid = os.getpid()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


def _gate_for(engine) -> _WriteGate | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + ".write-gate"
    with _gates_lock:
        if path not in _gates:
            _gates[path] = _WriteGate(path)
        return _gates[path]


def _release_gate(session) -> None:
    gate = session.info.pop(_GATE, None)
    if gate is not None:
        gate.release()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    # the outermost transaction ended: committed, rolled back or closed
    if transaction.parent is None:
        session.info.pop(_WRITER, None)
        _release_gate(session)


class WriteWithoutLock(RuntimeWarning):
    """A request wrote on SQLite outside a unit of work (its transaction did not begin with begin_write)."""


@event.listens_for(Session, "before_flush")
def _writes_begin_with_begin_write(session, _flush_context, _instances):
    # A transaction that began as a reader cannot wait for the write lock (SQLite answers "database is
    # locked" at once when another writer holds it) and may have read rows another writer changed since.
    if session.info.get(_WRITER) or not has_request_context() or not _changes(session) or not is_sqlite(session):
        return
    warnings.warn(f"{request.method} {request.endpoint} writes outside a unit of work: make its changes inside "
                  "app.orders.unit_of_work.UnitOfWork (or run), entered after reading and validating.",
                  WriteWithoutLock, stacklevel=2)


def _changes(session) -> bool:
    return bool(session.new or session.deleted or any(session.is_modified(o) for o in session.dirty))
