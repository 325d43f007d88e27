"""The queue's search box: one text, every kind of key an order is found by.

Each kind is an equality on an indexed column (or a small indexed set of workshops), and an order is
found when any kind matches: an order reference in any spelling ('osl7', 'OSL 7', 'OSL-000007'), the
workshop's name folded (accents and case ignored: 'tons' finds Tønsberg, at the start of any word of the
name), its customer number, a phone in any format (the order's contact or any of the workshop's
numbers), a plate or VIN without spaces, a part number normalised. Nothing is folded per row in Python:
the rows hold their keys (app.models.search_keys), and the text is turned into keys once.
"""
from __future__ import annotations

import re

from sqlalchemy import false, or_, select

from app.extensions import db
from app.models import Order, OrderLine, Workshop, WorkshopPhone
from app.models.search_keys import compact, fold_name, phone_key
from app.orders.references import normalise_part_number

MAX_TEXT = 100
MAX_WORKSHOPS = 50  # a name that matches more workshops than this is too vague to list every order of
MAX_PART_ORDERS = 5000  # the newest orders with a part number; beyond that the part alone is too common
_REFERENCE = re.compile(r"^\s*([A-Za-z]{2,4})[\s\-_.]*0*(\d{1,6})\s*$")


def reference_of(text: str) -> str | None:
    """'osl7', 'OSL 7', 'osl-000007' -> 'OSL-000007' (app.orders.service.next_reference's format)."""
    match = _REFERENCE.match(text)
    if match is None or not match.group(2):
        return None
    return f"{match.group(1).upper()}-{int(match.group(2)):06d}"


def _workshop_ids(text: str, phone: str | None) -> list[int]:
    conditions = [Workshop.customer_number == text.strip()]
    folded = fold_name(text)
    if folded and len(folded.strip()) >= 2:
        # ' tons' is the start of a word of ' tonsberg bil as'; the key holds only [a-z0-9 ], so no escaping
        conditions.append(Workshop.name_key.like(f"%{folded}%"))
    if phone:
        conditions.append(Workshop.id.in_(select(WorkshopPhone.workshop_id).where(WorkshopPhone.e164 == phone)))
    return list(db.session.scalars(select(Workshop.id).where(or_(*conditions)).limit(MAX_WORKSHOPS)))


def condition(text: str | None):
    """The WHERE clause for a search text (None for no text); a text that matches nothing gives false()."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return None
    terms = []
    reference = reference_of(text)
    if reference:
        terms.append(Order.reference == reference)
    key = compact(text)
    if key:
        if len(key) <= 20:
            terms.append(Order.plate_key == key)
        if len(key) == 17:
            terms.append(Order.vin_key == key)
        part = normalise_part_number(text)
        if part:
            # the ids as a list, not a subquery: PostgreSQL cannot use an index for an OR with a subquery in it
            # and would walk every order of the branch; with lists it ORs index scans (as SQLite does)
            ids = list(db.session.scalars(select(OrderLine.order_id).where(OrderLine.part_number_norm == part[:64])
                                          .order_by(OrderLine.order_id.desc()).limit(MAX_PART_ORDERS)))
            if ids:
                terms.append(Order.id.in_(ids))
    phone = phone_key(text)
    if phone:
        terms.append(Order.phone_key == phone)
    workshops = _workshop_ids(text, phone)
    if workshops:
        terms.append(Order.workshop_id.in_(workshops))
    if not terms:
        return false()
    # the matches as a subquery of their own: it ORs the keys' indexes whatever the outer filters are, where
    # the OR among the branch and status filters let SQLite without ANALYZE statistics (the app never runs
    # it) walk the branch's whole queue index instead (287 ms for a plate at 100,000 orders; 17 ms so)
    return Order.id.in_(select(Order.id).where(or_(*terms)))
