"""Provisional workshops: a caller not in the workshop list is served anyway. The clerk creates the workshop
while the caller waits (name and phone, optionally email and organisation number); it is provisional until
a manager confirms it, or merges it into the existing workshop it turns out to be (its orders move there)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AuditEvent, Call, Correction, Order, Staff, Workshop, WorkshopEmail, WorkshopPhone
from app.orders import lifecycle
from app.locales import N_
from app.orders.errors import NotAllowed, Text
from app.orders.workshops import is_mobile, normalise_phone


@dataclass
class NewWorkshop:
    name: str
    phone: str  # as typed; normalised here
    email: str | None = None
    org_number: str | None = None


def create(new: NewWorkshop, *, branch_id: int | None, by: Staff | None, now: datetime) -> Workshop:
    """Add a provisional workshop; its customer number is 'NEW-' and six random characters until a manager
    merges it. Raises NotAllowed when the phone or email already belongs to a workshop (the clerk picks that
    one instead). The caller's unit of work commits it with the order it is made for."""
    e164 = normalise_phone(new.phone)
    if e164 is None:
        raise NotAllowed(Text(N_("'{phone}' is not a phone number."), phone=new.phone))
    owner = db.session.scalars(select(Workshop).join(WorkshopPhone).where(WorkshopPhone.e164 == e164)).first()
    if owner is not None:
        raise NotAllowed(Text(N_("{phone} is the phone of {name} ({number}); pick that workshop."),
                              phone=e164, name=owner.name, number=owner.customer_number))
    email = (new.email or "").strip().lower() or None
    if email:
        owner = db.session.scalars(select(Workshop).join(WorkshopEmail).where(WorkshopEmail.address == email)).first()
        if owner is not None:
            raise NotAllowed(Text(N_("{email} is the email of {name} ({number}); pick that workshop."),
                                  email=email, name=owner.name, number=owner.customer_number))
    workshop = Workshop(customer_number=f"NEW-{secrets.token_hex(3).upper()}", name=new.name.strip(),
                        home_branch_id=branch_id, provisional=True, org_number=(new.org_number or None),
                        created_at=now)
    workshop.phones = [WorkshopPhone(e164=e164, is_mobile=is_mobile(e164))]
    workshop.emails = [WorkshopEmail(address=email)] if email else []
    db.session.add(workshop)
    db.session.flush()
    db.session.add(AuditEvent(at=now, actor_id=by.id if by else None, actor_label=lifecycle.actor_label(by),
                              branch_id=branch_id, action="workshop_provisional",
                              detail=f"{workshop.customer_number} {workshop.name} ({e164})"))
    return workshop


def waiting() -> list[tuple[Workshop, int]]:
    """Provisional workshops, oldest first, each with how many orders it has."""
    orders = (select(func.count()).select_from(Order).where(Order.workshop_id == Workshop.id)
              .correlate(Workshop).scalar_subquery())
    return [(w, n or 0) for w, n in db.session.execute(
        select(Workshop, orders).where(Workshop.provisional.is_(True)).order_by(Workshop.created_at, Workshop.id))]


def _provisional(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or not workshop.provisional:
        raise NotAllowed(Text(N_("That workshop is not waiting for a manager any more (confirmed or merged already).")))
    return workshop


def confirm(workshop_id: int, *, by: Staff, now: datetime) -> Workshop:
    """A manager keeps a provisional workshop as a workshop of its own."""
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can confirm a new workshop.")))
    workshop = _provisional(workshop_id)
    workshop.provisional = False
    db.session.add(AuditEvent(at=now, actor_id=by.id, actor_label=lifecycle.actor_label(by),
                              branch_id=workshop.home_branch_id, action="workshop_confirmed",
                              detail=f"{workshop.customer_number} {workshop.name}"))
    return workshop


def merge(workshop_id: int, into_id: int, *, by: Staff, now: datetime) -> int:
    """A manager merges a provisional workshop into an existing one: its orders (and the corrections and
    calls that name it) move there, its phone and email go along unless the other has them, and it is removed.
    Returns how many orders moved."""
    if not by.is_manager:
        raise NotAllowed(Text(N_("Only a manager can merge workshops.")))
    workshop = _provisional(workshop_id)
    target = db.session.get(Workshop, into_id)
    if target is None or target.id == workshop.id:
        raise NotAllowed(Text(N_("Pick the existing workshop to merge into.")))
    moved = db.session.execute(update(Order).where(Order.workshop_id == workshop.id)
                               .values(workshop_id=target.id)).rowcount or 0
    for table in (Correction, Call):  # everything else that names it
        db.session.execute(update(table).where(table.workshop_id == workshop.id).values(workshop_id=target.id))
    have_phones = {p.e164 for p in target.phones}
    have_emails = {e.address for e in target.emails}
    for phone in list(workshop.phones):
        if phone.e164 not in have_phones:
            phone.workshop = target
    for email in list(workshop.emails):
        if email.address not in have_emails:
            email.workshop = target
    db.session.flush()
    detail = f"{workshop.customer_number} {workshop.name} into {target.customer_number} {target.name}: {moved} orders"
    db.session.delete(workshop)
    db.session.add(AuditEvent(at=now, actor_id=by.id, actor_label=lifecycle.actor_label(by),
                              branch_id=target.home_branch_id, action="workshop_merged", detail=detail))
    db.session.flush()
    db.session.expire_all()  # the orders moved by a statement: what is loaded must be read again
    return moved
