"""Text from a phone channel (an SMS body, a voicemail transcript) -> an OrderInput, via the shared parser
and the one mapping every channel uses (app.orders.from_message)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from app.models import Workshop
from app.orders import from_message
from app.orders.service import OrderInput
from app.reading import reasons as R
from app.reading.reasons import say

log = logging.getLogger(__name__)

NOT_READ = say(R.TEXT_NOT_READ)


@dataclass
class Reading:
    """What the parser understood (`parsed`: the parse contract's JSON), or nothing, with `failed`
    set, when it could not run."""

    kind: str = "order"
    order_ref: str | None = None
    language: str | None = None
    parsed: dict | None = None
    failed: bool = False

    @property
    def order(self) -> OrderInput:
        """The order the text asks for, as far as it was read (no sender, workshop or message yet)."""
        return from_message.order_input(self.parsed, channel="sms", review_reasons=[NOT_READ] if self.failed else [])


def read_text(body: str, *, sms_from: str | None) -> Reading:
    """Run the shared extractor on a short text (SMS channel rules). Never raises: a parser failure
    becomes a review reason, so the message still reaches a person."""
    try:
        from app.reading.parse import parse_bytes

        parsed = parse_bytes(body.encode("utf-8"), "sms", sms_from=sms_from)
    except Exception:  # the order must not be lost because the parser tripped
        log.exception("parser failed on a %d-character text from %s", len(body), sms_from)
        return Reading(failed=True)
    return Reading(kind=parsed.kind or "order", order_ref=getattr(parsed, "order_ref", None), language=parsed.language,
                   parsed=parsed.to_dict())


def unknown_sender_reason(number: str | None) -> str:
    return say(R.UNKNOWN_NUMBER, number=number) if number else say(R.UNKNOWN_NUMBER_HIDDEN)


def order_input(reading: Reading, *, channel: str, workshop: Workshop | None, contact_phone: str | None,
                extra_reasons: list[str], notes: str | None, inbound_message_id: int | None,
                language: str | None) -> OrderInput:
    return from_message.order_input(
        reading.parsed, channel=channel, workshop_id=workshop.id if workshop else None,
        review_reasons=[*([NOT_READ] if reading.failed else []), *extra_reasons], contact_phone=contact_phone,
        notes=notes, language=language, inbound_message_id=inbound_message_id)
