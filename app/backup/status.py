"""What the dashboard says about backups: the age of the last good one, and the last failure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import BackupOutcome, BackupRun

DEFAULT_MINUTES = 10  # the threshold's base when the worker does not schedule backups (BACKUP_MINUTES=0)


@dataclass
class BackupStatus:
    now: datetime
    minutes: int  # the interval the worker keeps; red past twice that
    last_good: BackupRun | None
    last: BackupRun | None

    @property
    def age_minutes(self) -> int | None:
        if self.last_good is None:
            return None
        return max(int((self.now - self.last_good.started_at).total_seconds() // 60), 0)

    @property
    def stale(self) -> bool:
        """Red: no good backup at all, or the last is older than twice the interval."""
        return self.age_minutes is None or self.age_minutes > 2 * self.minutes

    @property
    def failure(self) -> BackupRun | None:
        """The newest attempt, when it failed."""
        return self.last if self.last is not None and self.last.outcome == BackupOutcome.FAILED else None

    def as_json(self) -> dict:
        good, failed = self.last_good, self.failure
        return {
            "age_minutes": self.age_minutes, "stale": self.stale, "interval_minutes": self.minutes,
            "last_good": None if good is None else {
                "started_at": good.started_at.isoformat(), "file": good.path, "size_bytes": good.size_bytes,
                "orders": good.order_count, "sha256": good.sha256, "host": good.host, "warning": good.warning},
            "last_failure": None if failed is None else {
                "started_at": failed.started_at.isoformat(), "error": failed.error, "host": failed.host},
        }


def read(now: datetime, minutes: int) -> BackupStatus:
    """Two indexed look-ups: the newest attempt and the newest good one."""
    newest = select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(1)
    last = db.session.scalars(newest).first()
    if last is not None and last.outcome == BackupOutcome.OK:
        good = last
    else:
        good = db.session.scalars(newest.where(BackupRun.outcome == BackupOutcome.OK)).first()
    return BackupStatus(now=now, minutes=minutes if minutes > 0 else DEFAULT_MINUTES, last_good=good, last=last)
