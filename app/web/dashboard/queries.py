"""The dashboard's figures, each one an indexed SQL aggregate; no order is loaded into Python.

Every query names its branches (branch_id IN ...) and, where it can, its statuses, so that the
(branch_id, status, created_at), (branch_id, done_at) and (branch_id, admitted_at) indexes bound it
even for the whole chain. The 24 hourly buckets are computed in SQL per dialect (age_bucket), over an indexed range.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, cast, func, literal, or_, select

from app.extensions import db
from app.models import CHANNELS, OPEN_STATUSES, STATUSES, Branch, Mailbox, Order, Staff, UTCDateTime
from app.orders import capacity
from app.models.status import CLOSED_UNDONE, WAITING, OrderStatus

HOUR = timedelta(hours=1)
HEARTBEAT_STALE = timedelta(minutes=2)
CHART_HOURS = 24


@dataclass
class StaffLoad:
    name: str
    login: str
    branch: str | None
    held: int
    limit: int

    @property
    def full(self) -> bool:
        return self.held >= self.limit


@dataclass
class MailboxState:
    name: str
    branch: str
    heartbeat_at: datetime | None
    last_error: str | None
    messages_today: int
    stale: bool


@dataclass
class HourBucket:
    start: datetime
    intake: int
    done: int
    backlog: int


@dataclass
class Stats:
    now: datetime
    scope: str  # a branch code or "chain"
    backlog: dict[str, int]
    open_total: int
    oldest_reference: str | None
    oldest_age_minutes: int | None
    urgent_waiting: int
    intake_by_channel: dict[str, list[int]]  # channel -> 24 hourly counts, oldest first
    throughput_last_hour: int
    throughput: capacity.Throughput  # the measured rate, over its stated window; held estimates use the same
    held: int
    redirected_24h: int
    clear_minutes: int | None  # open_total at that rate (None: no rate); the last held order's estimate too
    staff: list[StaffLoad] = field(default_factory=list)
    mailboxes: list[MailboxState] = field(default_factory=list)
    chart: list[HourBucket] = field(default_factory=list)

    @property
    def throughput_per_hour(self) -> float:
        return self.throughput.per_hour

    def as_json(self) -> dict:
        return {
            "now": self.now.isoformat(), "scope": self.scope, "backlog": self.backlog, "open_total": self.open_total,
            "oldest": {"reference": self.oldest_reference, "age_minutes": self.oldest_age_minutes},
            "urgent_waiting": self.urgent_waiting, "intake_by_channel": self.intake_by_channel,
            "throughput_last_hour": self.throughput_last_hour, "throughput_per_hour": round(self.throughput_per_hour, 2),
            "throughput": {"per_hour": round(self.throughput.per_hour, 2), "done": self.throughput.done,
                           "window_minutes": int(self.throughput.window.total_seconds() // 60),
                           "assumed": self.throughput.assumed, "capped_at": self.throughput.capped_at},
            "held": self.held, "redirected_24h": self.redirected_24h,
            "clear_minutes": self.clear_minutes,
            "staff": [{"name": s.name, "login": s.login, "branch": s.branch, "held": s.held, "limit": s.limit}
                      for s in self.staff],
            "mailboxes": [{"name": m.name, "branch": m.branch, "stale": m.stale, "messages_today": m.messages_today,
                           "heartbeat_at": m.heartbeat_at.isoformat() if m.heartbeat_at else None,
                           "last_error": m.last_error} for m in self.mailboxes],
            "chart": [{"start": b.start.isoformat(), "intake": b.intake, "done": b.done, "backlog": b.backlog}
                      for b in self.chart],
        }


def age_bucket(column, now: datetime):
    """Whole hours between `column` and `now`, computed by the database (0 = the last hour)."""
    moment = literal(now, UTCDateTime)
    if db.session.get_bind().dialect.name == "sqlite":
        return cast((func.julianday(moment) - func.julianday(column)) * 24, Integer)
    return cast(func.floor(func.extract("epoch", moment - column) / 3600), Integer)


def _hourly(column, now: datetime, *where, by=None) -> list:
    """Rows (bucket, [by,] count) of orders whose `column` falls in the last 24 hours; bucket 23 is
    the last hour, 0 the hour that ended 23 hours ago."""
    age = age_bucket(column, now)
    cols = [age] + ([by] if by is not None else [])
    rows = db.session.execute(
        select(*cols, func.count()).where(*where, column > now - CHART_HOURS * HOUR, column <= now).group_by(*cols)
    ).all()
    return [(CHART_HOURS - 1 - row[0], *row[1:]) for row in rows if 0 <= row[0] < CHART_HOURS]


def _unindexed_branch(ids: list[int]):
    """branch_id IN ... written so no index on branch_id is chosen for it (branch_id + 0): for a recent
    updated_at range the (updated_at) index is the narrow one, but without statistics SQLite would
    pick (branch_id, status, created_at) and walk every cancelled order in history."""
    return (Order.branch_id + 0).in_(ids)


def _unindexed_status(statuses):
    return (Order.status + "").in_(list(statuses))


def _count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Order).where(*where)) or 0


def collect(branches: list[Branch], now: datetime, scope: str = "chain") -> Stats:
    """All dashboard figures for these branches at `now`."""
    ids = [b.id for b in branches] or [-1]
    in_scope = Order.branch_id.in_(ids)

    backlog = {s: 0 for s in OPEN_STATUSES}
    for status, n in db.session.execute(
        select(Order.status, func.count()).where(in_scope, Order.status.in_(OPEN_STATUSES)).group_by(Order.status)
    ):
        backlog[status] = n
    open_total = sum(backlog.values())

    oldest = db.session.execute(
        select(Order.reference, Order.created_at).where(in_scope, Order.status.in_(WAITING))
        .order_by(Order.created_at, Order.id).limit(1)
    ).first()
    urgent_waiting = _count(in_scope, Order.status.in_(WAITING), Order.urgent.is_(True))

    intake_by_channel = {c: [0] * CHART_HOURS for c in CHANNELS}
    for i, channel, n in _hourly(Order.created_at, now, in_scope, Order.status.in_(STATUSES), by=Order.channel):
        intake_by_channel.setdefault(channel, [0] * CHART_HOURS)[i] += n
    done_hourly = [0] * CHART_HOURS
    for i, n in _hourly(Order.done_at, now, in_scope):
        done_hourly[i] += n
    # Cancelled and redirected orders leave the backlog at their last change (updated_at, indexed).
    closed_hourly = [0] * CHART_HOURS
    redirected_24h = 0
    for i, status, n in _hourly(Order.updated_at, now, _unindexed_branch(ids), _unindexed_status(CLOSED_UNDONE),
                                by=Order.status):
        closed_hourly[i] += n
        redirected_24h += n if status == OrderStatus.REDIRECTED else 0

    intake_hourly = [sum(col) for col in zip(*intake_by_channel.values(), strict=True)]
    chart = _backlog_series(now - CHART_HOURS * HOUR, open_total, intake_hourly, done_hourly, closed_hourly)

    throughput_last_hour = _count(in_scope, Order.done_at > now - HOUR, Order.done_at <= now)
    # the same figure a held order's estimate is worked out from (capacity.estimate_for_position)
    rate = capacity.combined([capacity.throughput(b, now) for b in branches])
    held = backlog[OrderStatus.HELD]
    clear_minutes = rate.minutes_for(open_total) if open_total else None

    return Stats(
        now=now, scope=scope, backlog=backlog, open_total=open_total,
        oldest_reference=oldest.reference if oldest else None,
        oldest_age_minutes=int((now - oldest.created_at).total_seconds() // 60) if oldest else None,
        urgent_waiting=urgent_waiting, intake_by_channel=intake_by_channel,
        throughput_last_hour=throughput_last_hour, throughput=rate, held=held,
        redirected_24h=redirected_24h,
        clear_minutes=clear_minutes, staff=staff_load(ids), mailboxes=mailboxes(ids, now), chart=chart,
    )


def _backlog_series(start, open_now, intake, done, closed) -> list[HourBucket]:
    """Backlog at the end of each of the last 24 hours, walked back from now: an hour's intake was not yet there
    before it, and what was done or closed in it was still open."""
    buckets = []
    backlog = open_now
    for i in range(CHART_HOURS - 1, -1, -1):
        buckets.append(HourBucket(start + i * HOUR, intake[i], done[i], max(backlog, 0)))
        backlog = backlog - intake[i] + done[i] + closed[i]
    return list(reversed(buckets))


def staff_load(branch_ids: list[int]) -> list[StaffLoad]:
    """Orders each active member of staff holds now against their limit (one indexed count each)."""
    held = (select(func.count()).select_from(Order)
            .where(Order.holder_id == Staff.id, Order.status == OrderStatus.CLAIMED).correlate(Staff).scalar_subquery())
    limit = func.coalesce(Staff.hold_limit, Branch.staff_hold_limit, 5)
    rows = db.session.execute(
        select(Staff.name, Staff.login, Branch.code, held, limit)
        .outerjoin(Branch, Branch.id == Staff.branch_id)
        .where(Staff.active.is_(True), or_(Staff.branch_id.in_(branch_ids), and_(Staff.branch_id.is_(None), held > 0)))
        .order_by(Branch.code, Staff.name)
    )
    return [StaffLoad(name, login, code, n, lim) for name, login, code, n, lim in rows]


def mailboxes(branch_ids: list[int], now: datetime) -> list[MailboxState]:
    rows = db.session.execute(
        select(Mailbox, Branch.code).join(Branch, Branch.id == Mailbox.branch_id)
        .where(Mailbox.branch_id.in_(branch_ids)).order_by(Branch.code, Mailbox.name)
    )
    return [MailboxState(m.name, code, m.heartbeat_at, m.last_error, m.messages_today or 0,
                         stale=m.heartbeat_at is None or now - m.heartbeat_at > HEARTBEAT_STALE)
            for m, code in rows]


def baseline(branches: list[Branch]) -> int:
    """A trivial indexed count, the yardstick the benchmark measures the dashboard against."""
    ids = [b.id for b in branches] or [-1]
    return _count(Order.branch_id.in_(ids), Order.status == OrderStatus.NEW)
