"""The original inbound message of an order, as text and attachments to show a person.

Everything here is shown escaped; attachments are read back from the stored raw message, so a
download can only ever serve a part of that one message, chosen by its index.
"""
from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.header import decode_header, make_header

from app.models import InboundMessage

MAX_PARTS = 200


@dataclass
class Part:
    filename: str
    content_type: str
    size: int
    data: bytes


def _decode(data: bytes, charset: str | None = None) -> str:
    return _shown(_decoded(data, charset))


def _decoded(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("cp1252", errors="replace")


def _shown(text: str) -> str:
    """A NUL from the message shown as U+FFFD, as for any character that cannot be shown: in HTML a
    browser would drop it silently, joining what stood on either side of it."""
    return text.replace("\x00", "\ufffd")


def _filename(part) -> str | None:
    name = part.get_filename()
    if not name:
        return None
    try:
        return _shown(str(make_header(decode_header(name))))
    except Exception:  # a malformed encoded-word: keep it as it came
        return _shown(name)


def _walk(message: InboundMessage):
    if message.channel != "email" or not message.raw:
        return
    msg = email.message_from_bytes(bytes(message.raw), policy=email.policy.compat32)
    for count, part in enumerate(msg.walk()):
        if count > MAX_PARTS:
            return
        if not part.is_multipart():
            yield part


def body_text(message: InboundMessage) -> str:
    """The readable text: the parsed body if intake stored one, else the text part, else the raw bytes."""
    parsed = message.parsed or {}
    if isinstance(parsed.get("body_text"), str) and parsed["body_text"].strip():
        return parsed["body_text"]
    raw = bytes(message.raw or b"")
    if message.channel != "email":
        return _decode(raw)
    try:
        for part in _walk(message):
            if part.get_content_type() == "text/plain" and not _filename(part):
                return _decode(part.get_payload(decode=True) or b"", part.get_content_charset())
    except Exception:  # show the raw message rather than nothing
        pass
    return _decode(raw)


def attachments(message: InboundMessage | None) -> list[Part]:
    """The message's attachments in a stable order (the index is the download key)."""
    if message is None:
        return []
    found: list[Part] = []
    try:
        for part in _walk(message):
            ctype = part.get_content_type()
            name = _filename(part)
            disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
            if ctype in ("text/plain", "text/html") and not name and disposition != "attachment":
                continue
            data = part.get_payload(decode=True) or b""
            found.append(Part(filename=name or f"attachment.{ctype.rpartition('/')[2]}",
                              content_type=ctype, size=len(data), data=data))
    except Exception:
        return found
    return found
