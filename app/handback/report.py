"""End-of-outage report: per branch, orders by channel and outcome, and how long workshops waited.

Percentiles are nearest-rank (the value at position ceil(p * n)), computed by the database:
percentile_disc on PostgreSQL, ORDER BY ... LIMIT 1 OFFSET on SQLite. Nothing is sorted in Python.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.database import is_sqlite
from app.extensions import db
from app.handback.csvsafe import to_csv
from app.models import CHANNELS, STATUSES, Branch, Order

PERCENTILES = (0.5, 0.9)


@dataclass
class Waits:
    count: int = 0
    p50: float | None = None  # seconds
    p90: float | None = None


@dataclass
class BranchReport:
    code: str
    name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # channel -> status -> n
    to_claim: Waits = field(default_factory=Waits)
    to_done: Waits = field(default_factory=Waits)

    @property
    def total(self) -> int:
        return sum(sum(by_status.values()) for by_status in self.counts.values())

    def by_status(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for by_status in self.counts.values():
            for status, n in by_status.items():
                out[status] = out.get(status, 0) + n
        return out

    def channels(self) -> list[str]:
        return [c for c in CHANNELS if c in self.counts] + sorted(set(self.counts) - set(CHANNELS))


def _seconds(end, start):
    if is_sqlite(db.session):
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def build() -> list[BranchReport]:
    """The report for every branch, in branch code order."""
    branches = {b.id: BranchReport(b.code, b.name) for b in db.session.scalars(select(Branch).order_by(Branch.code))}
    for branch_id, channel, status, n in db.session.execute(
        select(Order.branch_id, Order.channel, Order.status, func.count())
        .group_by(Order.branch_id, Order.channel, Order.status)
    ):
        branches[branch_id].counts.setdefault(channel, {})[status] = n
    for branch_id, report in branches.items():
        report.to_claim = _waits(branch_id, Order.claimed_at)
        report.to_done = _waits(branch_id, Order.done_at)
    return list(branches.values())


def _waits(branch_id: int, end_column) -> Waits:
    seconds = _seconds(end_column, Order.created_at)
    where = (Order.branch_id == branch_id, end_column.is_not(None))
    if not is_sqlite(db.session):
        row = db.session.execute(
            select(func.count(), *[func.percentile_disc(p).within_group(seconds) for p in PERCENTILES]).where(*where)
        ).one()
        return Waits(row[0], *(float(v) if v is not None else None for v in row[1:]))
    n = db.session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    values = []
    for p in PERCENTILES:
        if n == 0:
            values.append(None)
            continue
        offset = max(math.ceil(p * n) - 1, 0)
        values.append(db.session.scalar(select(seconds).where(*where).order_by(seconds).limit(1).offset(offset)))
    return Waits(n, *values)


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds / 60:.1f}"


CSV_HEADER = ["branch", "channel", "total", *STATUSES, "receipt_to_claim_median_min", "receipt_to_claim_p90_min",
              "receipt_to_done_median_min", "receipt_to_done_p90_min"]


def as_csv(reports: list[BranchReport]) -> bytes:
    """One row per branch and channel, then a branch row ("all") carrying the waiting times."""
    rows = []
    for r in reports:
        for channel in r.channels():
            counts = r.counts[channel]
            rows.append([r.code, channel, sum(counts.values()), *[counts.get(s, 0) for s in STATUSES], "", "", "", ""])
        totals = r.by_status()
        rows.append([r.code, "all", r.total, *[totals[s] for s in STATUSES], minutes(r.to_claim.p50),
                     minutes(r.to_claim.p90), minutes(r.to_done.p50), minutes(r.to_done.p90)])
    return to_csv(CSV_HEADER, rows)
