"""Exactly-once storage of raw messages.

A message is stored under a unique dedup_key: the sha256 of its body and of the headers its sender
wrote (Message-ID, From, To, Subject, Date, the MIME headers...), not of the whole raw, so a
re-delivery through another hop, which adds Received, Delivered-To or Return-Path, is the same
message, while a different message that reuses a Message-ID is another (both kept; the second is
noted, see app.intake.pipeline). For IMAP the insert and the advance of Mailbox.last_uid commit
together, so after a crash at any point a message is either stored and behind last_uid, or not
stored and fetched again. A second insert of the same key (a retry, a race, a re-delivery) inserts
nothing (ON CONFLICT DO NOTHING), meaning "already stored".
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.database import is_sqlite
from app.extensions import db
from app.models import Branch, InboundMessage, Mailbox
from app.orders.unit_of_work import UnitOfWork, end_read

log = logging.getLogger(__name__)

KEY_LENGTH = 300


@dataclass
class Incoming:
    raw: bytes  # the message; for one read from `path`, its head only (at least the whole header block)
    uid: int | None = None
    error: str | None = None  # set when only part of the message could be taken (too large)
    path: Path | None = None  # a big drop-folder file: hashed and stored from here, never whole in memory


class _Content:
    """A message's bytes, read a range at a time: from memory, or from a file (Incoming.path)."""

    def __init__(self, raw: bytes | None = None, path: Path | None = None):
        self.raw, self.path = raw, path
        self.length = path.stat().st_size if path is not None else len(raw)
        self._file = path.open("rb") if path is not None else None

    def read(self, offset: int, size: int) -> bytes:
        if self._file is None:
            return self.raw[offset:offset + size]
        self._file.seek(offset)
        return self._file.read(size)

    def chunks(self, start: int = 0, end: int | None = None):
        end = self.length if end is None else end
        for offset in range(start, end, HASH_CHUNK):
            yield self.read(offset, min(HASH_CHUNK, end - offset))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def content_of(item: Incoming) -> _Content:
    return _Content(path=item.path) if item.path is not None else _Content(item.raw)


def headers_of(raw: bytes):
    return BytesHeaderParser(policy=compat32).parsebytes(raw[:256 * 1024], headersonly=True)


# The headers a sender writes, which no relay, list server or IMAP server on the way changes
STABLE_HEADERS = ("message-id", "from", "sender", "reply-to", "to", "cc", "subject", "date", "in-reply-to",
                  "references", "mime-version", "content-type", "content-transfer-encoding",
                  "content-disposition", "content-language")


def message_id_of(headers) -> str | None:
    """The Message-ID as stored in InboundMessage.message_id (None when missing or unstorable)."""
    try:
        message_id = " ".join(str(headers.get("Message-ID") or "").split())
    except Exception:  # noqa: BLE001 - a header we cannot read is no Message-ID
        return None
    # a NUL cannot be stored in a PostgreSQL text column
    return message_id if message_id and len(message_id) <= KEY_LENGTH and "\x00" not in message_id else None


def _body_start(raw: bytes) -> int:
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    return min(ends) if ends else len(raw)


HASH_CHUNK = 1024 * 1024


def _hash_body(digest, content: _Content, start: int) -> None:
    """digest.update(body with line ends as LF, without trailing blank lines), a chunk at a time: a
    40 MB message is hashed without the three whole copies replace() and rstrip() would make."""
    end = content.length
    while end > start:  # the trailing blank lines, looked for from the end
        tail = content.read(max(start, end - 4096), end - max(start, end - 4096))
        kept = len(tail.rstrip(b"\r\n\t "))
        end -= len(tail) - kept
        if kept:
            break
    carry = b""
    for offset in range(start, end, HASH_CHUNK):
        chunk = carry + content.read(offset, min(HASH_CHUNK, end - offset))
        carry = b""
        if chunk.endswith(b"\r") and offset + HASH_CHUNK < end:
            chunk, carry = chunk[:-1], b"\r"  # a CR LF split over two chunks is one line end
        digest.update(chunk.replace(b"\r\n", b"\n"))
    digest.update(carry)


def dedup_key(raw: bytes, headers=None, content: _Content | None = None) -> str:
    """'sha256:<hex>' of the stable headers (STABLE_HEADERS, unfolded) and the body (line ends as LF,
    without trailing blank lines): the same for a re-delivery, different for different content.
    `content`: the whole message when `raw` is only its head (a big file read from disk)."""
    content = content or _Content(raw)
    digest = hashlib.sha256()
    try:
        headers = headers if headers is not None else headers_of(raw)
        for name in STABLE_HEADERS:
            for value in headers.get_all(name, []) or []:
                digest.update(name.encode() + b":" + " ".join(str(value).split()).encode("utf-8", "surrogateescape")
                              + b"\n")
    except Exception:  # noqa: BLE001 - headers we cannot read: keyed by the whole message instead
        return _whole_sha256(content)
    digest.update(b"\n")
    _hash_body(digest, content, _body_start(raw))
    return "sha256:" + digest.hexdigest()


def _whole_sha256(content: _Content) -> str:
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _summary(headers) -> tuple[str | None, str | None]:
    from email.header import decode_header, make_header

    try:
        def text(name):
            value = headers.get(name)
            # NUL never reaches a text column (PostgreSQL refuses it, so the message would never be stored)
            return str(make_header(decode_header(str(value)))).replace("\x00", "") if value else None

        sender = text("From")
        subject = text("Subject")
    except Exception:  # noqa: BLE001 - the parser reads it properly later; this is a label
        return None, None
    return (sender or None) and sender[:320], (subject or None) and subject[:500]


def _values(item: Incoming, *, channel: str, branch_id: int | None, mailbox_id: int | None,
            uidvalidity: int | None, now: datetime) -> dict:
    try:
        headers = headers_of(item.raw)
    except Exception:  # noqa: BLE001 - keyed by its bytes and labelled later by the parser
        headers = {}
    sender, subject = _summary(headers)
    content = content_of(item)
    try:
        key = dedup_key(item.raw, headers, content)
    finally:
        content.close()
    row = dict(channel=channel, dedup_key=key, received_at=now, raw=item.raw, sender=sender,
               subject=subject, branch_id=branch_id, mailbox_id=mailbox_id, uidvalidity=uidvalidity,
               uid=item.uid, status="failed" if item.error else "stored", error=item.error,
               message_id=message_id_of(headers) if headers else None)
    if item.path is not None:  # the raw is the file's, read when it is written (_insert_all)
        row.update(raw=None, _source=item.path)
    return row


def _insert_statement():
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(InboundMessage).on_conflict_do_nothing(index_elements=["dedup_key"])


CHUNK_BYTES = 4 * 1024 * 1024  # raws per multi-row INSERT: the database copies what one statement binds


def _insert_all(rows: list[dict]) -> list[int]:
    """Insert messages; the ids of the new ones, in the order given. A key stored already (a retry,
    a race with another worker, a re-delivery, the same message twice in one fetch) inserts nothing.

    INSERT ... ON CONFLICT (dedup_key) DO NOTHING RETURNING, on SQLite and PostgreSQL alike, without
    a savepoint or a look-up first; several small messages go in one statement, a big one alone."""
    stmt = _insert_statement().returning(InboundMessage.id, InboundMessage.dedup_key)
    new: dict[str, int] = {}
    chunk: list[dict] = []
    size = 0
    streamed = is_sqlite(db.session)
    for row in [*rows, None]:
        if row is not None and (row.get("_source") is not None or (streamed and len(row["raw"]) > STREAM_BYTES)):
            if row["dedup_key"] not in new:  # a big one alone, written a chunk at a time where it can be
                message_id = _insert_streamed(row) if streamed else _insert_read(row)
                if message_id is not None:
                    new[row["dedup_key"]] = message_id
            continue
        if chunk and (row is None or size + len(row["raw"]) > CHUNK_BYTES):
            new.update((key, message_id) for message_id, key in db.session.execute(stmt, chunk))
            chunk, size = [], 0
        if row is not None:
            chunk.append(row)
            size += len(row["raw"])
    _drop_legacy_copies(rows, new)
    ids, seen = [], set()
    for row in rows:
        key = row["dedup_key"]
        if key in new and key not in seen:
            ids.append(new[key])
            seen.add(key)
        else:
            log.info("inbound message %s is stored already (the same content delivered again)", key)
    return ids


STREAM_BYTES = 1024 * 1024  # on SQLite a raw bigger than this is written through the blob API


def _columns(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _insert_streamed(row: dict) -> int | None:
    """Insert one big message on SQLite: the row with a zero-filled raw of the right length, then the raw
    (from memory or its file) written into it a chunk at a time (sqlite3 blobopen), in the same
    transaction. Binding 40 MB would make SQLite hold two copies while inserting and keep one in its
    statement cache. The id, or None when the key is stored already."""
    content = _Content(path=row["_source"]) if row.get("_source") is not None else _Content(row["raw"])
    try:
        message_id = db.session.execute(_insert_statement().values(
            {**_columns(row), "raw": func.zeroblob(content.length)}).returning(InboundMessage.id)).scalar()
        if message_id is None:
            return None
        driver = db.session.connection().connection.driver_connection
        with driver.blobopen("inbound_message", "raw", message_id) as blob:
            for chunk in content.chunks():
                blob.write(chunk)
        return message_id
    finally:
        content.close()


APPEND_BYTES = 4 * 1024 * 1024  # PostgreSQL: the raw of a big message goes in this much per statement


def _insert_read(row: dict) -> int | None:
    """Insert one big message on PostgreSQL: the row with an empty raw, then the raw (from memory or
    its file) appended APPEND_BYTES at a time, in the same transaction; binding it whole would hold
    two more copies of it in this process (the driver's parameter buffers)."""
    content = _Content(path=row["_source"]) if row.get("_source") is not None else _Content(row["raw"])
    try:
        message_id = db.session.execute(_insert_statement().values({**_columns(row), "raw": b""})
                                        .returning(InboundMessage.id)).scalar()
        if message_id is None:
            return None
        for offset in range(0, content.length, APPEND_BYTES):
            db.session.execute(update(InboundMessage).where(InboundMessage.id == message_id).values(
                raw=InboundMessage.raw.op("||")(content.read(offset, APPEND_BYTES))))
        return message_id
    finally:
        content.close()


def _drop_legacy_copies(rows: list[dict], new: dict[str, int]) -> None:
    """Messages stored before keys were content hashes have the key 'mid:<Message-ID>' or, without
    one, 'sha256:<hash of the raw>'. A new row that is such a message again (same content, or the
    very bytes) is taken out again, in the same transaction, so an upgrade followed by a resync
    stores nothing twice. One indexed look-up per batch."""
    candidates: dict[str, dict] = {}
    for row in rows:
        if row["dedup_key"] in new:
            content = _Content(path=row["_source"]) if row.get("_source") is not None else _Content(row["raw"])
            try:
                old_keys = [_whole_sha256(content)]
            finally:
                content.close()
            if row["message_id"]:
                old_keys.append(f"mid:{row['message_id']}"[:KEY_LENGTH])
            # a message whose headers could not be read is keyed by its bytes today too: not a copy of itself
            candidates.update((key, row) for key in old_keys if key != row["dedup_key"])
    if not candidates:
        return
    for key, raw in db.session.execute(select(InboundMessage.dedup_key, InboundMessage.raw)
                                       .where(InboundMessage.dedup_key.in_(list(candidates)))).all():
        row = candidates[key]
        if row["dedup_key"] in new and (key.startswith("sha256:") or dedup_key(bytes(raw)) == row["dedup_key"]):
            db.session.execute(delete(InboundMessage).where(InboundMessage.id == new.pop(row["dedup_key"])))


def _insert(item: Incoming, *, channel: str, branch_id: int | None, mailbox_id: int | None,
            uidvalidity: int | None, now: datetime) -> int | None:
    """Insert one message; its id, or None when its key is stored already (see _insert_all)."""
    ids = _insert_all([_values(item, channel=channel, branch_id=branch_id, mailbox_id=mailbox_id,
                               uidvalidity=uidvalidity, now=now)])
    return ids[0] if ids else None


def lock_mailbox(mailbox_id: int) -> Mailbox:
    stmt = select(Mailbox).where(Mailbox.id == mailbox_id)
    if not is_sqlite(db.session):
        stmt = stmt.with_for_update()
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _count_today(mailbox: Mailbox, stored: int, now: datetime) -> None:
    branch = db.session.get(Branch, mailbox.branch_id)
    try:
        zone = ZoneInfo(branch.timezone if branch else "UTC")
    except Exception:  # noqa: BLE001 - a bad zone name must not stop intake
        zone = ZoneInfo("UTC")
    day = now.astimezone(zone).date().isoformat()
    if mailbox.counted_day != day:
        mailbox.counted_day, mailbox.messages_today = day, 0
    mailbox.messages_today = (mailbox.messages_today or 0) + stored


def store_imap_batch(mailbox_id: int, uidvalidity: int, items: list[Incoming], *, now: datetime) -> list[int]:
    """Store fetched messages and advance last_uid past them in one committed transaction.

    Returns the ids of newly stored messages. Raises StaleMailbox (nothing stored) when the
    mailbox's UIDVALIDITY changed under us, so the caller resynchronises.
    """
    with UnitOfWork() as uow:
        mailbox = lock_mailbox(mailbox_id)
        if mailbox.uidvalidity != uidvalidity:
            raise StaleMailbox(f"Mailbox {mailbox.name}: UIDVALIDITY is {mailbox.uidvalidity}, fetched under {uidvalidity}.")
        ids = _insert_all([_values(item, channel="email", branch_id=mailbox.branch_id, mailbox_id=mailbox.id,
                                   uidvalidity=uidvalidity, now=now) for item in items])
        last_uid = max([item.uid for item in items if item.uid] or [0])
        if last_uid > (mailbox.last_uid or 0):
            mailbox.last_uid = last_uid  # committed with the messages: one UPDATE for the batch
        _count_today(mailbox, len(ids), now)
        mailbox.heartbeat_at = now
        uow.commit()
    return ids


def reset_uidvalidity(mailbox_id: int, uidvalidity: int, *, now: datetime) -> bool:
    """Adopt a new UIDVALIDITY: every UID we knew is void, so sync from the start again.
    Returns True when it changed (a full resync; dedup keys keep what is stored from doubling)."""
    with UnitOfWork() as uow:
        mailbox = lock_mailbox(mailbox_id)
        changed = mailbox.uidvalidity != uidvalidity
        if changed:
            if mailbox.uidvalidity is not None:
                log.warning("mailbox %s: UIDVALIDITY %s -> %s, full resync", mailbox.name, mailbox.uidvalidity,
                            uidvalidity)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        uow.commit()
    return changed


def header_block(raw: bytes) -> bytes:
    """The header section of a raw message (up to and including the blank line), at most 256 KiB."""
    head = raw[:256 * 1024]
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := head.find(sep)) >= 0]
    return head[:min(ends)] if ends else head


def store_raw(raw: bytes, *, channel: str, branch_id: int | None, mailbox_id: int | None = None,
              now: datetime, max_bytes: int | None = None) -> tuple[int, bool]:
    """Store one message from a channel without UIDs (drop folder, SMS) and commit.
    Returns (id, created): a message stored before gives its first id and False.

    A message over max_bytes (default: the app's MAX_MESSAGE_BYTES) keeps only its headers and is stored
    as failed with the reason, as the IMAP worker does, so it is neither parsed nor lost."""
    if max_bytes is None and has_app_context():
        max_bytes = current_app.config.get("MAX_MESSAGE_BYTES")
    item = oversize(raw, len(raw), max_bytes) if max_bytes and len(raw) > max_bytes else Incoming(raw)
    with UnitOfWork() as uow:
        message_id = _insert(item, channel=channel, branch_id=branch_id, mailbox_id=mailbox_id,
                             uidvalidity=None, now=now)
        if message_id is not None and mailbox_id is not None:
            mailbox = lock_mailbox(mailbox_id)
            _count_today(mailbox, 1, now)
        uow.commit()
    if message_id is not None:
        return message_id, True
    key = dedup_key(item.raw)
    return db.session.scalar(select(InboundMessage.id).where(InboundMessage.dedup_key == key)), False


def oversize(raw_head: bytes, size: int, max_bytes: int) -> Incoming:
    """What is stored of a message over max_bytes: its headers alone, failed with the reason, so it is
    neither parsed nor lost (raw_head: at least its first 256 KiB)."""
    return Incoming(header_block(raw_head), error=(
        f"The message is {size} bytes, over the limit of {max_bytes}; only its headers were stored. "
        "Open it in the mailbox or drop folder."))


def store_drop_batch(mailbox_id: int, items: list[Incoming], *, now: datetime) -> list[tuple[int | None, bool]]:
    """Store a drop folder's files in one committed transaction (one commit, one fsync, for them all).
    Returns (id, created) per item, in the order given: a message stored before (an earlier drop, or
    an earlier item of this batch) gives its first id and False. Nothing is stored unless all are."""
    with UnitOfWork() as uow:
        mailbox = lock_mailbox(mailbox_id)
        rows = [_values(item, channel="email", branch_id=mailbox.branch_id, mailbox_id=mailbox.id,
                        uidvalidity=None, now=now) for item in items]
        new = set(_insert_all(rows))
        _count_today(mailbox, len(new), now)
        uow.commit()
    keys = [row["dedup_key"] for row in rows]
    ids = dict(db.session.execute(select(InboundMessage.dedup_key, func.min(InboundMessage.id))
                                  .where(InboundMessage.dedup_key.in_(set(keys)))
                                  .group_by(InboundMessage.dedup_key)).all())
    end_read()
    result, seen = [], set()
    for key in keys:
        # None: a copy of a message stored under an old-style key, taken out again (see _drop_legacy_copies)
        result.append((ids.get(key), ids.get(key) in new and key not in seen))
        seen.add(key)
    return result


def pending_ids(limit: int = 100) -> list[int]:
    """Messages stored but not yet processed (new ones, and any left by a crash), oldest first."""
    return list(db.session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == "stored").order_by(InboundMessage.id).limit(limit)
    ))


class StaleMailbox(Exception):
    """The mailbox's UIDVALIDITY changed; what was fetched must be fetched again."""
