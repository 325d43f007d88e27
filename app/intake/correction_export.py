"""Corrected messages as a labelled folder: each message whose order staff corrected, as NNN.eml or
NNN.sms.txt with NNN.gold.json in the label format of the shared samples (their README), the gold taken
from what the clerk saved. `app.reading.calibrate.labelled_files` and `app.reading.scoring.compare` read the
folder as they read the samples, so a branch's real traffic becomes a regression set."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.intake.corrections import SAME_AS_LAST
from app.models import Correction, InboundMessage, Order

CHANNELS = {"email": ".eml", "sms": ".sms.txt"}
_NUMBER = re.compile(r"\+?\d{5,20}")


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)   # the stems written (NNN)
    skipped: list[str] = field(default_factory=list)   # one sentence per correction not written


def export(directory: Path) -> ExportResult:
    """Write the latest correction of every corrected message into `directory` (made if missing; files of
    an earlier export of the same messages are replaced). Raises OSError when the folder cannot be written."""
    directory.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    latest = select(func.max(Correction.id)).group_by(Correction.inbound_message_id)
    ids = list(db.session.scalars(select(Correction.id).where(Correction.id.in_(latest)).order_by(Correction.id)))
    for correction_id in ids:
        correction = db.session.get(Correction, correction_id)
        message = db.session.get(InboundMessage, correction.inbound_message_id)
        order = db.session.get(Order, correction.order_id)
        if message.channel not in CHANNELS:
            result.skipped.append(f"message {message.id} ({order.reference}) came by {message.channel}, "
                                  "which the labelled format has no file for")
            continue
        # the raw alone, not kept in the session: a message can be 40 MB
        raw = db.session.scalar(select(InboundMessage.raw).where(InboundMessage.id == message.id)) or b""
        stem = f"{message.id:03d}"
        _write(directory / f"{stem}{CHANNELS[message.channel]}",
               raw if message.channel == "email" else sms_file(raw, message.sender))
        _write(directory / f"{stem}.gold.json", (json.dumps(
            gold(correction, message, order), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        result.written.append(stem)
    return result


def gold(correction: Correction, message: InboundMessage, order: Order) -> dict:
    """The label: lines and fields as the clerk saved them, language as the parser read it.

    Two things the clerk's save cannot say are taken from the reading instead: the order reference the
    message points to (no form has it) and a fulfilment the message left open (the review form offers only
    delivery or pickup, defaulting to delivery, so a saved "delivery" over an open reading is not a
    correction). A message that asks for "the same as last time" is labelled must_review, as the samples'
    conventions require: its saved lines come from another order, not from its text."""
    read, saved = correction.read or {}, correction.saved or {}
    fulfilment = saved.get("fulfilment")
    if read.get("fulfilment") is None and fulfilment == "delivery":
        fulfilment = None
    return {
        "channel": message.channel,
        "language": read.get("language"),
        "kind": "order",
        "must_review": any(str(r).startswith(SAME_AS_LAST) for r in read.get("review_reasons") or []),
        "lines": [{"part_number": ln.get("part_number"), "description": ln.get("description"),
                   "quantity": ln.get("quantity") or 1} for ln in saved.get("lines") or []],
        "plate": saved.get("plate"),
        "vin": saved.get("vin"),
        "urgent": bool(saved.get("urgent")),
        "fulfilment": fulfilment,
        "customer_reference": saved.get("customer_reference"),
        "order_ref": read.get("order_ref"),
        "notes": f"exported correction of {order.reference}",
    }


def sms_file(raw: bytes, sender: str | None) -> bytes:
    """An SMS in the samples' form: a `From: +<number>` line, a blank line, the body. The stored raw has
    its own header lines (From, To) before a blank line; a sender that is not a plain number is left out."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text
    number = (sender or "").strip()
    head = f"From: {number}\n\n" if _NUMBER.fullmatch(number) else ""
    return (head + body.strip() + "\n").encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a half-written file must not be read as a label."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
