"""The acknowledgement a workshop gets for an emailed order, in the language it wrote in.

It goes through the outbox (idempotent per inbound message) and is loop-safe: never to
auto-replies, bounces, lists or bulk mail, no-reply and system senders, forged senders, and at
most MAX_PER_HOUR per sender per hour.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Branch, InboundMessage, Order, OutboxMessage
from app.notify import messages
from app.notify.outbox import enqueue
from app.orders import capacity
from app.models.status import OrderStatus
from app.orders.unit_of_work import kept

MAX_PER_HOUR = 5
SYSTEM_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|daemon|listserv|majordomo)"
    r"([-+._].*)?$", re.IGNORECASE)
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply", "auto-reply"}


def refusal(parsed, raw: bytes | None, sender: str, *, now: datetime, headers=None) -> str | None:
    """Why no automatic reply may go to this message, or None when one may. `headers`, when given,
    are the message's headers already read (then `raw` is not needed)."""
    from app.intake.store import headers_of

    if not sender or "@" not in sender:
        return "no sender address"
    if parsed.kind == "auto_reply" or getattr(parsed, "is_bounce", False) or getattr(parsed, "auto_submitted", False):
        return "the message is an automatic reply or a bounce"
    if getattr(parsed, "bulk", False):
        return "the message is bulk or list mail"
    if parsed.auth_failed:
        return "sender authentication failed; a reply could go to a forged address"
    if headers is None:
        headers = headers_of(raw)
    auto = str(headers.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(headers.get("Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if headers.get("List-Id") or headers.get("List-Unsubscribe"):
        return "mailing-list mail"
    if headers.get("X-Autoreply") or headers.get("X-Autorespond"):
        return "the message is an automatic reply"
    suppress = str(headers.get("X-Auto-Response-Suppress") or "").lower()
    if "all" in suppress or "autoreply" in suppress:
        return "the sender asks for no automatic replies"
    if str(headers.get("Return-Path") or "").strip() == "<>":
        return "null return path (a bounce)"
    if SYSTEM_SENDER.match(sender.split("@", 1)[0]):
        return f"{sender} is a system or no-reply address"
    recent = recent_acks(sender.lower(), now=now)
    if recent >= MAX_PER_HOUR:
        return f"{recent} automatic replies went to {sender} in the last hour"
    return None


def _recent_query(now: datetime):
    return select(OutboxMessage.recipient, func.count()).where(
        OutboxMessage.kind == "ack", OutboxMessage.created_at >= now - timedelta(hours=1)).group_by(OutboxMessage.recipient)


def recent_acks(address: str, *, now: datetime) -> int:
    """Acknowledgements queued to this address in the last hour (kept per transaction, see prefetch_recent)."""
    cache = kept().recent_acks
    if (address, now) not in cache:
        row = db.session.execute(_recent_query(now).where(OutboxMessage.recipient == address)).first()
        cache[(address, now)] = row[1] if row else 0
    return cache[(address, now)]


def prefetch_recent(addresses: list[str], *, now: datetime) -> None:
    """recent_acks for many addresses in one statement (a batch of intake messages)."""
    counts = dict(db.session.execute(_recent_query(now).where(OutboxMessage.recipient.in_(addresses))).all())
    cache = kept().recent_acks
    for address in addresses:
        cache[(address, now)] = counts.get(address, 0)


def queue_position(order: Order) -> int:
    """1 + the unclaimed admitted orders of the branch ahead of this one (urgent first, then oldest).

    A non-urgent order just made is behind every waiting order of its branch, so its position is the
    branch's waiting count: counted once per transaction, then kept up by the pipeline as it makes
    orders (see count_made), instead of a count per acknowledgement."""
    waiting = kept().queue_counts
    if not order.urgent and order.branch_id in waiting:
        return waiting[order.branch_id]
    earlier = or_(Order.created_at < order.created_at, and_(Order.created_at == order.created_at, Order.id < order.id))
    ahead = or_(Order.urgent.is_(True), earlier) if not order.urgent else and_(Order.urgent.is_(True), earlier)
    position = 1 + (db.session.scalar(select(func.count()).select_from(Order).where(
        Order.branch_id == order.branch_id, Order.id != order.id, Order.status.in_(WAITING), ahead)) or 0)
    if not order.urgent and order.status in WAITING and not _older_than_newest(order):
        waiting[order.branch_id] = position  # every waiting order of the branch, this one included
    return position


WAITING = (OrderStatus.NEW, OrderStatus.NEEDS_REVIEW)


def _older_than_newest(order: Order) -> bool:
    """Whether a waiting order of the branch was made after this one (then it is not the last in line)."""
    return db.session.scalar(select(Order.id).where(
        Order.branch_id == order.branch_id, Order.status.in_(WAITING), Order.created_at > order.created_at)
        .limit(1)) is not None


def count_made(order: Order) -> None:
    """An order was just made in this transaction: keep its branch's waiting count (queue_position) up."""
    waiting = kept().queue_counts
    if order.branch_id in waiting and order.status in WAITING:
        waiting[order.branch_id] += 1


def prefetch_acknowledged(message_ids: list[int]) -> None:
    """Look up the acknowledgement keys of a batch of messages in one statement; those not in the
    outbox are queued without a look-up each (app.notify.outbox.enqueue's known_new)."""
    keys = [f"ack:{i}" for i in message_ids]
    found = set(db.session.scalars(select(OutboxMessage.idempotency_key)
                                   .where(OutboxMessage.idempotency_key.in_(keys))))
    kept().outbox_keys_absent.update(k for k in keys if k not in found)


def _when(at: datetime | None, branch: Branch, now: datetime) -> str:
    if at is None:
        return "?"
    try:
        zone = ZoneInfo(branch.timezone)
    except Exception:  # noqa: BLE001 - a bad zone name must not stop the reply
        zone = ZoneInfo("UTC")
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d.%m. %H:%M")


def compose(order: Order, parsed, language: str, *, now: datetime) -> tuple[str, str]:
    """(subject, body) of the acknowledgement."""
    def t(key: str, **values) -> str:
        return messages.text(language, f"ack_{key}", **values)

    branch = db.session.get(Branch, order.branch_id)
    parts = [t("hello"), t("ref", ref=order.reference), ""]
    if order.lines:
        parts.append(t("lines"))
        for line in order.lines:
            what = " ".join(filter(None, [line.part_number, line.description]))
            parts.append(f"  {line.quantity} x {what}")
    else:
        parts.append(t("no_lines"))
    parts.append("")
    if order.status == OrderStatus.HELD:
        parts.append(t("held", at=_when(order.estimate_at, branch, now)))
    elif order.status == OrderStatus.REDIRECTED:
        parts.append(t("redirected", backup=branch.backup_name or "?"))
    elif order.status == OrderStatus.NEEDS_REVIEW:
        parts.append(t("review"))
    else:
        position = queue_position(order)
        parts.append(t("queue", pos=position, at=_when(capacity.estimate_for_position(branch, position, now),
                                                       branch, now)))
    parts += ["", t("bye", branch=branch.name), "", f"-- \n{t('auto')}"]
    original = " ".join((parsed.subject or "").split())
    subject = f"[{order.reference}] {t('subject')}" + (f": {original}" if original else "")
    return subject[:300], "\n".join(parts)


def message_id_for(order: Order) -> str:
    """Carries the order reference, so a reply's In-Reply-To leads back to the order."""
    return f"<ack.{order.reference}.{secrets.token_hex(6)}@partdesk>"


def acknowledge(message: InboundMessage, parsed, order: Order, *, now: datetime) -> str:
    """Queue the acknowledgement for an emailed order, unless a loop rule forbids it.
    Returns what happened, in words, for the message's record. The loop rules read the headers the
    reader kept; only a reading without them (an older one) has them read again from the stored raw."""
    sender = (parsed.from_addr or "").strip().lower()
    reply_headers = getattr(parsed, "reply_headers", None)
    why_not = refusal(parsed, message.raw if reply_headers is None else None, sender, now=now, headers=reply_headers)
    if why_not:
        return f"not sent: {why_not}"
    workshop_language = None
    if order.workshop_id:
        from app.models import Workshop

        workshop = db.session.get(Workshop, order.workshop_id)
        workshop_language = workshop.language if workshop else None
    branch = db.session.get(Branch, order.branch_id)
    language = messages.language_for(parsed.language, workshop_language, branch.language if branch else None)
    subject, body = compose(order, parsed, language, now=now)
    headers = {"Message-ID": message_id_for(order), "Auto-Submitted": "auto-replied",
               "X-Auto-Response-Suppress": "All"}
    if parsed.message_id:
        headers["In-Reply-To"] = parsed.message_id
        headers["References"] = " ".join([*(parsed.references or []), parsed.message_id])[-900:]
    key = f"ack:{message.id}"
    absent = kept().outbox_keys_absent
    enqueue(kind="ack", channel="email", recipient=sender, subject=subject, body=body, now=now,
            idempotency_key=key, order_id=order.id, headers=headers, known_new=key in absent)
    absent.discard(key)
    cache = kept().recent_acks
    if (sender, now) in cache:
        cache[(sender, now)] += 1
    return f"queued in {language}"
