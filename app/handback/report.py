"""End-of-outage report: per branch, orders by channel and outcome, and how long workshops waited.

Percentiles are nearest-rank (the value at position ceil(p * n)), computed by the database with
percentile_disc on PostgreSQL and window functions on SQLite, one pass per measure; only the
values at those ranks come back to Python, so memory does not grow with the history.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.database import is_sqlite
from app.extensions import db
from app.handback.csvsafe import to_csv
from app.models import CHANNELS, STATUSES, Branch, Order

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
    for attr, column in (("to_claim", Order.claimed_at), ("to_done", Order.done_at)):
        for branch_id, waits in _waits(column).items():
            setattr(branches[branch_id], attr, waits)
    return list(branches.values())


def _waits(end_column) -> dict[int, Waits]:
    """Median and 90th percentile of end - receipt per branch, in one pass. PostgreSQL has
    percentile_disc; elsewhere each branch's values are ranked by a window function and only the
    rows at rank ceil(p * n) come back (the same nearest-rank definition)."""
    seconds = _seconds(end_column, Order.created_at)
    if not is_sqlite(db.session):
        rows = db.session.execute(
            select(Order.branch_id, func.count(), func.percentile_disc(0.5).within_group(seconds),
                   func.percentile_disc(0.9).within_group(seconds))
            .where(end_column.is_not(None)).group_by(Order.branch_id)
        )
        return {branch_id: Waits(n, float(p50), float(p90)) for branch_id, n, p50, p90 in rows}
    inner = select(Order.branch_id, seconds.label("secs")) \
        .where(end_column.is_not(None)).subquery()
    ranked = select(
        inner.c.branch_id, inner.c.secs,
        func.row_number().over(partition_by=inner.c.branch_id, order_by=inner.c.secs).label("rn"),
        func.count().over(partition_by=inner.c.branch_id).label("n"),
    ).subquery()
    # ceil(p * n) in integer arithmetic, for p = 1/2 and 9/10
    p50, p90 = (ranked.c.n + 1) // 2, (ranked.c.n * 9 + 9) // 10
    out: dict[int, Waits] = {}
    for branch_id, n, rn, secs, is50, is90 in db.session.execute(
        select(ranked.c.branch_id, ranked.c.n, ranked.c.rn, ranked.c.secs, ranked.c.rn == p50, ranked.c.rn == p90)
        .where(or_(ranked.c.rn == p50, ranked.c.rn == p90))
    ):
        waits = out.setdefault(branch_id, Waits(count=n))
        if is50:
            waits.p50 = float(secs)
        if is90:
            waits.p90 = float(secs)
    return out


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
