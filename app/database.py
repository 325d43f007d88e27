"""Engine set-up and the write transaction that makes limits race-free on both databases.

PostgreSQL: capacity checks lock the branch or staff row with SELECT ... FOR UPDATE.
SQLite: there are no row locks, so a write unit of work starts with BEGIN IMMEDIATE, which
takes the database's single write lock up front; concurrent writers wait (busy_timeout)
instead of reading a stale count.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

IMMEDIATE = "partdesk_sqlite_immediate"
SYNCHRONOUS = {"off": "OFF", "normal": "NORMAL", "full": "FULL", "extra": "EXTRA"}.get(
    os.environ.get("PARTDESK_SQLITE_SYNCHRONOUS", "full").lower(), "FULL")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take control of BEGIN away from the sqlite3 module so we can say IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # FULL: a committed message survives a power cut before we mark it on the IMAP server
        cur.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
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


def begin_write(session) -> None:
    """Start the session's transaction as a writer. Call before the first query of a unit of work.

    On SQLite this is BEGIN IMMEDIATE; if the session already has a transaction open, it is
    committed first only when it holds no changes (a read), otherwise we refuse: a deferred
    transaction that has read cannot safely become a writer later.
    """
    session = _real(session)
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write called inside a transaction with pending changes")
        session.commit()
    if is_sqlite(session):
        session.connection(execution_options={IMMEDIATE: True})
    else:
        session.connection()


@contextmanager
def write_transaction(session):
    """A unit of work that commits on success and rolls back on any error."""
    begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
