"""What a workshop's earlier orders say about its new message, applied once per order the pipeline makes.

- A part number this workshop has had in an accepted order (claimed, ready or done, or accepted by a clerk
  in review, and not cancelled since) is confirmed by history: the share of the message's part numbers
  confirmed so goes into the confidence (`confidence.rescore`) and the confirmed numbers onto the order.
  Only the sending workshop's own orders count: another workshop's history never changes a reading.
- A message that asks for "the same as last time" gets the lines of the workshop's most recent earlier
  order proposed, and stays in review with a reason naming that order.

Everything here works on the OrderInput about to be created (built afresh by every attempt of a batch),
so a batch that is redone message by message applies it again without doubling anything."""
from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.reading.extract import REVIEW_THRESHOLD, confidence
from app.reading.extract.partnumbers import normalise_part_number
from app.models import Branch, Order, OrderEvent, OrderLine
from app.orders.service import LineInput, OrderInput
from app.models.status import OrderStatus
from app.orders.unit_of_work import kept

ACCEPTED_STATUSES = (OrderStatus.CLAIMED, OrderStatus.READY, OrderStatus.DONE)
NOT_ACCEPTED_NOW = (OrderStatus.CANCELLED, OrderStatus.NEEDS_REVIEW)  # an accepted order cancelled or sent back to review
SAME_AS_LAST = "The message asks for"  # how the parser's "same as last time" reason begins
LOW_CONFIDENCE = "Low confidence"      # how the parser's confidence-only reason begins
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def apply_history(data: OrderInput, parsed, *, now: datetime) -> None:
    """Adjust `data` (the order about to be made from `parsed`) with the sending workshop's history:
    confidence rescored with the share of part numbers its accepted orders confirm, the confirmed numbers
    in data.history_confirmed, the confidence-only review reason dropped when the rescore lifts the
    confidence to the review threshold (every other reason stays), and for "same as last time" the lines
    of its previous order proposed. Without a workshop nothing changes."""
    numbers = [line.part_number for line in parsed.lines or [] if line.part_number]
    confirmed = confirmed_numbers(data.workshop_id, numbers)
    share = sum(1 for n in numbers if n in confirmed) / len(numbers) if numbers else 0.0
    data.confidence = confidence.rescore(parsed, history_confirmed=share)
    data.history_confirmed = confirmed or None
    if share:
        data.review_reasons = _confidence_reasons(data.review_reasons, data.confidence)
    if data.workshop_id is not None and any(r.startswith(SAME_AS_LAST) for r in data.review_reasons):
        _propose_previous(data, now=now)


@cache
def _accepted_numbers():
    """Which of the given normalised numbers are on an accepted order of the workshop. Built once: the
    pipeline asks for every order it makes, and building the statement costs more than running it."""
    accepted = or_(Order.status.in_(ACCEPTED_STATUSES), and_(
        Order.status.not_in(NOT_ACCEPTED_NOW),
        exists().where(OrderEvent.order_id == Order.id, OrderEvent.action == "accepted")))
    return (select(OrderLine.part_number_norm).join(Order, OrderLine.order_id == Order.id)
            .where(Order.workshop_id == bindparam("workshop_id"),
                   OrderLine.part_number_norm.in_(bindparam("norms", expanding=True)), accepted)
            .distinct())


@cache
def _accepted_numbers_of_many():
    """_accepted_numbers for several workshops at once: (workshop id, normalised number) pairs."""
    accepted = or_(Order.status.in_(ACCEPTED_STATUSES), and_(
        Order.status.not_in(NOT_ACCEPTED_NOW),
        exists().where(OrderEvent.order_id == Order.id, OrderEvent.action == "accepted")))
    return (select(Order.workshop_id, OrderLine.part_number_norm).join(Order, OrderLine.order_id == Order.id)
            .where(Order.workshop_id.in_(bindparam("workshop_ids", expanding=True)),
                   OrderLine.part_number_norm.in_(bindparam("norms", expanding=True)), accepted)
            .distinct())


def prefetch_confirmed(asked: dict[int, list[str]]) -> None:
    """confirmed_numbers for a batch's workshops (id -> the part numbers read) in one statement, kept
    for the transaction. An order made in the batch is not accepted yet, so it changes none of them."""
    norms_of = {wid: {normalise_part_number(n) for n in numbers} - {""} for wid, numbers in asked.items()}
    norms_of = {wid: norms for wid, norms in norms_of.items() if norms}
    if not norms_of:
        return
    found: dict[int, set[str]] = {wid: set() for wid in norms_of}
    for wid, norm in db.session.execute(_accepted_numbers_of_many(), {
            "workshop_ids": sorted(norms_of), "norms": sorted(set().union(*norms_of.values()))}):
        if norm in norms_of[wid]:
            found[wid].add(norm)
    kept().confirmed.update((wid, (norms_of[wid], found[wid])) for wid in norms_of)


def confirmed_numbers(workshop_id: int | None, numbers: list[str]) -> list[str]:
    """The numbers (as given, once each) whose normalised form is on an accepted order of this workshop."""
    norms = {normalise_part_number(n) for n in numbers} - {""}
    if workshop_id is None or not norms:
        return []
    asked, known = kept().confirmed.get(workshop_id, (set(), set()))
    if norms <= asked:
        found = known
    else:
        found = set(db.session.scalars(_accepted_numbers(), {"workshop_id": workshop_id, "norms": sorted(norms)}))
    return list(dict.fromkeys(n for n in numbers if normalise_part_number(n) in found))


def _confidence_reasons(reasons: list[str], score: float) -> list[str]:
    """The reasons with the confidence-only one brought up to date: gone at or over the threshold, else
    stating the new figure. Written reasons are kept as they are."""
    if score >= REVIEW_THRESHOLD:
        return [r for r in reasons if not r.startswith(LOW_CONFIDENCE)]
    fresh = (f"{LOW_CONFIDENCE} ({score:.2f}, with this workshop's earlier orders counted) in the lines read; "
             "check them against the message.")
    return list(dict.fromkeys(fresh if r.startswith(LOW_CONFIDENCE) else r for r in reasons))


def previous_order(workshop_id: int, *, now: datetime) -> Order | None:
    """The workshop's most recent order made up to `now` that has lines and was not cancelled."""
    return db.session.scalars(
        select(Order).where(Order.workshop_id == workshop_id, Order.status != OrderStatus.CANCELLED, Order.created_at <= now,
                            Order.lines.any())
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(1).options(selectinload(Order.lines))).first()


def _propose_previous(data: OrderInput, *, now: datetime) -> None:
    previous = previous_order(data.workshop_id, now=now)
    if previous is None:
        return
    copied = [LineInput(part_number=ln.part_number, description=ln.description, quantity=ln.quantity)
              for ln in previous.lines]
    have = {normalise_part_number(ln.part_number) for ln in copied if ln.part_number}
    # what the message itself adds ("... and 2 wiper blades") stays, after the proposed lines
    extra = [ln for ln in data.lines if not (ln.part_number and normalise_part_number(ln.part_number) in have)]
    data.lines = copied + extra
    data.review_reasons = [*data.review_reasons, f"Lines proposed from {previous.reference} of "
                           f"{_day(previous.created_at, previous.branch_id)}; confirm with the workshop."]


def _day(at: datetime, branch_id: int) -> str:
    """'28 Nov' in the branch's time zone (month names fixed, whatever the server's locale)."""
    branch = db.session.get(Branch, branch_id)
    try:
        at = at.astimezone(ZoneInfo(branch.timezone if branch else "Europe/Oslo"))
    except Exception:  # noqa: BLE001 - an unknown zone name must not stop the order
        pass
    return f"{at.day} {MONTHS[at.month - 1]}"
