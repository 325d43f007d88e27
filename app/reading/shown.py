"""What a person is shown of an email: its text part as received and its other parts, listed in a
stable order (the index is the download key).

The reader (app.reading.mime.read_email) works this out from the message it has parsed anyway, and
the worker stores it with the reading (InboundMessage.parsed["shown"]), so a page shows a message
without decoding it again. The page decodes the stored raw itself only when nothing was stored (an
older message, or one cut down to be read); a download always reads the part from the stored raw,
with the same listing, so index N is the part listed as N. Imports nothing of the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message

MAX_PARTS = 200
MAX_STORED_TEXT = 200_000  # characters; a longer text part is not copied into the reading (the page decodes it)


@dataclass
class Part:
    filename: str
    content_type: str
    size: int
    data: bytes = b""

    def to_dict(self) -> dict:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size}


def decode(data: bytes, charset: str | None = None) -> str:
    """Bytes as text for the page: the declared charset, else UTF-8, else cp1252; NUL shown as U+FFFD."""
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


def _filename(part: Message) -> str | None:
    name = part.get_filename()
    if not name:
        return None
    try:
        return _shown(str(make_header(decode_header(name))))
    except Exception:  # a malformed encoded-word: keep it as it came
        return _shown(name)


def _leaves(msg: Message):
    for count, part in enumerate(msg.walk()):
        if count > MAX_PARTS:
            return
        if not part.is_multipart():
            yield part


def text(msg: Message) -> str | None:
    """The first text/plain part that is no file, decoded; None when there is none or it cannot be read."""
    try:
        for part in _leaves(msg):
            if part.get_content_type() == "text/plain" and not _filename(part):
                return decode(part.get_payload(decode=True) or b"", part.get_content_charset())
    except Exception:  # the page shows the raw message instead
        return None
    return None


def parts(msg: Message) -> list[Part]:
    """Every part that is not the message's text (files, images, reports), in the message's order;
    up to a part that cannot be read."""
    found: list[Part] = []
    try:
        for part in _leaves(msg):
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


def summary(msg: Message) -> dict | None:
    """What the page needs, as JSON to store: {"text": str | None, "parts": [{filename, content_type, size}]};
    None when the text is too long to copy or the message cannot be listed (the page decodes it then)."""
    try:
        body = text(msg)
        if body is not None and len(body) > MAX_STORED_TEXT:
            return None
        return {"text": _storable(body),
                "parts": [{**p.to_dict(), "filename": _storable(p.filename)} for p in parts(msg)]}
    except Exception:  # noqa: BLE001 - what the page shows must never stop the message being read
        return None


def _storable(value: str | None) -> str | None:
    """Text a JSON column takes: a lone surrogate (undecodable header bytes) becomes U+FFFD."""
    return value if value is None else value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
