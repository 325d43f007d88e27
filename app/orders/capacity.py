"""Capacity limits: per staff member (orders held at once) and per branch (per rolling hour, open).

Every check runs after the row it guards is locked (see app.database), so with a limit of N
and any number of simultaneous attempts exactly N get through.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from app.database import is_sqlite
from app.extensions import db
from app.models import Branch, Order, Staff
from app.locales import N_
from app.orders.errors import OverCapacity, Text
from app.models.status import ADMITTED_OPEN, OrderStatus
from app.orders.unit_of_work import kept

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Decision:
    status: OrderStatus  # NEW, HELD or REDIRECTED
    reason: str | None = None
    estimate_at: datetime | None = None

    @property
    def admitted(self) -> bool:
        return self.status == OrderStatus.NEW


def lock_branch(branch_id: int) -> Branch:
    """Load the branch row locked for this transaction (FOR UPDATE; SQLite holds the write lock).
    Once locked, the row is ours until the transaction ends, so later calls reuse it."""
    locked = kept().locked_branches
    branch = locked.get(branch_id)
    if branch is not None and branch in db.session:
        return branch
    stmt = _lock_branch_statement(is_sqlite(db.session))
    branch = db.session.execute(stmt, {"branch_id": branch_id}).scalar_one()
    locked[branch_id] = branch
    return branch


@functools.cache
def _lock_branch_statement(sqlite: bool):
    """Built once (it runs under the lock it takes, at every order made)."""
    stmt = select(Branch).where(Branch.id == bindparam("branch_id"))
    if not sqlite:
        stmt = stmt.with_for_update()
    return stmt.execution_options(populate_existing=True)


def lock_staff(staff_id: int) -> Staff:
    stmt = select(Staff).where(Staff.id == staff_id)
    if not is_sqlite(db.session):
        stmt = stmt.with_for_update()
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def claimed_count(staff_id: int) -> int:
    """How many orders the staff member holds (claimed, not yet ready)."""
    return db.session.scalar(
        select(func.count()).select_from(Order).where(Order.holder_id == staff_id, Order.status == OrderStatus.CLAIMED)
    ) or 0


def oldest_claimed(staff_id: int, limit: int = 3) -> list[str]:
    return list(db.session.scalars(
        select(Order.reference).where(Order.holder_id == staff_id, Order.status == OrderStatus.CLAIMED)
        .order_by(Order.claimed_at, Order.id).limit(limit)
    ))


def held_by(staff: Staff) -> list[Order]:
    return list(db.session.scalars(
        select(Order).where(Order.holder_id == staff.id, Order.status == OrderStatus.CLAIMED).order_by(Order.claimed_at)
    ))


def ensure_staff_can_take(staff: Staff) -> None:
    """Raise OverCapacity naming what to finish first when the staff member is at their limit."""
    held = claimed_count(staff.id)
    limit = staff.effective_hold_limit
    if held >= limit:
        oldest = ", ".join(oldest_claimed(staff.id))
        raise OverCapacity(
            Text(N_("{name} holds {held} of {limit} orders; mark one ready or release it first (oldest: {oldest})."),
                 name=staff.name, held=held, limit=limit, oldest=oldest)
            if held else Text(N_("{name} may hold no orders (limit {limit})."), name=staff.name, limit=limit)
        )


def _open_query(branch_id: int):
    return select(func.count()).select_from(Order).where(Order.branch_id == branch_id, Order.status.in_(ADMITTED_OPEN))


def _hourly_query(branch_id: int, now: datetime):
    return select(func.count()).select_from(Order).where(Order.branch_id == branch_id, Order.admitted_at >= now - HOUR)


def open_count(branch_id: int) -> int:
    return db.session.scalar(_open_query(branch_id)) or 0


def hourly_count(branch_id: int, now: datetime) -> int:
    return db.session.scalar(_hourly_query(branch_id, now)) or 0


def _held_query(branch_id: int):
    return select(func.count()).select_from(Order).where(Order.branch_id == branch_id, Order.status == OrderStatus.HELD)


def held_count(branch_id: int) -> int:
    return db.session.scalar(_held_query(branch_id)) or 0


def gauge_counts(branch_id: int, now: datetime, *, with_next_leaving: bool = False):
    """(open, admitted in the hour before now, held) of a branch in one statement, for a page's gauge:
    read without the lock, so only a figure to show, never one to decide on. `with_next_leaving` adds a
    fourth: the moment the hour's count next drops with no write (its oldest admission leaves the hour),
    or None when it holds none."""
    counts = [_open_query(branch_id), _hourly_query(branch_id, now), _held_query(branch_id)]
    if with_next_leaving:
        counts.append(select(func.min(Order.admitted_at)).where(Order.branch_id == branch_id,
                                                                Order.admitted_at >= now - HOUR))
    row = db.session.execute(select(*(query.scalar_subquery() for query in counts))).one()
    opened, hourly, held = row[0] or 0, row[1] or 0, row[2] or 0
    if not with_next_leaving:
        return opened, hourly, held
    return opened, hourly, held, (row[3] + HOUR if row[3] is not None else None)


THROUGHPUT_WINDOW = 2 * HOUR  # the rate is what was done in this window; the dashboard says so


@dataclass(frozen=True)
class Throughput:
    """Orders a branch (or the chain) gets done per hour: measured as `done` over `window` up to now, or,
    with none done in the window, assumed from its active staff at its minutes per order. At most the
    branch's hourly admission limit (`capped_at`), since held orders are let in no faster.

    The one figure behind both the dashboard's time to clear and every held order's estimate."""
    per_hour: float
    done: int
    window: timedelta = THROUGHPUT_WINDOW
    assumed: bool = False
    capped_at: int | None = None

    def minutes_for(self, orders: int) -> int | None:
        """Minutes to work through `orders` at this rate, rounded up; None when the rate is 0."""
        if self.per_hour <= 0:
            return None
        return math.ceil(orders * 60 / self.per_hour)

    @property
    def window_hours(self) -> float:
        return self.window / HOUR


def throughput(branch: Branch, now: datetime) -> Throughput:
    """The branch's Throughput at `now`. Worked out once per transaction: a batch of estimates shares it."""
    cache = kept().throughput
    if branch.id not in cache:
        cache[branch.id] = _throughput(branch, now)
    return cache[branch.id]


def _throughput(branch: Branch, now: datetime) -> Throughput:
    done = db.session.scalar(
        select(func.count()).select_from(Order)
        .where(Order.branch_id == branch.id, Order.done_at > now - THROUGHPUT_WINDOW, Order.done_at <= now)
    ) or 0
    if done:
        rate, assumed = done / (THROUGHPUT_WINDOW / HOUR), False
    else:
        staff = db.session.scalar(
            select(func.count()).select_from(Staff).where(Staff.branch_id == branch.id, Staff.active.is_(True))
        ) or 1
        rate, assumed = max(1, staff) * 60 / max(1, branch.minutes_per_order), True
    if branch.hourly_limit > 0 and rate > branch.hourly_limit:
        return Throughput(float(branch.hourly_limit), done, assumed=assumed, capped_at=branch.hourly_limit)
    return Throughput(rate, done, assumed=assumed)


def combined(rates: list[Throughput]) -> Throughput:
    """Several branches' throughput as one (the chain's): rates and counts add up; assumed if any part is."""
    capped = [t.capped_at for t in rates if t.capped_at is not None]
    return Throughput(sum(t.per_hour for t in rates), sum(t.done for t in rates),
                      assumed=any(t.assumed for t in rates), capped_at=sum(capped) if capped else None)


def throughput_per_hour(branch: Branch, now: datetime) -> float:
    return throughput(branch, now).per_hour


def estimate_for_position(branch: Branch, position: int, now: datetime) -> datetime:
    """When the order at this place in line (1 = next) is likely to be taken: `position` orders at the
    branch's Throughput (the dashboard's time to clear is the same sum for the whole backlog)."""
    minutes = throughput(branch, now).minutes_for(position)
    return now + timedelta(minutes=minutes if minutes is not None else 0)


def branch_counts(branch_id: int, now: datetime) -> tuple[int, int]:
    """(open orders, orders admitted in the hour before now) of a branch, in one statement.

    The caller holds the branch lock, so within its transaction only it changes these figures:
    they are worked out once per transaction and kept up to date by `counted_admission` (a
    batch of intake messages shares one query), and forgotten on any status change (`forget_counts`)."""
    cache = kept().branch_counts
    hit = cache.get(branch_id)
    if hit is not None and hit[2] == now:
        return hit[0], hit[1]
    opened, hourly = db.session.execute(_branch_counts_statement(), {"branch_id": branch_id,
                                                                     "since": now - HOUR}).one()
    cache[branch_id] = (opened or 0, hourly or 0, now)
    return opened or 0, hourly or 0


@functools.cache
def _branch_counts_statement():
    """branch_counts' statement, built once: it runs under the branch lock at every order made."""
    branch = bindparam("branch_id")
    opened = select(func.count()).select_from(Order).where(Order.branch_id == branch,
                                                           Order.status.in_(ADMITTED_OPEN))
    hourly = select(func.count()).select_from(Order).where(Order.branch_id == branch,
                                                           Order.admitted_at >= bindparam("since"))
    return select(opened.scalar_subquery(), hourly.scalar_subquery())


def counted_admission(branch_id: int, now: datetime) -> None:
    """An order was just admitted (open, admitted at now) under the branch lock: count it."""
    cache = kept().branch_counts
    hit = cache.get(branch_id)
    if hit is not None and hit[2] == now:
        cache[branch_id] = (hit[0] + 1, hit[1] + 1, now)
    else:
        cache.pop(branch_id, None)


def forget_counts() -> None:
    kept().branch_counts.clear()


def blocking_reason(branch: Branch, now: datetime) -> str | None:
    """Why a new order cannot be admitted right now, or None when there is room."""
    if branch.paused:
        return Text(N_("Branch {branch} has paused intake."), branch=branch.name)
    opened, hourly = branch_counts(branch.id, now)
    if opened >= branch.open_limit:
        return Text(N_("Branch {branch} has {opened} open orders, its limit is {limit}."),
                    branch=branch.name, opened=opened, limit=branch.open_limit)
    if hourly >= branch.hourly_limit:
        return Text(N_("Branch {branch} has accepted {hourly} orders in the last hour, its limit is {limit}."),
                    branch=branch.name, hourly=hourly, limit=branch.hourly_limit)
    return None


def decide(branch: Branch, now: datetime, *, may_redirect: bool = True) -> Decision:
    """Admit, hold or redirect one new order. The caller must hold the branch lock (lock_branch)."""
    reason = blocking_reason(branch, now)
    if reason is None:
        return Decision(OrderStatus.NEW)
    if branch.overflow_policy == "redirect" and may_redirect and branch.backup_name:
        return Decision(OrderStatus.REDIRECTED, f"{reason} Sent to the backup supplier {branch.backup_name}.")
    position = held_count(branch.id) + 1
    estimate = estimate_for_position(branch, position + branch_counts(branch.id, now)[0], now)
    return Decision(OrderStatus.HELD, f"{reason} Held as number {position} in line.", estimate)
