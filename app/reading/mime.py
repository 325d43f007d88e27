"""Raw RFC 5322 bytes -> MailDoc: headers, readable body text and attachments. Never raises."""
from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from inscriptis import get_text

from app.reading import shown
from app.reading.attachments import Attachment
from app.reading.charset import decode_bytes

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 20_000  # ~500 order lines; reading takes ~1.5 ms a line (50,000 took 2-3 s); the raw is kept whole
MAX_TEXT_LINES = 1_000  # and 6,000 lines of one letter took 2.6 s
MAX_PARTS = 200
# What the reader hands on is bounded in every dimension, so no rule downstream ever sees a huge
# subject, name or token: a header value is read up to MAX_HEADER_CHARS (a 5 MB subject kept a worker
# busy for minutes), a word is cut to MAX_WORD_CHARS and a line is broken at MAX_LINE_CHARS (20,000
# digits in a row took 33 s). No real subject, part number or order line comes near these.
MAX_HEADER_CHARS = 16 * 1024
MAX_SUBJECT_CHARS = 998  # RFC 5322's line limit
MAX_NAME_CHARS = 200
MAX_IDS = 50  # References: the first few and the latest, which are the ones that name our mail
MAX_WORD_CHARS = 200
MAX_LINE_CHARS = 2_000

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
    # the headers that decide whether an automatic reply may go (REPLY_HEADERS present), as read
    reply_headers: dict[str, str] | None = None
    # what a person is shown (app.reading.shown.summary); None when the message was cut down to be read
    shown: dict | None = None


REPLY_HEADERS = ("Auto-Submitted", "Precedence", "List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond",
                 "X-Auto-Response-Suppress", "Return-Path")


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


def _header(msg: Message, name: str, doc: MailDoc | None = None) -> str:
    """One header decoded to text, read up to MAX_HEADER_CHARS (noted on doc when it was longer)."""
    raw = msg.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, Header) and len(raw) > MAX_HEADER_CHARS:
        if doc is not None:
            doc.notes.append(f"The {name} header is {len(raw)} characters long; only the first "
                             f"{MAX_HEADER_CHARS} were read.")
        raw = raw[:MAX_HEADER_CHARS]
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
    ids = [i for i in re.findall(r"<[^<>\s]+>", value or "") if len(i) <= MAX_SUBJECT_CHARS]
    return ids if len(ids) <= MAX_IDS else ids[:5] + ids[-(MAX_IDS - 5):]


_LONG_WORD = re.compile(r"\S{%d}\S+" % MAX_WORD_CHARS)
_LONG_LINE = re.compile(r"[^\n]{%d}(?=[^\n])" % MAX_LINE_CHARS)


def bound_text(text: str) -> str:
    """Cut every word to MAX_WORD_CHARS and break every line at MAX_LINE_CHARS (both linear)."""
    text = _LONG_WORD.sub(lambda m: m.group()[:MAX_WORD_CHARS], text)
    return _LONG_LINE.sub(lambda m: m.group() + "\n", text)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    return decode_bytes(payload, part.get_content_charset())


# What of an HTML part the layout engine reads, after what shows no text is taken out: inscriptis
# lays out about 300 KB a second, and 100,000 characters of table give more text than MAX_TEXT_CHARS.
MAX_HTML_CHARS = 100_000
_NO_TEXT_START = re.compile(r"<!--|<(style|script|head)\b", re.I)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*(?:"[^"<>]*+"|'[^'<>]*+')""", re.I)


def _without_invisible(html: str) -> str:
    """HTML without comments, <style>, <script>, <head> and style attributes, in one forward pass each
    (an unclosed one drops the rest): Outlook's HTML is mostly these."""
    out, pos = [], 0
    while (start := _NO_TEXT_START.search(html, pos)) is not None:
        out.append(html[pos:start.start()])
        closing = re.compile(r"-->" if start.group(1) is None else rf"</{start.group(1)}\s*>", re.I)
        end = closing.search(html, start.end())
        if end is None:
            pos = len(html)
            break
        pos = end.end()
    out.append(html[pos:])
    return _STYLE_ATTRIBUTE.sub("", "".join(out))


def html_to_text(html: str, doc: MailDoc | None = None) -> str:
    """HTML -> text with tables laid out as rows (inscriptis keeps cells apart by two or more spaces).
    Reads at most MAX_HTML_CHARS of what shows text (noted on doc when there was more)."""
    html = _without_invisible(html)
    if len(html) > MAX_HTML_CHARS:
        if doc is not None:
            doc.notes.append(f"The HTML text is {len(html)} characters long; only the first {MAX_HTML_CHARS} "
                             "were read.")
        cut = html.rfind("<", 0, MAX_HTML_CHARS)
        html = html[:cut if cut > 0 else MAX_HTML_CHARS]
    try:
        text = get_text(html)
    except Exception:
        text = re.sub(r"<[^>]+>", " ", html)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _auth_failure(msg: Message, from_addr: str | None) -> str | None:
    domain = (from_addr or "").rpartition("@")[2].lower()
    for value in (msg.get_all("Authentication-Results", []) or [])[:MAX_IDS]:
        text = re.sub(r"\s+", " ", str(value)[:MAX_HEADER_CHARS])
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
_BIG_RUN_LINES = 6 * 1024 * 1024 // 76
# A run of base64 lines, taken whole and never backtracked into (possessive), tried at line starts only:
# linear. The old pattern, (?:...){N,} tried at every offset, took minutes on a long line of letters.
_ENCODED_RUN = re.compile(rb"(?m)^(?:[A-Za-z0-9+/]{40,}+={0,2}+\r?\n)++")


def _trim_big_parts(raw: bytes, doc: MailDoc) -> bytes:
    if len(raw) <= TRIM_ABOVE:
        return raw

    def cut(match: re.Match) -> bytes:
        if match.group(0).count(b"\n") < _BIG_RUN_LINES:
            return match.group(0)
        size = len(match.group(0)) * 3 // 4
        doc.notes.append(f"An attachment of about {size // (1024 * 1024)} MB was too large to read here; "
                         "it is kept whole in the stored message.")
        return b"VG9vIGxhcmdlIHRvIHJlYWQgaGVyZS4=\r\n"  # "Too large to read here."

    return _ENCODED_RUN.sub(cut, raw)


MAX_HEADER_BYTES = 256 * 1024
MAX_HEADER_LINE_BYTES = MAX_HEADER_CHARS


def _bound_header_block(raw: bytes, doc: MailDoc) -> bytes:
    """The message with its header section cut to MAX_HEADER_BYTES and each header line to
    MAX_HEADER_LINE_BYTES (whole lines kept; noted on doc). The standard parser reads every header
    in full and looks each one up by scanning them all: 500,000 headers took 7 s, a 5 MB line longer."""
    ends = [i for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep, 0, len(raw))) >= 0]
    end = min(ends) if ends else len(raw)
    if end <= MAX_HEADER_LINE_BYTES:
        return raw
    lines = raw[:end].split(b"\n")
    if len(raw[:end]) <= MAX_HEADER_BYTES and max(map(len, lines)) <= MAX_HEADER_LINE_BYTES:
        return raw
    kept, size = [], 0
    for line in lines:
        if len(line) > MAX_HEADER_LINE_BYTES:
            line = line[:MAX_HEADER_LINE_BYTES] + (b"\r" if line.endswith(b"\r") else b"")
        if size + len(line) > MAX_HEADER_BYTES:
            break
        kept.append(line)
        size += len(line) + 1
    doc.notes.append(f"The message's headers are {end} bytes long; only the first {size} were read.")
    return b"\n".join(kept) + raw[end:]


# The standard parser reads line by line and, on every line, tries the boundary of every multipart
# part it is inside: 20 MB of short lines took 9 s, and 20 MB inside 15 nested parts longer. What it is
# handed is cut before the declaration of a multipart beyond MAX_MULTIPARTS (real mail nests three or
# four) and after MAX_PARSE_LINES lines (a 25 MB message of photos has about 330,000), fewer the more
# multiparts it declares: lines times multiparts stay under MAX_PARSE_WORK.
MAX_MULTIPARTS = 16
MAX_PARSE_LINES = 300_000
MAX_PARSE_WORK = 1_200_000
_BOUNDARY_PARAMETER = re.compile(rb"(?i)\bboundary\s*=")


def _bound_structure(raw: bytes, doc: MailDoc) -> bytes:
    multiparts = 0
    for multiparts, match in enumerate(_BOUNDARY_PARAMETER.finditer(raw), 1):
        if multiparts > MAX_MULTIPARTS:
            raw = raw[:raw.rfind(b"\n", 0, match.start()) + 1]
            doc.notes.append(f"The message has more than {MAX_MULTIPARTS} multipart parts; only what comes "
                             "before the next one was read.")
            break
    lines = min(MAX_PARSE_LINES, MAX_PARSE_WORK // max(multiparts, 1))
    if raw.count(b"\n") > lines:
        raw = b"\n".join(raw.split(b"\n", lines)[:lines]) + b"\n"
        doc.notes.append(f"The message has more than {lines} lines; only the first {lines} were read.")
    return raw


def read_email(raw: bytes) -> MailDoc:
    """Read one message; on any failure the doc carries `read_error` instead of raising."""
    doc = MailDoc()
    whole = raw
    try:
        raw = _bound_structure(_trim_big_parts(_bound_header_block(raw, doc), doc), doc)
        if len(raw) > MAX_MESSAGE_BYTES:
            doc.notes.append(f"Message is {len(raw)} bytes; only the first {MAX_MESSAGE_BYTES} were read.")
            raw = raw[:MAX_MESSAGE_BYTES]
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        _read_headers(msg, doc)
        _read_body(msg, doc)
        if raw is whole or raw == whole:  # the page lists the parts of the stored raw: only from that raw
            doc.shown = shown.summary(msg)
    except Exception as exc:  # malformed mail must reach a person, not crash the worker
        doc.read_error = f"{type(exc).__name__}: {exc}"[:200]
    if not doc.body_text.strip() and not doc.attachments and not doc.subject and raw.strip():
        if doc.read_error is None and not doc.from_addr:
            doc.read_error = "no headers or readable text were found"
    return doc


def _read_headers(msg: Message, doc: MailDoc) -> None:
    name, addr = (getaddresses([_header(msg, "From", doc)]) or [("", "")])[0]
    doc.from_addr = addr.strip().lower()[:MAX_SUBJECT_CHARS] or None
    doc.from_name = bound_text(name.strip()[:MAX_NAME_CHARS]) or None
    subject = re.sub(r"\s+", " ", _header(msg, "Subject", doc))
    if len(subject) > MAX_SUBJECT_CHARS:
        doc.notes.append(f"The subject is {len(subject)} characters long; only the first {MAX_SUBJECT_CHARS} "
                         "were read.")
    doc.subject = bound_text(subject[:MAX_SUBJECT_CHARS])
    doc.message_id = (_ids(_header(msg, "Message-ID", doc)) or [None])[0]
    doc.in_reply_to = (_ids(_header(msg, "In-Reply-To", doc)) or [None])[0]
    references = str(msg.get("References") or "")
    if len(references) > MAX_HEADER_CHARS:  # the latest ids, at the end, are the ones that name our mail
        references = references[:MAX_HEADER_CHARS // 2] + " " + references[-MAX_HEADER_CHARS // 2:]
    doc.references = _ids(references)
    doc.content_language = _header(msg, "Content-Language", doc)[:MAX_NAME_CHARS] or None
    date = _header(msg, "Date", doc)[:MAX_NAME_CHARS]
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
    doc.reply_headers = {name: str(msg.get(name)) for name in REPLY_HEADERS if msg.get(name) is not None}


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
        doc.body_text = "\n".join(html_to_text(h, doc) for h in html)
        doc.body_was_html = True
    if len(doc.body_text) > MAX_TEXT_CHARS:
        doc.notes.append(f"Message text is longer than {MAX_TEXT_CHARS} characters; the rest was not read.")
        doc.body_text = doc.body_text[:MAX_TEXT_CHARS]
    doc.body_text = doc.body_text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if doc.body_text.count("\n") > MAX_TEXT_LINES:
        doc.notes.append(f"Message text has more than {MAX_TEXT_LINES} lines; the rest was not read.")
        doc.body_text = "\n".join(doc.body_text.split("\n", MAX_TEXT_LINES)[:MAX_TEXT_LINES])
    doc.body_text = bound_text(doc.body_text.replace("\x00", ""))  # NUL: refused by PostgreSQL text columns
