"""Where the message-level signals (urgency, fulfilment) were read: the spans of the words that decided them."""
from __future__ import annotations

from app.reading.extract import signals


def signal_spans(text: str, urgent: bool, fulfilment: str | None) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    if urgent:
        # negated urgency is blanked with as many spaces, so the offsets stay those of `text`
        cleaned = signals._negated_urgency().sub(lambda m: " " * len(m.group()), text)
        spans = [m.span() for m in signals._urgency().finditer(cleaned) if m.group(0) not in ("vor", "Vor")]
        if spans:
            out["urgent"] = spans[:5]
    if fulfilment:
        rx = signals._pickup() if fulfilment == "pickup" else signals._delivery()
        spans = [m.span() for m in rx.finditer(text)]
        if spans:
            out["fulfilment"] = spans[:5]
    return out
