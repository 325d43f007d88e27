"""Bytes of unknown or doubtful charset -> text, for mail parts, headers, SMS and attachments alike."""
from __future__ import annotations

from charset_normalizer import from_bytes


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Bytes -> text: the declared charset if it decodes cleanly, else UTF-8, charset-normalizer, cp1252."""
    for charset in (declared, "utf-8"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    if len(data) < 200_000:
        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return str(best)
    return data.decode("cp1252", errors="replace")
