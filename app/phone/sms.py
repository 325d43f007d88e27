"""Orders by SMS: the raw text is stored first, then read, checked and queued like any order."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.database import is_sqlite
from app.extensions import db
from app.models import OPEN_STATUSES, Branch, InboundMessage, Order, Workshop
from app.notify import messages
from app.notify.sms import record_opt
from app.orders import lifecycle, service
from app.orders.references import ORDER_REF
from app.models.status import OrderStatus
from app.orders.workshops import find_by_phone, normalise_phone
from app.phone import extract
from app.phone.callflow import branch_for_number

log = logging.getLogger(__name__)

# whole-message keywords, as carriers and Twilio treat them, plus the Nordic and German words
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "STOPP", "SLUTA", "LOPETA", "LOPPU"}
START_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO", "HJELP", "HJÄLP", "HJÆLP", "APUA", "HILFE"}
NOT_ORDERS = {"follow_up", "cancellation"}


def dedup_key(message_sid: str) -> str:
    return f"sms:{message_sid}"


def find(message_sid: str, *, lock: bool = False) -> InboundMessage | None:
    """The stored SMS; with lock, its row is locked (PostgreSQL) so one request processes it."""
    stmt = select(InboundMessage).where(InboundMessage.dedup_key == dedup_key(message_sid))
    if lock and not is_sqlite(db.session):
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt.execution_options(populate_existing=True)).first()


def store(*, message_sid: str, from_: str | None, to: str | None, body: str, now: datetime) -> InboundMessage:
    """The raw SMS as an InboundMessage (the caller commits before reading it), or the one stored
    already for this MessageSid."""
    existing = find(message_sid)
    if existing is not None:
        return existing
    sender = normalise_phone(from_) or from_
    branch = branch_for_number(to)
    raw = f"From: {sender or ''}\nTo: {to or ''}\n\n{body}".encode("utf-8")
    inbound = InboundMessage(channel="sms", dedup_key=dedup_key(message_sid), received_at=now, raw=raw,
                             sender=sender, branch_id=branch.id if branch else None, status="stored")
    db.session.add(inbound)
    return inbound


def body_of(inbound: InboundMessage) -> str:
    text = inbound.raw.decode("utf-8", errors="replace")
    return text.split("\n\n", 1)[1] if "\n\n" in text else text


def process(inbound: InboundMessage, *, now: datetime) -> str | None:
    """Act on a stored SMS once and return the reply text (None: send no reply)."""
    if inbound.status != "stored":
        return reply_for_existing(inbound)
    body = body_of(inbound).strip()
    sender = inbound.sender
    workshop = find_by_phone(sender)
    branch = db.session.get(Branch, inbound.branch_id) if inbound.branch_id else None
    if branch is None and workshop is not None and workshop.home_branch_id:
        branch = db.session.get(Branch, workshop.home_branch_id)
        inbound.branch_id = branch.id
    word = body.upper().strip(" .!")
    lang_guess = (workshop.language if workshop else None) or (branch.language if branch else None)
    if word in STOP_WORDS or word in START_WORDS:
        if sender:
            record_opt(sender, out=word in STOP_WORDS, branch_id=branch.id if branch else None, now=now)
        return _done(inbound, "opt_out" if word in STOP_WORDS else "opt_in",
                     messages.text(lang_guess, "stop" if word in STOP_WORDS else "start"))
    if word in HELP_WORDS:
        return _done(inbound, "help", messages.text(lang_guess, "help", branch=branch.name if branch else "Partdesk"))
    if branch is None:
        inbound.status, inbound.error = "failed", "No branch has the number this SMS was sent to."
        log.warning("SMS %s from %s: no branch for the number texted", inbound.dedup_key, sender)
        return None
    reading = extract.read_text(body, sms_from=sender)
    inbound.parsed, inbound.kind = reading.parsed, reading.kind
    lang = reading.language or (workshop.language if workshop else None) or branch.language
    if reading.kind == "auto_reply":
        return _done(inbound, "auto_reply", None)  # answering an auto-reply starts a loop
    if reading.kind in NOT_ORDERS and workshop is not None:
        order = _order_meant(body, reading, workshop)
        if order is not None:
            order.flagged = f"{reading.kind.replace('_', '-')} by SMS: {body}"[:200]
            lifecycle.record(order, "flagged", by=None, now=now, reason=f"SMS from {sender}: {body}")
            inbound.order_id = order.id
            return _done(inbound, reading.kind, messages.text(lang, "flagged", branch=branch.name, ref=order.reference))
    extra = []
    if workshop is None:
        extra.append(extract.unknown_sender_reason(sender))
    if reading.kind != "order":
        extra.append(f"Not read as an order ({reading.kind.replace('_', ' ')}): read the message.")
    elif not reading.order.lines and not reading.order.review_reasons:
        extra.append("No parts could be read from the text.")
    data = extract.order_input(reading, channel="sms", workshop=workshop, contact_phone=sender,
                               extra_reasons=extra, notes=f"SMS from {sender}: {body}",
                               inbound_message_id=inbound.id, language=lang)
    order = service.create_order(branch.id, data, by=None, now=now)
    inbound.order_id = order.id
    return _done(inbound, inbound.kind or "order", reply_for_order(order, lang))


def _done(inbound: InboundMessage, kind: str, reply: str | None) -> str | None:
    inbound.status, inbound.kind = "processed", inbound.kind or kind
    return reply


def _order_meant(body: str, reading: extract.Reading, workshop: Workshop) -> Order | None:
    """The workshop's open order a follow-up or cancellation is about: the one it names, else its latest."""
    stmt = select(Order).where(Order.workshop_id == workshop.id, Order.status.in_(OPEN_STATUSES))
    named = reading.order_ref or (ORDER_REF.search(body.upper()).group(1) if ORDER_REF.search(body.upper()) else None)
    if named:
        return db.session.scalars(stmt.where(Order.reference == named.upper())).first()
    return db.session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc()).limit(1)).first()


def reply_for_order(order: Order, lang: str | None) -> str:
    """The reference and the lines as understood, and what capacity decided, in the sender's language."""
    branch = order.branch
    values = {"branch": branch.name, "ref": order.reference, "lines": messages.lines_summary(order.lines, lang)}
    if order.status == OrderStatus.REDIRECTED:
        backup = " ".join(p for p in (branch.backup_name, f"({branch.backup_phone})" if branch.backup_phone else None)
                          if p)
        return messages.text(lang, "redirected", backup=backup or "-", **values)
    first = messages.text(lang, "review" if order.review_reasons else "received", **values)
    if order.status == OrderStatus.HELD:
        held = messages.text(lang, "held", time=messages.local_time(order.estimate_at, branch.timezone), **values)
        return f"{first}\n{held.removeprefix(branch.name + ': ')}"
    return first


def reply_for_existing(inbound: InboundMessage) -> str | None:
    """A repeated webhook: the same answer again, nothing new made."""
    if inbound.order_id is None or inbound.kind in ("help", "opt_out", "opt_in", "auto_reply"):
        return None
    order = db.session.get(Order, inbound.order_id)
    if inbound.kind in NOT_ORDERS and order.inbound_message_id != inbound.id:
        return messages.text(order.language, "flagged", branch=order.branch.name, ref=order.reference)
    return reply_for_order(order, order.language)


def recover_stale(*, now: datetime, older_than_seconds: int = 120, limit: int = 50) -> int:
    """Process SMS that were stored but never processed (the web process died between its two
    transactions). The reply the webhook could not give goes out through the outbox instead.
    Returns how many were processed; the caller runs this periodically (the intake worker does)."""
    from datetime import timedelta

    from app.orders.unit_of_work import run

    ids = list(db.session.scalars(
        select(InboundMessage.id).where(InboundMessage.channel == "sms", InboundMessage.status == "stored",
                                        InboundMessage.received_at < now - timedelta(seconds=older_than_seconds))
        .order_by(InboundMessage.id).limit(limit)))
    done = 0
    for message_id in ids:
        try:
            done += run(lambda uow: _recover_one(message_id, now=now))
        except Exception as exc:  # noqa: BLE001 - kept, shown as failed for staff
            log.exception("stale SMS %s could not be processed", message_id)
            run(lambda uow, exc=exc: db.session.execute(
                InboundMessage.__table__.update().where(InboundMessage.id == message_id,
                                                        InboundMessage.status == "stored")
                .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:1000])))
    return done


def _recover_one(message_id: int, *, now: datetime) -> int:
    """Process one stale SMS unless another process has it or did it: 1 if processed, else 0."""
    from app.notify import outbox

    stmt = select(InboundMessage).where(InboundMessage.id == message_id)
    if not is_sqlite(db.session):
        stmt = stmt.with_for_update(skip_locked=True)
    inbound = db.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if inbound is None or inbound.status != "stored":
        return 0
    reply = process(inbound, now=now)
    if reply and inbound.sender:
        outbox.enqueue(kind="sms_reply", channel="sms", recipient=inbound.sender, body=reply, now=now,
                       idempotency_key=f"sms_reply:{inbound.id}", order_id=inbound.order_id)
    return 1


def mark_failed(inbound: InboundMessage, exc: Exception) -> None:
    """The raw SMS is kept and shows as failed for staff, with the error, instead of vanishing."""
    inbound.status, inbound.error = "failed", f"{type(exc).__name__}: {exc}"[:1000]


def connect() -> None:
    """Read stale SMS at the start of every outbox round (`flask outbox send`). Safe to call more than once."""
    from app.notify.signals import round_started

    round_started.connect(_recover_in_outbox_round, weak=False)  # connecting twice is a no-op


def _recover_in_outbox_round(_sender, *, now: datetime, **_kw) -> str | None:
    recovered = recover_stale(now=now)
    return f"processed {recovered} SMS left unread by a crashed web process" if recovered else None
