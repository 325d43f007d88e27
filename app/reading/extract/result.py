"""The result of reading one message: plain dataclasses with a stable JSON form (`to_dict`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.reading.attachments import Attachment


@dataclass
class OrderLine:
    part_number: str | None
    description: str | None
    quantity: int
    part_number_normalised: str | None = None
    source: str = "text"                 # "text", "subject" or the attachment's filename
    catalogue_entry: dict | None = None
    # spans in ParsedMessage.evidence_text per field ("part_number", "quantity", "description"; "line" for a
    # table typed in the text), or "cells": (row, column, field) of the attachment `source`
    evidence: dict[str, list] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"part_number": self.part_number, "description": self.description, "quantity": self.quantity}


@dataclass
class ParsedMessage:
    channel: str = "email"
    kind: str = "other"
    language: str = "en"
    order_ref: str | None = None
    lines: list[OrderLine] = field(default_factory=list)
    plate: str | None = None
    vin: str | None = None
    urgent: bool = False
    fulfilment: str | None = None
    customer_reference: str | None = None
    needs_review: bool = False
    confidence: float = 0.0
    review_reasons: list[str] = field(default_factory=list)
    from_addr: str | None = None
    from_name: str | None = None
    subject: str = ""
    date: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    body_text: str = ""
    new_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    auth_failed: str | None = None
    auto_submitted: bool = False
    bulk: bool = False
    is_bounce: bool = False
    notes: list[str] = field(default_factory=list)
    # The text evidence spans point into: the cleaned subject, a newline, then new_text.
    evidence_text: str = ""
    # field name -> [(start, end), ...] in evidence_text, for plate, vin, urgent, fulfilment, references
    evidence: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    features: dict[str, float] = field(default_factory=dict)
    # Not in the JSON contract: for the acknowledgement's loop rules and for the page (see app.reading.mime)
    reply_headers: dict[str, str] | None = None
    shown: dict | None = None

    def evidence_dict(self) -> dict:
        """Evidence per field, as JSON: [[start, end], ...] into `text`; for lines read from an attachment,
        [[file, row, column], ...]."""
        out: dict = {k: [list(s) for s in v] for k, v in self.evidence.items()}
        lines = []
        for line in self.lines:
            ev = line.evidence
            cells = [[line.source, r, c] for r, c, _ in ev.get("cells", [])]
            entry = {}
            for key in ("part_number", "quantity", "description"):
                spans = [list(s) for s in ev.get(key, [])] or \
                        [[line.source, r, c] for r, c, k in ev.get("cells", []) if k == _CELL_FIELD[key]]
                if key == "part_number" and not spans:
                    spans = [[line.source, r, c] for r, c, k in ev.get("cells", []) if k == "ean"]
                spans = spans or [list(s) for s in ev.get("line", [])]
                if spans:
                    entry[key] = spans
            entry["evidence"] = sorted({tuple(x) for v in entry.values() for x in v} | {tuple(c) for c in cells},
                                       key=lambda x: tuple((0, y, "") if isinstance(y, int) else (1, 0, y) for y in x))
            entry["evidence"] = [list(x) for x in entry["evidence"]]
            lines.append(entry)
        out["lines"] = lines
        return out

    def to_dict(self) -> dict:
        """The parse contract (without `file`)."""
        return {
            "channel": self.channel,
            "kind": self.kind,
            "language": self.language,
            "order_ref": self.order_ref,
            "lines": [line.to_dict() for line in self.lines],
            "plate": self.plate,
            "vin": self.vin,
            "urgent": self.urgent,
            "fulfilment": self.fulfilment,
            "customer_reference": self.customer_reference,
            "needs_review": self.needs_review,
            "confidence": round(self.confidence, 2),
            "review_reasons": list(self.review_reasons),
            "from": self.from_addr,
            "subject": self.subject,
            "attachments": [a.to_dict() for a in self.attachments],
            "text": self.evidence_text,
            "evidence": self.evidence_dict(),
        }


_CELL_FIELD = {"part_number": "part", "quantity": "qty", "description": "desc"}
