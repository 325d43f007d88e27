"""Pick lists: the print of one order (its page printed) and of every order the staff member holds,
with the reference as a Code 128 barcode; and what the order page shows of linked orders."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Order
from app.models.status import OrderStatus
from app.orders import links
from app.web import barcode
from app.web.queue import queries
from app.web.times import when

bp = Blueprint("picklist", __name__)

FULFILMENT = {"delivery": "Delivery", "pickup": "Pickup at the counter"}
MAX_BATCH = 100


def held_by(staff_id: int) -> list[Order]:
    """The orders this staff member holds (claimed), urgent first, then in the order they were claimed."""
    return list(db.session.scalars(
        select(Order).where(Order.holder_id == staff_id, Order.status == OrderStatus.CLAIMED)
        .options(selectinload(Order.lines), selectinload(Order.workshop), selectinload(Order.branch))
        .order_by(Order.urgent.desc(), Order.claimed_at, Order.id).limit(MAX_BATCH)))


def order_links(order: Order) -> dict:
    """The order page's linked orders and messages, each order marked whether the viewer may open it."""
    found = links.for_order(order)
    see = lambda o: queries.may_see(current_user, o)  # noqa: E731
    return {"any": bool(found), "follows": found.follows, "followed_by": found.followed_by,
            "messages": found.messages, "may_see": see}


@bp.app_context_processor
def _print_helpers():
    # for the order page (queue blueprint) as well as the batch page: the pick list macro needs them
    return {"barcode_svg": barcode.svg, "fulfilment_label": lambda v: FULFILMENT.get(v or "", v or ""),
            "print_time": when, "order_links": order_links}


@bp.route("/picklist")
@login_required
def batch():
    orders = held_by(current_user.id)
    return render_template("queue/picklist.html", orders=orders, printed_at=datetime.now(UTC))
