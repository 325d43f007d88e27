"""Raw RFC 5322 bytes -> MailDoc: headers, readable body text and attachments. Never raises."""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from charset_normalizer import from_bytes
from inscriptis import get_text

from app.intake.attachments import Attachment

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 50_000  # the reader takes time that grows faster than the length; the raw is kept whole
MAX_PARTS = 200

_AUTH_FAIL = re.compile(r"\b(dmarc|dkim)\s*=\s*fail\b[^;]*", re.I)
_AUTH_DOMAIN = re.compile(r"header\.(?:from|d|i)\s*=\s*@?([\w.-]+)", re.I)
_BOUNCE_FROM = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)


@dataclass
class MailDoc:
    """What one inbound message says, in plain values (an SMS uses the same shape)."""

    channel: str = "email"
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    from_addr: str | None = None
    from_name: str | None = None
    subject: str = ""
    date: str | None = None
    content_language: str | None = None
    body_text: str = ""
    body_was_html: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    auth_failed: str | None = None
    auto_submitted: bool = False
    auto_reply_header: bool = False
    bulk: bool = False
    list_mail: bool = False
    is_bounce: bool = False
    notes: list[str] = field(default_factory=list)
    read_error: str | None = None


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


def _unescape_8bit(value: str) -> str:
    """Raw 8-bit bytes in a header (UTF-8 sent without encoded-words, as many clients do) reach us as
    surrogate escapes; turn them back into the text the sender meant."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header(msg: Message, name: str) -> str:
    raw = msg.get(name)
    if raw is None:
        return ""
    try:
        if isinstance(raw, Header):  # compat32 hands raw 8-bit header bytes over as an 'unknown-8bit' Header
            text = "".join(decode_bytes(chunk, None if charset in (None, "unknown-8bit") else charset)
                           if isinstance(chunk, bytes) else chunk for chunk, charset in decode_header(raw))
        else:
            text = str(make_header(decode_header(_unescape_8bit(str(raw)))))
    except Exception:  # a malformed encoded-word: keep the raw text
        text = str(raw)
    return text.replace("\x00", "").strip()  # NUL: meaningless in mail, refused by PostgreSQL text columns


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    return decode_bytes(payload, part.get_content_charset())


def html_to_text(html: str) -> str:
    """HTML -> text with tables laid out as rows (inscriptis keeps cells apart by two or more spaces)."""
    try:
        text = get_text(html)
    except Exception:
        text = re.sub(r"<[^>]+>", " ", html)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _auth_failure(msg: Message, from_addr: str | None) -> str | None:
    domain = (from_addr or "").rpartition("@")[2].lower()
    for value in msg.get_all("Authentication-Results", []) or []:
        text = re.sub(r"\s+", " ", str(value))
        for clause in re.split(r";", text):
            hit = _AUTH_FAIL.search(clause)
            if not hit:
                continue
            where = _AUTH_DOMAIN.search(clause)
            claimed = where.group(1).lower() if where else domain
            if not domain or claimed == domain or claimed.endswith("." + domain) or domain.endswith("." + claimed):
                return f"{hit.group(1).lower()}=fail for {claimed or 'the sender domain'}"
    return None


# A message this large has its big encoded parts (photos, scans) cut out before parsing: the parser
# would otherwise hold several decoded copies of them, and nothing reads such a part anyway (order
# lists are read only up to the attachment limit). The stored raw message keeps them whole.
TRIM_ABOVE = 4 * 1024 * 1024
_BIG_ENCODED_RUN = re.compile(rb"(?:[A-Za-z0-9+/]{40,}={0,2}\r?\n){%d,}" % (6 * 1024 * 1024 // 76))


def _trim_big_parts(raw: bytes, doc: MailDoc) -> bytes:
    if len(raw) <= TRIM_ABOVE:
        return raw

    def cut(match: re.Match) -> bytes:
        size = len(match.group(0)) * 3 // 4
        doc.notes.append(f"An attachment of about {size // (1024 * 1024)} MB was too large to read here; "
                         "it is kept whole in the stored message.")
        return b"VG9vIGxhcmdlIHRvIHJlYWQgaGVyZS4=\r\n"  # "Too large to read here."

    return _BIG_ENCODED_RUN.sub(cut, raw)


def read_email(raw: bytes) -> MailDoc:
    """Read one message; on any failure the doc carries `read_error` instead of raising."""
    doc = MailDoc()
    try:
        raw = _trim_big_parts(raw, doc)
        if len(raw) > MAX_MESSAGE_BYTES:
            doc.notes.append(f"Message is {len(raw)} bytes; only the first {MAX_MESSAGE_BYTES} were read.")
            raw = raw[:MAX_MESSAGE_BYTES]
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        _read_headers(msg, doc)
        _read_body(msg, doc)
    except Exception as exc:  # malformed mail must reach a person, not crash the worker
        doc.read_error = f"{type(exc).__name__}: {exc}"[:200]
    if not doc.body_text.strip() and not doc.attachments and not doc.subject and raw.strip():
        if doc.read_error is None and not doc.from_addr:
            doc.read_error = "no headers or readable text were found"
    return doc


def _read_headers(msg: Message, doc: MailDoc) -> None:
    name, addr = (getaddresses([_header(msg, "From")]) or [("", "")])[0]
    doc.from_addr = addr.strip().lower() or None
    doc.from_name = name.strip() or None
    doc.subject = re.sub(r"\s+", " ", _header(msg, "Subject"))
    doc.message_id = (_ids(_header(msg, "Message-ID")) or [None])[0]
    doc.in_reply_to = (_ids(_header(msg, "In-Reply-To")) or [None])[0]
    doc.references = _ids(_header(msg, "References"))
    doc.content_language = _header(msg, "Content-Language") or None
    date = _header(msg, "Date")
    if date:
        try:
            doc.date = parsedate_to_datetime(date).isoformat()
        except (TypeError, ValueError, IndexError):
            doc.date = date
    auto = _header(msg, "Auto-Submitted").lower()
    doc.auto_submitted = bool(auto) and auto != "no"
    doc.auto_reply_header = bool(
        _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond") or _header(msg, "X-Auto-Response")
        or "auto-replied" in auto or _header(msg, "Precedence").lower() == "auto_reply"
    )
    precedence = _header(msg, "Precedence").lower()
    doc.bulk = precedence in ("bulk", "junk", "list")
    doc.list_mail = bool(_header(msg, "List-Unsubscribe") or _header(msg, "List-Id"))
    ctype = msg.get_content_type()
    report = str(msg.get("Content-Type", "")).lower()
    doc.is_bounce = (ctype == "multipart/report" and "delivery-status" in report) or bool(
        _BOUNCE_FROM.match(doc.from_addr or "")
    )
    doc.auth_failed = _auth_failure(msg, doc.from_addr)


def _read_body(msg: Message, doc: MailDoc) -> None:
    plain: list[str] = []
    html: list[str] = []
    for count, part in enumerate(msg.walk()):
        if count > MAX_PARTS:
            doc.notes.append(f"Message has more than {MAX_PARTS} MIME parts; the rest were skipped.")
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = part.get_filename()
        if filename:
            try:
                filename = str(make_header(decode_header(filename)))
            except Exception:
                pass
            filename = filename.replace("\x00", "")
        is_body = ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename
        if is_body:
            (plain if ctype == "text/plain" else html).append(_part_text(part))
        elif ctype == "message/delivery-status":
            doc.is_bounce = True
        else:
            data = part.get_payload(decode=True) or b""
            doc.attachments.append(
                Attachment(
                    filename=filename or f"unnamed.{ctype.rpartition('/')[2]}",
                    content_type=ctype,
                    size=len(data),
                    data=data,
                    inline=disposition == "inline" or bool(part.get("Content-ID") and not filename),
                )
            )
    if plain and any(p.strip() for p in plain):
        doc.body_text = "\n".join(plain)
    elif html:
        doc.body_text = "\n".join(html_to_text(h) for h in html)
        doc.body_was_html = True
    if len(doc.body_text) > MAX_TEXT_CHARS:
        doc.notes.append(f"Message text is longer than {MAX_TEXT_CHARS} characters; the rest was not read.")
        doc.body_text = doc.body_text[:MAX_TEXT_CHARS]
    doc.body_text = doc.body_text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    doc.body_text = doc.body_text.replace("\x00", "")  # NUL: refused by PostgreSQL text columns
