"""Read-side helpers of the queue: the filtered page of orders, capacity gauges, who may see what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Branch, Order, OutboxMessage, Staff, open_filter
from app.models.status import WAITING
from app.orders import capacity
from app.web.queue import search

PAGE_SIZE = 50
COUNT_CAP = 2000


@dataclass
class QueueFilter:
    branch_id: int | None  # None: every branch (managers only)
    status: str = "open"  # open | all | one status
    channel: str | None = None
    urgent: bool = False
    page: int = 1
    q: str | None = None  # the search box's text (app.web.queue.search)


@dataclass
class QueuePage:
    orders: list[Order]
    total: int
    page: int
    pages: int
    capped: bool = False  # more than COUNT_CAP match: narrow the filter to see them all


@dataclass
class BranchGauge:
    branch: Branch
    open: int
    hourly: int
    held: int


@dataclass
class StaffGauge:
    held: int
    limit: int


def _where(f: QueueFilter) -> list:
    conditions = []
    if f.branch_id is not None:
        conditions.append(Order.branch_id == f.branch_id)
    if f.status == "open":
        conditions.append(open_filter())
    elif f.status != "all":
        conditions.append(Order.status == f.status)
    if f.channel:
        conditions.append(Order.channel == f.channel)
    if f.urgent:
        conditions.append(Order.urgent.is_(True))
    found = search.condition(f.q)
    if found is not None:
        conditions.append(found)
    return conditions


def queue_page(f: QueueFilter) -> QueuePage:
    """One page of orders, urgent first then oldest; filtering, ordering and paging happen in SQL
    and only the page's rows (with their lines, workshop and holder) are loaded."""
    conditions = _where(f)
    # counted up to COUNT_CAP only: a long history must not make every page count it all
    counted = select(Order.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    pages = max(1, -(-min(total, COUNT_CAP) // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    orders = list(db.session.scalars(
        select(Order).where(*conditions)
        .order_by(Order.urgent.desc(), Order.created_at, Order.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        .options(selectinload(Order.lines), selectinload(Order.workshop), selectinload(Order.holder),
                 selectinload(Order.branch))
    ))
    return QueuePage(orders=orders, total=total, page=page, pages=pages, capped=total > COUNT_CAP)


def branch_gauge(branch: Branch, now: datetime) -> BranchGauge:
    return BranchGauge(branch=branch, open=capacity.open_count(branch.id),
                       hourly=capacity.hourly_count(branch.id, now), held=capacity.held_count(branch.id))


def staff_gauge(staff: Staff) -> StaffGauge:
    return StaffGauge(held=capacity.claimed_count(staff.id), limit=staff.effective_hold_limit)


def branches() -> list[Branch]:
    return list(db.session.scalars(select(Branch).order_by(Branch.code)))


def may_see(staff: Staff, order: Order) -> bool:
    """Managers see every branch; staff see their own branch's orders."""
    return staff.is_manager or (staff.branch_id is not None and staff.branch_id == order.branch_id)


def order_by_reference(reference: str) -> Order | None:
    return db.session.scalars(
        select(Order).where(Order.reference == reference)
        .options(selectinload(Order.lines), selectinload(Order.events), selectinload(Order.workshop))
    ).first()


def outbox_for(order: Order) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.order_id == order.id).order_by(OutboxMessage.id)
    ))


def age(since: datetime, now: datetime) -> str:
    """'<1 min', '12 min', '3 h 5 min', '2 d 4 h': how long an order has waited, for a glance, in units every
    language of the UI writes the same way (they stand in "received ... (%(age)s ago)")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "<1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def age_level(order: Order, now: datetime) -> str:
    """'red', 'amber' or '' for an order still waiting for someone (new, in review, held) by its branch's
    thresholds; an order someone holds or that is closed has no alarming age."""
    if order.status not in WAITING:
        return ""
    minutes = (now - order.created_at).total_seconds() / 60
    branch = order.branch
    if minutes >= branch.age_red_minutes:
        return "red"
    if minutes >= branch.age_amber_minutes:
        return "amber"
    return ""


def lines_summary(order: Order, shown: int = 2) -> str:
    parts = []
    for line in order.lines[:shown]:
        what = " ".join(filter(None, [line.part_number, line.description]))
        parts.append(f"{line.quantity}× {what}")
    more = len(order.lines) - shown
    if more > 0:
        parts.append(f"+{more} more")
    return "; ".join(parts)
