"""SMS files: a `From: +<E.164>` line, a blank line, then the UTF-8 body."""
from __future__ import annotations

import re

from app.reading.charset import decode_bytes
from app.reading.mime import MailDoc

_FROM = re.compile(r"^\s*from\s*:\s*(\+?[\d ()-]{5,20})\s*$", re.I)


def read_sms(text_or_bytes: str | bytes, sms_from: str | None = None) -> MailDoc:
    """Read an SMS. A missing `From:` line is allowed: the whole text is then the body."""
    text = decode_bytes(text_or_bytes) if isinstance(text_or_bytes, bytes) else text_or_bytes
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    doc = MailDoc(channel="sms", from_addr=sms_from)
    lines = text.split("\n")
    if lines and _FROM.match(lines[0]):
        number = re.sub(r"[^\d+]", "", _FROM.match(lines[0]).group(1))
        doc.from_addr = doc.from_addr or number
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
    doc.body_text = "\n".join(lines).strip()
    return doc
