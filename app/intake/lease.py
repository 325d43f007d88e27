"""One worker per mailbox at a time, across processes and hosts.

PostgreSQL: a session advisory lock held on a dedicated connection; it goes away with that
connection, so a killed worker frees the mailbox at once. SQLite: a lease row on the mailbox
(lease_owner, lease_until) renewed while working; a lease runs out after `ttl`, or at once when
its owner is a dead process on this same host.
"""
from __future__ import annotations

import os
import socket
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, text, update

from app.extensions import db
from app.models import Mailbox
from app.orders.unit_of_work import UnitOfWork

ADVISORY_CLASS = 0x5044  # "PD": keeps our lock ids apart from anyone else's


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _owner_is_dead(owner: str | None) -> bool:
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Lease:
    """`acquire()` -> bool; `renew()` -> bool (False: lost, stop working); `release()`."""

    def __init__(self, mailbox_id: int, *, ttl: float = 120.0):
        self.mailbox_id = mailbox_id
        self.ttl = timedelta(seconds=ttl)
        self.owner = _owner_id()
        self._conn = None
        self.held = False

    @property
    def postgres(self) -> bool:
        return db.engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        if self.postgres:
            self._conn = db.engine.connect()
            got = self._conn.execute(text("SELECT pg_try_advisory_lock(:c, :k)"),
                                     {"c": ADVISORY_CLASS, "k": self.mailbox_id}).scalar()
            self._conn.commit()
            if not got:
                self._conn.close()
                self._conn = None
            self.held = bool(got)
            return self.held
        self.held = self._take(steal_dead=True)
        return self.held

    def _take(self, *, steal_dead: bool) -> bool:
        now = datetime.now(UTC)
        with UnitOfWork() as uow:
            current = db.session.scalar(select(Mailbox.lease_owner).where(Mailbox.id == self.mailbox_id))
            free = or_(Mailbox.lease_owner.is_(None), Mailbox.lease_owner == self.owner,
                       Mailbox.lease_until < now)
            if steal_dead and current and current != self.owner and _owner_is_dead(current):
                free = or_(free, and_(Mailbox.lease_owner == current))
            done = db.session.execute(update(Mailbox).where(Mailbox.id == self.mailbox_id, free)
                                      .values(lease_owner=self.owner, lease_until=now + self.ttl)).rowcount
            uow.commit()
        return done == 1

    def renew(self) -> bool:
        if not self.held:
            return False
        if self.postgres:
            try:
                self._conn.execute(text("SELECT 1")).scalar()
                self._conn.commit()
            except Exception:  # noqa: BLE001 - the lock went with the connection
                self.held = False
            return self.held
        self.held = self._take(steal_dead=False)
        return self.held

    def release(self) -> None:
        if self.postgres:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:c, :k)"),
                                       {"c": ADVISORY_CLASS, "k": self.mailbox_id})
                    self._conn.commit()
                finally:
                    self._conn.close()
                    self._conn = None
        elif self.held:
            with UnitOfWork() as uow:
                db.session.execute(update(Mailbox)
                                   .where(Mailbox.id == self.mailbox_id, Mailbox.lease_owner == self.owner)
                                   .values(lease_owner=None, lease_until=None))
                uow.commit()
        self.held = False
