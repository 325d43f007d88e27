"""Text from a phone channel (an SMS body, a voicemail transcript) -> an OrderInput, via the shared parser."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.models import Workshop
from app.orders.service import LineInput, OrderInput

log = logging.getLogger(__name__)

NOT_READ = "The text could not be read automatically; read it and fill in the lines."


@dataclass
class Reading:
    """What the parser understood, or an empty reading with a reason when it could not run."""

    kind: str = "order"
    lines: list[LineInput] = field(default_factory=list)
    plate: str | None = None
    vin: str | None = None
    urgent: bool = False
    fulfilment: str | None = None
    customer_reference: str | None = None
    order_ref: str | None = None
    language: str | None = None
    confidence: float | None = None
    review_reasons: list[str] = field(default_factory=list)
    parsed: dict | None = None


def read_text(body: str, *, sms_from: str | None) -> Reading:
    """Run the shared extractor on a short text (SMS channel rules). Never raises: a parser failure
    becomes a review reason, so the message still reaches a person."""
    try:
        from app.reading.parse import parse_bytes

        parsed = parse_bytes(body.encode("utf-8"), "sms", sms_from=sms_from)
    except Exception:  # the order must not be lost because the parser tripped
        log.exception("parser failed on a %d-character text from %s", len(body), sms_from)
        return Reading(review_reasons=[NOT_READ])
    lines = [LineInput(part_number=getattr(line, "part_number", None), description=getattr(line, "description", None),
                       quantity=max(1, int(getattr(line, "quantity", 1) or 1)))
             for line in (parsed.lines or [])]
    reasons = list(parsed.review_reasons or [])
    if parsed.needs_review and not reasons:
        reasons.append("The message is unclear; check it before taking the order.")
    to_dict = getattr(parsed, "to_dict", None)
    return Reading(kind=parsed.kind or "order", lines=lines, plate=parsed.plate, vin=parsed.vin,
                   urgent=bool(parsed.urgent), fulfilment=parsed.fulfilment,
                   customer_reference=parsed.customer_reference, order_ref=getattr(parsed, "order_ref", None),
                   language=parsed.language, confidence=parsed.confidence, review_reasons=reasons,
                   parsed=to_dict() if callable(to_dict) else None)


def unknown_sender_reason(number: str | None) -> str:
    return f"Unknown number {number or '(hidden)'}: find the workshop before taking the order."


def order_input(reading: Reading, *, channel: str, workshop: Workshop | None, contact_phone: str | None,
                extra_reasons: list[str], notes: str | None, inbound_message_id: int | None,
                language: str | None) -> OrderInput:
    reasons = list(reading.review_reasons)
    for reason in extra_reasons:
        if reason not in reasons:
            reasons.append(reason)
    return OrderInput(
        channel=channel, lines=list(reading.lines), workshop_id=workshop.id if workshop else None,
        urgent=reading.urgent, fulfilment=reading.fulfilment, plate=reading.plate, vin=reading.vin,
        customer_reference=reading.customer_reference, contact_phone=(contact_phone or None) and contact_phone[:20],
        notes=notes, language=language, confidence=reading.confidence, review_reasons=reasons,
        inbound_message_id=inbound_message_id,
    )
