"""The result of reading one message: plain dataclasses with a stable JSON form (`to_dict`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.intake.attachments import Attachment


@dataclass
class OrderLine:
    part_number: str | None
    description: str | None
    quantity: int
    part_number_normalised: str | None = None
    source: str = "text"                 # "text", "subject" or the attachment's filename
    catalogue_entry: dict | None = None

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
        }
