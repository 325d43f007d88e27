"""From a stored message to an order, a note on an order, or the review inbox.

Each message is processed in its own write transaction that ends with status "processed" (or
"failed" with the reason, for staff to look at and retry). The order is linked by
Order.inbound_message_id, which is unique, and the message's status is checked under a lock, so
a retry after a crash never makes a second order.
"""
from __future__ import annotations

import logging
import re
import threading
from contextvars import ContextVar
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import OperationalError

from app.database import is_sqlite
from app.extensions import db
from app.intake import ack, corrections
from app.reading.parse import ParseFailed, ParseInterrupted
from app.models import Branch, CatalogueItem, InboundMessage, Order, Workshop, WorkshopEmail
from app.orders import from_message, lifecycle, links
from app.orders.references import ORDER_REF
from app.orders.service import create_order
from app.orders.unit_of_work import UnitOfWork, end_read, kept
from app.orders.workshops import find_by_email
from app.reading import reasons as R
from app.reading.reasons import say

log = logging.getLogger(__name__)

ACK_REF = re.compile(r"<ack\.([A-Z]{2,4}-\d{6})\.[^>]*@partdesk>", re.IGNORECASE)


# the stop event of the worker thread processing now (see process_pending), for the parse to heed
_STOP: ContextVar[threading.Event | None] = ContextVar("intake_stop", default=None)


def parse(raw: bytes, channel: str, catalogue=None):
    """Parse in a child process with the app's PARSE_TIME_LIMIT (see app.reading.parse.parse_isolated)."""
    from app.reading.parse import parse_isolated

    return parse_isolated(raw, "email" if channel == "email" else channel, catalogue=catalogue,
                          time_limit=float(current_app.config.get("PARSE_TIME_LIMIT", 15)), stop=_STOP.get())


def catalogue_lookup(number: str) -> dict | None:
    """The catalogue entry whose normalised number or EAN is exactly this (never a near match)."""
    item = db.session.scalars(select(CatalogueItem).where(
        or_(CatalogueItem.number_norm == number, CatalogueItem.ean == number)).limit(1)).first()
    if item is None:
        return None
    return {"part_number": item.number, "brand": item.brand, "description": item.description}


def _catalogue():
    return catalogue_lookup if db.session.scalar(select(CatalogueItem.id).limit(1)) is not None else None


BATCH = 25  # messages per write transaction: one commit (and fsync) serves them all


def process_pending(limit: int = 100, *, now: datetime | None = None, channels=("email",),
                    stop: threading.Event | None = None) -> dict[str, int]:
    """Process stored messages, oldest first. Returns a count per outcome.

    Messages are parsed before the write starts (parsing is pure), then written BATCH at a time in
    one transaction, each inside its own savepoint: a message that fails is marked failed without
    undoing the others, and a crash before the commit leaves the whole batch stored for next time.
    Once `stop` is set, a parse under way is abandoned and what is left stays stored ("interrupted")."""
    counts: dict[str, int] = {}
    ids = list(db.session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == "stored", InboundMessage.channel.in_(channels))
        .order_by(InboundMessage.id).limit(limit)))
    end_read()
    token = _STOP.set(stop)
    try:
        for start in range(0, len(ids), BATCH):
            for outcome in _process_batch(ids[start:start + BATCH], now=now or datetime.now(UTC)).values():
                counts[outcome] = counts.get(outcome, 0) + 1
    except ParseInterrupted:
        end_read()
        counts["interrupted"] = len(ids) - sum(counts.values())
        log.info("stopping: %s stored message(s) left for the next start", counts["interrupted"])
    finally:
        _STOP.reset(token)
    return counts


def process_one(message_id: int, *, now: datetime) -> str:
    """Process one stored message. Returns what became of it: order, follow_up, cancellation,
    other, auto_reply, skipped (not stored / someone else has it), retry (database trouble, left
    stored) or failed (marked failed with the error, left for staff to retry)."""
    return _process_batch([message_id], now=now)[message_id]


def _parse_all(ids: list[int]) -> dict[int, object]:
    """Parse outside the write lock, once: the reading carries what the acknowledgement's loop rules
    and the page need. A message that cannot be parsed maps to its exception; one that can, to its reading."""
    rows = db.session.execute(
        select(InboundMessage.id, InboundMessage.channel)
        .where(InboundMessage.id.in_(ids), InboundMessage.status == "stored")).all()
    catalogue = _catalogue()
    parsed: dict[int, object] = {}
    for message_id, channel in rows:
        try:
            # one raw in memory at a time (a batch of big messages would hold them all), freed after its parse
            parsed[message_id] = parse(read_raw(message_id), channel, catalogue)
        except ParseInterrupted:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the message below
            log.exception("inbound message %s could not be parsed", message_id)
            parsed[message_id] = exc
    end_read()  # before the write starts
    return parsed


def read_raw(message_id: int) -> bytes:
    """A stored message's raw. On SQLite read through the blob API, so SQLite makes no copy of its own
    beside ours (a 40 MB message would be 80 MB while it is read)."""
    if is_sqlite(db.session):
        driver = db.session.connection().connection.driver_connection
        try:
            with driver.blobopen("inbound_message", "raw", message_id, readonly=True) as blob:
                return blob.read()
        except Exception:  # noqa: BLE001 - e.g. a NULL or a text value: read it as a column instead
            pass
    length = db.session.scalar(select(func.length(InboundMessage.raw)).where(InboundMessage.id == message_id)) or 0
    if length <= READ_BYTES:
        return bytes(db.session.scalar(select(InboundMessage.raw).where(InboundMessage.id == message_id)) or b"")
    # a big one a part at a time into one buffer: the driver's text transfer of 40 MB would be 120 MB here
    buffer = bytearray(length)
    for offset in range(0, length, READ_BYTES):
        part = db.session.scalar(select(func.substring(InboundMessage.raw, offset + 1, READ_BYTES))
                                 .where(InboundMessage.id == message_id))
        buffer[offset:offset + len(part)] = part
    del part
    return bytes(buffer)


READ_BYTES = 4 * 1024 * 1024


def _process_batch(ids: list[int], *, now: datetime) -> dict[int, str]:
    """Write a parsed batch in one transaction. First without savepoints (the usual case: nothing
    fails); when a message fails, the whole attempt is rolled back and redone with a savepoint per
    message, so only the failing one is marked failed."""
    parsed = _parse_all(ids)
    try:
        try:
            return _write_batch(ids, parsed, now=now, savepoints=False)
        except OperationalError:
            raise
        except Exception:  # noqa: BLE001 - redone below, message by message, where the error is recorded
            log.info("inbound messages %s: one failed; processing them one by one", ids)
            return _write_batch(ids, parsed, now=now, savepoints=True)
    except OperationalError:
        end_read()  # what the failed read left; a failed write was rolled back by its unit of work
        log.exception("inbound messages %s: database trouble, left stored for the next round", ids)
        return {message_id: "retry" for message_id in ids}


def _write_batch(ids: list[int], parsed: dict[int, object], *, now: datetime, savepoints: bool) -> dict[int, str]:
    outcomes: dict[int, str] = {}
    with UnitOfWork() as uow:
        locked = _lock_all(ids)
        _prefetch(locked, parsed, now=now)
        for message_id in ids:
            message = locked.get(message_id)
            if message is None or message.status != "stored" or message_id not in parsed:
                outcomes[message_id] = "skipped"
                continue
            if savepoints:
                outcomes[message_id] = _process_locked(message, parsed[message_id], now=now)
            else:
                outcomes[message_id] = _process_plain(message, parsed[message_id], now=now)
        uow.commit()
    return outcomes


def _process_plain(message: InboundMessage, parsed, *, now: datetime) -> str:
    """Route one locked message with no savepoint: any error aborts the batch (see _process_batch)."""
    if isinstance(parsed, Exception):
        return _mark_failed(message, parsed)
    outcome = route(message, now=now, parsed=parsed)
    message.status, message.error = "processed", None
    return outcome


def _process_locked(message: InboundMessage, parsed, *, now: datetime) -> str:
    """Route one locked message inside a savepoint; on failure undo only its own changes."""
    failure = parsed if isinstance(parsed, Exception) else None
    if failure is None:
        try:
            with db.session.begin_nested():
                outcome = route(message, now=now, parsed=parsed)
                message.status, message.error = "processed", None
            return outcome
        except OperationalError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the rest
            log.exception("inbound message %s could not be processed", message.id)
            failure = exc
    return _mark_failed(message, failure)


def _mark_failed(message: InboundMessage, failure: Exception) -> str:
    text = str(failure) if isinstance(failure, ParseFailed) else f"{type(failure).__name__}: {failure}"
    message.status, message.error = "failed", text[:4000]
    return "failed"


def retry_failed(message_ids: list[int] | None = None) -> int:
    """Put failed messages back to stored so the next round processes them. The caller commits."""
    stmt = update(InboundMessage).where(InboundMessage.status == "failed", InboundMessage.order_id.is_(None))
    if message_ids is not None:
        stmt = stmt.where(InboundMessage.id.in_(message_ids))
    return db.session.execute(stmt.values(status="stored", error=None)).rowcount


def _lock_all(ids: list[int]) -> dict[int, InboundMessage]:
    """The batch's messages, locked (another worker's locked ones are skipped), without their raw."""
    stmt = select(InboundMessage).where(InboundMessage.id.in_(ids))
    if not is_sqlite(db.session):
        stmt = stmt.with_for_update(skip_locked=True)
    return {m.id: m for m in db.session.scalars(stmt.execution_options(populate_existing=True))}


def _prefetch(locked: dict[int, InboundMessage], parsed: dict[int, object], *, now: datetime) -> None:
    """Look up what every message of the batch needs in a few statements instead of a few each:
    orders already made from them, their senders' workshops (by exact address) and how many
    acknowledgements each sender got in the last hour."""
    made = kept().order_by_message
    made.update(dict.fromkeys(locked))  # None: looked up, no order made from it yet
    made.update(db.session.execute(select(Order.inbound_message_id, Order.id)
                                   .where(Order.inbound_message_id.in_(list(locked)))).all())
    message_ids = sorted({m.message_id for m in locked.values() if m.message_id})
    if message_ids:
        first = kept().first_with_message_id
        first.update(dict.fromkeys(message_ids))
        first.update(db.session.execute(select(InboundMessage.message_id, func.min(InboundMessage.id))
                                        .where(InboundMessage.message_id.in_(message_ids))
                                        .group_by(InboundMessage.message_id)).all())
    readings = [p for i, p in parsed.items() if i in locked and not isinstance(p, Exception)]
    if any(p.kind == "order" for p in readings):
        ack.prefetch_acknowledged(sorted(locked))
    senders = {(p.from_addr or "").strip().lower() for p in readings}
    senders = sorted(a for a in senders if "@" in a)
    if not senders:
        return
    by_email = kept().workshop_by_email
    for address, workshop in db.session.execute(
            select(WorkshopEmail.address, Workshop).join(Workshop, WorkshopEmail.workshop_id == Workshop.id)
            .where(WorkshopEmail.address.in_(senders)).order_by(WorkshopEmail.id)):
        by_email.setdefault(address, workshop)
    ack.prefetch_recent(senders, now=now)
    asked: dict[int, list[str]] = {}
    for reading in readings:
        workshop = by_email.get((reading.from_addr or "").strip().lower())
        if workshop is not None and reading.kind == "order":
            asked.setdefault(workshop.id, []).extend(line.part_number for line in reading.lines or []
                                                     if line.part_number)
    corrections.prefetch_confirmed(asked)


def route(message: InboundMessage, *, now: datetime, parsed=None) -> str:
    """Act on the message's kind (parsing it first unless given). Adds to the session; the caller commits."""
    if parsed is None:
        parsed = parse(message.raw, message.channel)
    with db.session.no_autoflush:  # flushed where an id is needed and when the savepoint ends
        kind = _route(message, parsed, now=now)
        message.sender = (parsed.from_addr or message.sender or "")[:320] or None
        message.subject = (parsed.subject or message.subject or "")[:500] or None
    return kind


def _route(message: InboundMessage, parsed, *, now: datetime) -> str:
    kind = parsed.kind if parsed.kind in ("order", "follow_up", "cancellation", "auto_reply", "other") else "other"
    if getattr(parsed, "is_bounce", False):
        kind = "other"  # a bounce goes to the review inbox; like every non-order it is never answered
    reused = _first_with_same_id(message)
    if reused is not None:
        note = (f"This message reuses the Message-ID {message.message_id} of message #{reused}, which says "
                "something else; both are kept. Check that it is not the same order twice.")
        if note not in (parsed.notes or []):  # a batch redone message by message routes it twice
            parsed.notes = [*(parsed.notes or []), note]
    data = json_safe(parsed.to_dict())
    if getattr(parsed, "shown", None) is not None:
        data["shown"] = parsed.shown  # what the page shows, so it does not decode the raw again
    made = kept().order_by_message
    existing = made[message.id] if message.id in made else \
        db.session.scalar(select(Order.id).where(Order.inbound_message_id == message.id))
    if existing is not None:  # made before a crash that lost only the status; never twice
        message.order_id, message.kind, message.parsed = existing, "order", data
        return "order"
    backup = _backup_reply(parsed, now=now)
    if backup is not None:
        message.order_id, message.kind, message.parsed = backup.id, "follow_up", data
        return "follow_up"
    if kind == "order":
        order = _create(message, parsed, now=now)
        _link_to_earlier(order, parsed, now=now)
        data["ack"] = ack.acknowledge(message, parsed, order, now=now)
    elif kind in ("follow_up", "cancellation"):
        order = referenced_order(parsed)
        if order is None:
            data["note"] = f"A {kind.replace('_', '-')} naming no order we know; check by hand."
            kind = "other"
        else:
            _note(order, message, parsed, kind, now=now)
    notes = [str(n) for n in (getattr(parsed, "notes", None) or []) if n]
    if notes:  # what the reader could not read in full (a header cut, parts skipped), for the review inbox
        data["note"] = " ".join(filter(None, [data.get("note"), *notes]))
    message.kind, message.parsed = kind, data
    return kind


def _first_with_same_id(message: InboundMessage) -> int | None:
    """The id of an earlier, different message stored with this one's Message-ID (a re-delivery of
    the same content is never stored twice, see app.intake.store.dedup_key), else None."""
    if not message.message_id:
        return None
    first = kept().first_with_message_id
    earlier = first[message.message_id] if message.message_id in first else db.session.scalar(
        select(func.min(InboundMessage.id)).where(InboundMessage.message_id == message.message_id))
    return earlier if earlier is not None and earlier < message.id else None


def _backup_reply(parsed, *, now: datetime) -> Order | None:
    """A backup supplier answering about an order we sent them: filed as a note on that order."""
    address = (parsed.from_addr or "").strip().lower()
    if not address or not parsed.order_ref:
        return None
    if address not in _backup_addresses():
        return None
    from app.orders.backup_reply import attach_backup_reply

    order = attach_backup_reply(parsed.order_ref, parsed.new_text or parsed.body_text or "", address, now=now)
    if order is not None:
        order.flagged = "Reply from the backup supplier: read it in the history."
    return order


def _backup_addresses() -> set[str]:
    """The backup suppliers' addresses, looked up once per transaction (a batch shares them)."""
    uow = kept()
    if uow.backup_addresses is None:
        uow.backup_addresses = {a.strip().lower() for a in db.session.scalars(
            select(Branch.backup_email).where(Branch.backup_email.is_not(None))) if a}
    return uow.backup_addresses


def _workshop_by_email(address: str) -> Workshop | None:
    """find_by_email, with the exact addresses of the batch's senders looked up together (_prefetch)."""
    workshop = kept().workshop_by_email.get(address)
    return workshop if workshop is not None and workshop in db.session else find_by_email(address)[0]


def _create(message: InboundMessage, parsed, *, now: datetime) -> Order:
    """The order from a message read as one, mapped from the parse as it is stored (app.orders.from_message)."""
    reasons = []
    address = (parsed.from_addr or "").strip().lower()
    workshop = _workshop_by_email(address)
    if workshop is None:
        reasons.append(say(R.UNKNOWN_SENDER, address=address) if address else say(R.UNKNOWN_SENDER_NO_ADDRESS))
    elif workshop.blocked or not workshop.active:
        reasons.append(say(R.WORKSHOP_BLOCKED if workshop.blocked else R.WORKSHOP_INACTIVE,
                           number=workshop.customer_number, name=workshop.name))
    if parsed.auth_failed:
        reasons.append(say(R.ADDRESS_FORGED, result=parsed.auth_failed))
    branch_id = message.branch_id or (workshop.home_branch_id if workshop else None)
    if branch_id is None:
        raise ValueError("The message came in through no mailbox and the sender has no home branch.")
    data = from_message.order_input(json_safe(parsed.to_dict()), channel="email", workshop_id=workshop.id if workshop else None,
                                    review_reasons=reasons, contact_name=parsed.from_name, notes=_notes(parsed),
                                    inbound_message_id=message.id)
    corrections.apply_history(data, parsed, now=now)
    order = create_order(branch_id, data, by=None, now=now)
    ack.count_made(order)
    message.order_id = order.id
    return order


def _link_to_earlier(order: Order, parsed, *, now: datetime) -> None:
    """An order read from a reply to an earlier order, or from an addition naming one, follows that order."""
    if not (parsed.order_ref or parsed.in_reply_to or parsed.references
            or ORDER_REF.search(f"{parsed.subject or ''} {parsed.new_text or ''}".upper())):
        return  # the usual new order: no lookups
    earlier = referenced_order(parsed)
    if earlier is not None:
        named = earlier.reference in f"{parsed.subject or ''} {parsed.new_text or ''}".upper() or \
            (parsed.order_ref or "").upper() == earlier.reference
        links.follow(order, earlier, now=now, how="the message names it." if named else "a reply to its messages.")


def referenced_order(parsed) -> Order | None:
    """The order a reply is about: a reference in the subject or new text, our acknowledgement's
    Message-ID in In-Reply-To/References, or the Message-ID of the message that made the order."""
    candidates = [parsed.order_ref] if parsed.order_ref else []
    for text in (parsed.subject, parsed.new_text):
        candidates += ORDER_REF.findall((text or "").upper())
    ids = [parsed.in_reply_to, *(parsed.references or [])]
    for message_id in filter(None, ids):
        candidates += [m.upper() for m in ACK_REF.findall(message_id)]
    for reference in dict.fromkeys(c.strip().upper() for c in candidates if c):
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        if order is not None:
            return order
    for message_id in filter(None, ids):
        order_id = db.session.scalar(select(InboundMessage.order_id).where(
            InboundMessage.message_id == message_id.strip(), InboundMessage.order_id.is_not(None))
            .order_by(InboundMessage.id).limit(1))
        if order_id:
            return db.session.get(Order, order_id)
    return None


def _note(order: Order, message: InboundMessage, parsed, kind: str, *, now: datetime) -> None:
    text = " ".join((parsed.new_text or parsed.body_text or "").split())
    sender = (parsed.from_addr or "").lower()
    workshop, _how = find_by_email(sender)
    stranger = order.workshop_id is not None and (workshop is None or workshop.id != order.workshop_id)
    who = f"{sender}" + (" (not the ordering workshop)" if stranger else "")
    if kind == "cancellation":
        order.flagged = "Cancellation requested — confirm"
        lifecycle.record(order, "cancellation_requested", by=None, now=now,
                         reason=f"Cancellation requested by {who}: {text[:1500]}")
    else:
        order.flagged = _cut(f"Follow-up: {text}", 200)
        lifecycle.record(order, "follow_up", by=None, now=now, reason=f"Follow-up from {who}: {text[:1500]}")
    message.order_id = order.id


def _notes(parsed) -> str | None:
    notes = parsed.notes
    if isinstance(notes, (list, tuple)):
        notes = "\n".join(str(n) for n in notes if n)
    return str(notes) if notes else None


def _cut(value, length: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value[:length] or None


def json_safe(value):
    """What the parser reports, as JSON the database can hold: no bytes, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()
                if not isinstance(v, (bytes, bytearray, memoryview)) and k not in ("content", "payload", "data")}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value if not isinstance(v, (bytes, bytearray, memoryview))]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def workshop_of(order: Order) -> Workshop | None:
    return db.session.get(Workshop, order.workshop_id) if order.workshop_id else None
