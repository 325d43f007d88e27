"""The original inbound message of an order, as text and attachments to show a person.

Everything here is shown escaped. The page shows what intake stored with the reading
(InboundMessage.parsed["shown"], see app.reading.shown) and decodes the stored raw only when nothing
was stored; attachments are downloaded from the stored raw message, so a download can only ever
serve a part of that one message, chosen by its index in the same listing.
"""
from __future__ import annotations

import email
import email.policy

from app.reading import shown
from app.reading.shown import Part
from app.models import InboundMessage


def _stored(message: InboundMessage) -> dict | None:
    parsed = message.parsed if isinstance(message.parsed, dict) else {}
    summary = parsed.get("shown")
    if isinstance(summary, dict) and isinstance(summary.get("parts"), list):
        return summary
    return None


def _decoded(message: InboundMessage):
    if message.channel != "email" or not message.raw:
        return None
    return email.message_from_bytes(bytes(message.raw), policy=email.policy.compat32)


def body_text(message: InboundMessage) -> str:
    """The readable text: the parsed body if intake stored one, else the text part as stored with the
    reading or, for an older message, as decoded now, else the raw bytes."""
    parsed = message.parsed or {}
    if isinstance(parsed.get("body_text"), str) and parsed["body_text"].strip():
        return parsed["body_text"]
    summary = _stored(message)
    if summary is not None and isinstance(summary.get("text"), str):
        return summary["text"]
    raw = bytes(message.raw or b"")
    if summary is None and message.channel == "email":
        try:
            text = shown.text(_decoded(message))
        except Exception:  # show the raw message rather than nothing
            text = None
        if text is not None:
            return text
    return shown.decode(raw)


def listed_attachments(message: InboundMessage | None) -> list[Part]:
    """The attachments to list on a page (without their bytes), in download order."""
    if message is None:
        return []
    summary = _stored(message)
    if summary is None:
        return attachments(message)
    return [Part(filename=str(p.get("filename") or ""), content_type=str(p.get("content_type") or ""),
                 size=int(p.get("size") or 0)) for p in summary["parts"] if isinstance(p, dict)]


def attachments(message: InboundMessage | None) -> list[Part]:
    """The message's attachments with their bytes, read from the stored raw, in a stable order (the
    index is the download key)."""
    if message is None:
        return []
    try:
        msg = _decoded(message)
    except Exception:
        return []
    return shown.parts(msg) if msg is not None else []
