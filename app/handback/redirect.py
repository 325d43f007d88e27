"""Overflow to the backup supplier: one email per redirected order, with the lines as CSV.

Whether a manager redirects orders by hand (redirect_orders) or the branch's redirect policy does it
when an order arrives over capacity (service.create_order), the order moves to "redirected" and
status_changed fires; the handler connected here sends the backup supplier exactly one email per
order (outbox idempotency key backup:<order id>). The workshop is told by the notification rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app import times
from app.extensions import db
from app.handback.csvsafe import to_csv
from app.locales import N_
from app.models import Branch, Order, OutboxMessage, Staff
from app.notify.outbox import enqueue
from app.orders import lifecycle, service
from app.orders.errors import DomainError, NotAllowed, Text
from app.orders.signals import status_changed
from app.models.status import OrderStatus

REDIRECTABLE = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW, OrderStatus.CLAIMED, OrderStatus.HELD)


def connect() -> None:
    """Send the backup email whenever an order becomes redirected. Safe to call more than once."""
    status_changed.connect(_on_status_changed, weak=False)  # connecting twice is a no-op


def _on_status_changed(order: Order, *, to_status: str, now: datetime, **_kw) -> None:
    if to_status == OrderStatus.REDIRECTED:
        send_to_backup(order, now=now)


@dataclass
class RedirectResult:
    redirected: list[str] = field(default_factory=list)  # references
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def redirect_orders(branch: Branch, order_ids: list[int], *, by: Staff, now: datetime,
                    reason: str | None = None) -> RedirectResult:
    """A manager sends these orders of this branch to its backup supplier. Orders that cannot go
    (done, cancelled, another branch's) are refused one by one with the reason; the rest go.
    Raises NotAllowed when the branch has no backup supplier to send to."""
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can send orders to the backup supplier.")))
    if not branch.backup_email and not branch.backup_phone:
        raise NotAllowed(Text(N_("Branch {code} has no backup supplier set up; add its email or phone first."),
                              code=branch.code))
    result = RedirectResult()
    orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids or [-1])).order_by(Order.id)).all()
    for order in orders:
        if order.branch_id != branch.id:
            result.refused.append((order.reference, f"it belongs to branch {order.branch.code}"))
            continue
        try:
            service.redirect(order, by, now=now, reason=reason or f"Sent to the backup supplier "
                                                                  f"{branch.backup_name or branch.backup_email} by a manager.")
        except DomainError as exc:
            result.refused.append((order.reference, exc.message))
            continue
        result.redirected.append(order.reference)
    return result


def send_to_backup(order: Order, *, now: datetime) -> OutboxMessage | None:
    """Queue the one email to the branch's backup supplier for this order; without an address,
    note on the order that the backup must be phoned instead."""
    branch = order.branch or db.session.get(Branch, order.branch_id)
    if not branch.backup_email:
        phone = branch.backup_phone or "no number on file"
        lifecycle.record(order, "backup_not_emailed", by=None, now=now,
                         reason=f"No email address for the backup supplier; phone them ({phone}).")
        return None
    return enqueue(
        kind="backup", channel="email", recipient=branch.backup_email, now=now, order_id=order.id,
        idempotency_key=f"backup:{order.id}", subject=f"Order {order.reference} for {_workshop_name(order)}",
        body=summary(order, branch), headers=_headers(order, branch),
        attachments=[{"filename": f"{order.reference}.csv", "content_type": "text/csv",
                      "text": lines_csv(order).decode("utf-8")}],
    )


def _workshop_name(order: Order) -> str:
    return order.workshop.name if order.workshop else (order.contact_name or "a workshop")


def _headers(order: Order, branch: Branch) -> dict:
    headers = {"X-Partdesk-Order": order.reference}
    if branch.inbound_email:
        headers["Reply-To"] = branch.inbound_email
    return headers


def summary(order: Order, branch: Branch) -> str:
    """The plain-text email body: who ordered what, and how to answer."""
    workshop = order.workshop
    contact = order.contact_name or ""
    phone = order.contact_phone or (workshop.mobile if workshop else None) or \
        (workshop.phones[0].e164 if workshop and workshop.phones else None)
    email = workshop.emails[0].address if workshop and workshop.emails else None
    out = [
        f"Hello {branch.backup_name or ''},".replace(" ,", ","),
        "",
        f"{branch.name} cannot take this order right now and passes it to you. "
        f"Please supply it directly to the workshop.",
        "",
        f"Reference:    {order.reference}",
        f"Workshop:     {workshop.name if workshop else '(not identified)'}"
        + (f" (customer number {workshop.customer_number})" if workshop else ""),
        f"Contact:      {', '.join(filter(None, [contact, phone, email])) or '(none given)'}",
        f"Urgent:       {'YES' if order.urgent else 'no'}",
        f"Fulfilment:   {order.fulfilment or 'not stated'}",
    ]
    for label, value in (("Plate", order.plate), ("VIN", order.vin), ("Their ref", order.customer_reference),
                         ("Wanted by", times.when(order.wanted_by, branch, "long") or None)):
        if value:
            out.append(f"{label + ':':<14}{value}")
    out += ["", "Lines:"]
    for line in order.lines:
        part = line.part_number or "(no part number)"
        out.append(f"  {line.position + 1}. {line.quantity} x {part}" + (f"  {line.description}" if line.description else ""))
    if not order.lines:
        out.append("  (no lines; see the notes)")
    if order.notes:
        out += ["", "Notes:", order.notes]
    out += ["", f"The lines are attached as {order.reference}.csv.",
            f"Reply to this email and keep {order.reference} in the subject; the reply is filed with the order.",
            "", f"{branch.name} (Partdesk)"]
    return "\n".join(out) + "\n"


def lines_csv(order: Order) -> bytes:
    return to_csv(["reference", "line", "part_number", "description", "quantity"],
                  [[order.reference, line.position + 1, line.part_number, line.description, line.quantity]
                   for line in order.lines])
