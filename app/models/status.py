"""The statuses an order can have, with the words people read for them.

Order.status and OrderEvent.from_status/to_status hold the values ("new", "held", ...); a member
compares equal to its value, so a status read back from the database equals its member. The moves
between them are in app.orders.lifecycle. Imports nothing of the app but the no-op marker N_ (app.locales), so
the models can use it; the labels are translated where they are shown (the `status_label` filter).
"""
from __future__ import annotations

from enum import StrEnum

from app.locales import N_


class OrderStatus(StrEnum):
    NEW = "new"
    NEEDS_REVIEW = "needs_review"
    CLAIMED = "claimed"
    READY = "ready"
    DONE = "done"
    CANCELLED = "cancelled"
    REDIRECTED = "redirected"
    HELD = "held"

    @property
    def label(self) -> str:
        """The status in words for a person: 'held (over capacity)'."""
        return LABELS[self]


LABELS: dict[OrderStatus, str] = {
    OrderStatus.NEW: N_("new"),
    OrderStatus.NEEDS_REVIEW: N_("needs review"),
    OrderStatus.CLAIMED: N_("claimed"),
    OrderStatus.READY: N_("ready"),
    OrderStatus.DONE: N_("done"),
    OrderStatus.CANCELLED: N_("cancelled"),
    OrderStatus.REDIRECTED: N_("redirected to the backup supplier"),
    OrderStatus.HELD: N_("held (over capacity)"),
}

# Every status, in the order reports and filters list them.
ALL: tuple[OrderStatus, ...] = tuple(OrderStatus)
# Not finished with: what the queue shows and what the partial queue indexes cover.
OPEN = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW, OrderStatus.CLAIMED, OrderStatus.READY, OrderStatus.HELD)
# Received and not yet taken by anyone.
WAITING = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW, OrderStatus.HELD)
# Admitted past the capacity check and not finished: what counts against the branch's open limit.
ADMITTED_OPEN = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW, OrderStatus.CLAIMED, OrderStatus.READY)
# Someone holds it (a person's load).
HELD_BY_SOMEONE = (OrderStatus.CLAIMED, OrderStatus.READY)
# Left the backlog without being done.
CLOSED_UNDONE = (OrderStatus.CANCELLED, OrderStatus.REDIRECTED)


def label(status: str | None) -> str:
    """The words for a stored status; an unknown value as it is (never an error on a page)."""
    try:
        return OrderStatus(status).label
    except ValueError:
        return str(status)
