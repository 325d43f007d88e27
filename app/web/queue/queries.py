"""Read-side helpers of the queue: the filtered page of orders, capacity gauges, who may see what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Branch, Order, OrderLine, OutboxMessage, Staff, Workshop, open_filter
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


class QueueLine(NamedTuple):
    part_number: str | None
    description: str | None
    quantity: int


@dataclass(slots=True)
class QueueRow:
    """One order as the queue lists it: the columns the page shows, named as on Order (so the row macros
    and age_level take either), with the workshop's and the holder's names instead of the objects."""
    id: int
    reference: str
    branch: Branch
    channel: str
    status: str
    urgent: bool
    plate: str | None
    contact_name: str | None
    created_at: datetime
    capacity_decision: str | None
    estimate_at: datetime | None
    review_reasons: list
    flagged: str | None
    workshop_name: str | None  # None: no workshop
    holder_name: str | None  # None: nobody holds it
    lines: list[QueueLine]


@dataclass
class QueuePage:
    orders: list[QueueRow]
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
    """One page of orders, urgent first then oldest; filtering, ordering and paging happen in SQL, and
    only the page's rows are read: the columns shown (the workshop's and holder's names joined in), then
    the lines of those orders in one statement. Rows, not ORM objects: building 50 orders with their
    lines, workshops and holders was most of the page's database time."""
    conditions = _where(f)
    # counted up to COUNT_CAP only: a long history must not make every page count it all
    counted = select(Order.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    pages = max(1, -(-min(total, COUNT_CAP) // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    found = db.session.execute(
        select(Order.id, Order.reference, Order.branch_id, Order.channel, Order.status, Order.urgent, Order.plate,
               Order.contact_name, Order.created_at, Order.capacity_decision, Order.estimate_at,
               Order.review_reasons, Order.flagged, Workshop.name, Staff.name)
        .outerjoin(Workshop, Workshop.id == Order.workshop_id).outerjoin(Staff, Staff.id == Order.holder_id)
        .where(*conditions)
        .order_by(Order.urgent.desc(), Order.created_at, Order.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    lines: dict[int, list[QueueLine]] = {row[0]: [] for row in found}
    if lines:
        for order_id, *line in db.session.execute(
                select(OrderLine.order_id, OrderLine.part_number, OrderLine.description, OrderLine.quantity)
                .where(OrderLine.order_id.in_(list(lines))).order_by(OrderLine.order_id, OrderLine.position)):
            lines[order_id].append(QueueLine(*line))
    branches: dict[int, Branch] = {}  # from the session's identity map when loaded already (the viewer's)
    orders = []
    for (order_id, reference, branch_id, channel, status, urgent, plate, contact_name, created_at, decision,
         estimate_at, reasons, flagged, workshop_name, holder_name) in found:
        if branch_id not in branches:
            branches[branch_id] = db.session.get(Branch, branch_id)
        orders.append(QueueRow(order_id, reference, branches[branch_id], channel, status, bool(urgent), plate,
                               contact_name, created_at, decision, estimate_at, reasons or [], flagged,
                               workshop_name, holder_name, lines[order_id]))
    return QueuePage(orders=orders, total=total, page=page, pages=pages, capped=total > COUNT_CAP)


def branch_gauge(branch: Branch, now: datetime) -> BranchGauge:
    opened, hourly, held = capacity.gauge_counts(branch.id, now)
    return BranchGauge(branch=branch, open=opened, hourly=hourly, held=held)


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


def age_changes(since: datetime, now: datetime) -> datetime:
    """The first moment after `now` at which age(since, ...) may read differently: the next whole minute
    of waiting, or past a day the next whole hour."""
    elapsed = max(0.0, (now - since).total_seconds())
    step = 3600 if elapsed >= 86400 else 60
    return since + timedelta(seconds=(elapsed // step + 1) * step)


def level_changes(order: Order, now: datetime) -> datetime | None:
    """The first moment after `now` at which age_level(order, ...) may read differently (it turns amber or
    red), or None when nothing but a write can change it."""
    if order.status not in WAITING:
        return None
    due = [order.created_at + timedelta(minutes=m) for m in (order.branch.age_amber_minutes,
                                                             order.branch.age_red_minutes)]
    later = [moment for moment in due if moment > now]
    return min(later) if later else None


def shown_until(orders: list, now: datetime) -> datetime | None:
    """Until when a page of these orders, shown at `now`, shows every age and age colour as a page shown
    later would (None: no order on it)."""
    moments = [age_changes(o.created_at, now) for o in orders]
    moments += filter(None, (level_changes(o, now) for o in orders))
    return min(moments) if moments else None


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
