"""From what the reader understood of a message to the order it asks for: the one mapping that the
mail worker, the SMS and voicemail webhooks and the review inbox's "make an order of it" all use.

It reads the parse contract's JSON (ParsedMessage.to_dict(), as stored in InboundMessage.parsed), so
an order made now from a fresh reading and one made later from the stored reading are the same.
Every value is bounded to its column and checked against its closed set here, whatever the channel.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.locales import N_
from app.orders.service import LineInput, OrderInput

FULFILMENT = ("delivery", "pickup")
MAX_QUANTITY = 100_000
UNCLEAR = N_("The order could not be read with confidence; check the lines against the message.")


def order_input(reading: Mapping | None, *, channel: str, workshop_id: int | None = None,
                review_reasons: Iterable[str] = (), contact_name: str | None = None,
                contact_phone: str | None = None, notes: str | None = None, language: str | None = None,
                inbound_message_id: int | None = None) -> OrderInput:
    """The OrderInput for `reading` (None or malformed: an order with no lines, for a person to fill in).

    review_reasons are the caller's own (an unknown sender, a failed authentication...), kept after the
    reader's; a reading marked needs_review that gives no reason, and has none from the caller, gets
    UNCLEAR, so an order never sits in review without a sentence saying why. `language` overrides the
    one the reader guessed."""
    reading = reading if isinstance(reading, Mapping) else {}
    reasons = [str(r) for r in [*(_list(reading.get("review_reasons"))), *review_reasons] if r]
    if reading.get("needs_review") and not reasons:
        reasons.append(UNCLEAR)
    fulfilment = reading.get("fulfilment")
    confidence = reading.get("confidence")
    return OrderInput(
        channel=channel, lines=lines(reading), workshop_id=workshop_id, urgent=bool(reading.get("urgent")),
        fulfilment=fulfilment if fulfilment in FULFILMENT else None, plate=_cut(reading.get("plate"), 20),
        vin=_cut(reading.get("vin"), 17), customer_reference=_cut(reading.get("customer_reference"), 64),
        contact_name=_cut(contact_name, 120), contact_phone=_cut(contact_phone, 20), notes=notes or None,
        language=_cut(language or reading.get("language"), 5),
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        review_reasons=list(dict.fromkeys(reasons)), inbound_message_id=inbound_message_id)


def lines(reading: Mapping | None) -> list[LineInput]:
    """The order lines read, each bounded to its columns; a quantity that is no whole number from 1 up is 1."""
    reading = reading if isinstance(reading, Mapping) else {}
    return [LineInput(part_number=_cut(line.get("part_number"), 64), description=_cut(line.get("description"), 300),
                      quantity=_quantity(line.get("quantity")))
            for line in _list(reading.get("lines")) if isinstance(line, Mapping)]


def _list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _quantity(value) -> int:
    try:
        return max(1, min(int(value), MAX_QUANTITY))
    except (TypeError, ValueError, OverflowError):
        return 1


def _cut(value, length: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value[:length] or None
