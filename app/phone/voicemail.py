"""Voicemail orders: a recording (and later its transcript) becomes one order for review.

Nothing half-made reaches the queue: the order is created only once a recording with sound exists,
and exactly once per recording (InboundMessage.dedup_key "voicemail:<RecordingSid>"), whichever of
Twilio's callbacks (Record action, recording status, transcription) arrives first.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Branch, InboundMessage, Order, OrderLine
from app.orders import lifecycle, service
from app.orders.references import normalise_part_number
from app.orders.service import OrderInput
from app.orders.workshops import find_by_phone
from app.phone import extract
from app.phone.callflow import branch_for_number, call_for
from app.reading import reasons as R
from app.reading.reasons import say

NO_TRANSCRIPT = say(R.NO_TRANSCRIPT)
CHECK_TRANSCRIPT = say(R.CHECK_TRANSCRIPT)
TRANSCRIPTION_FAILED = say(R.TRANSCRIPTION_FAILED)


def dedup_key(recording_sid: str) -> str:
    return f"voicemail:{recording_sid}"


def _raw(inbound: InboundMessage) -> dict:
    try:
        return json.loads(inbound.raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}


def _notes(data: dict) -> str:
    seconds = f"{data['duration']} s" if data.get("duration") else "length unknown"
    notes = f"Voicemail ({seconds}) from {data.get('from') or 'a hidden number'}.\nRecording: {data['recording_url']}"
    if data.get("transcript"):
        notes += f"\nTranscript: {data['transcript']}"
    return notes


def find(recording_sid: str) -> InboundMessage | None:
    return db.session.scalars(select(InboundMessage).where(InboundMessage.dedup_key == dedup_key(recording_sid))).first()


def record(*, call_sid: str | None, recording_sid: str | None, recording_url: str | None, duration: int | None,
           from_: str | None, to: str | None, now: datetime, transcript: str | None = None) -> Order | None:
    """The order for this recording, creating it the first time. None when there is nothing to keep
    (no recording, or a recording without sound) or no branch to put it in."""
    if not recording_sid or not recording_url:
        return None
    call = call_for(call_sid, lock=True)  # serialises the callbacks of one call on PostgreSQL
    existing = find(recording_sid)
    if existing is not None:
        if duration and not _raw(existing).get("duration"):
            data = _raw(existing) | {"duration": duration}
            existing.raw = json.dumps(data).encode("utf-8")
            if existing.order_id:
                db.session.get(Order, existing.order_id).notes = _notes(data)
        return db.session.get(Order, existing.order_id) if existing.order_id else None
    if duration is not None and duration <= 0:
        return None
    if duration is None and not transcript:
        return None
    branch = db.session.get(Branch, call.branch_id) if call else branch_for_number(to)
    if branch is None:
        return None
    caller = from_ or (call.from_number if call else None)
    workshop = call.workshop if call and call.workshop_id else find_by_phone(caller)
    data = {"recording_url": recording_url, "transcript": transcript or None, "duration": duration,
            "from": caller, "call_sid": call_sid, "recording_sid": recording_sid}
    inbound = InboundMessage(channel="voicemail", dedup_key=dedup_key(recording_sid), received_at=now,
                             raw=json.dumps(data).encode("utf-8"), sender=caller, branch_id=branch.id,
                             status="processed", kind="order")
    db.session.add(inbound)
    db.session.flush()
    reading = extract.read_text(transcript, sms_from=caller) if transcript else extract.Reading()
    reasons = [CHECK_TRANSCRIPT] if transcript else [NO_TRANSCRIPT]
    if workshop is None:
        reasons.append(extract.unknown_sender_reason(caller))
    inbound.parsed = reading.parsed
    data_in = extract.order_input(reading, channel="voicemail", workshop=workshop, contact_phone=caller,
                                  extra_reasons=reasons, notes=_notes(data), inbound_message_id=inbound.id,
                                  language=reading.language or (workshop.language if workshop else None)
                                  or branch.language)
    order = service.create_order(branch.id, data_in, by=None, now=now)
    inbound.order_id = order.id
    if call:
        call.status = "voicemail"
    return order


def add_transcript(*, call_sid: str | None, recording_sid: str | None, recording_url: str | None,
                   transcript: str | None, completed: bool, from_: str | None, to: str | None,
                   now: datetime) -> Order | None:
    """Twilio's transcription callback: put the transcript and what it says on the existing order."""
    if not recording_sid:
        return None
    transcript = (transcript or "").strip() if completed else ""
    inbound = find(recording_sid)
    if inbound is None:
        if not transcript:
            return None  # the recording callback makes the order; a failed transcript adds nothing yet
        return record(call_sid=call_sid, recording_sid=recording_sid, recording_url=recording_url, duration=None,
                      from_=from_, to=to, now=now, transcript=transcript)
    call_for(call_sid, lock=True)
    order = db.session.get(Order, inbound.order_id) if inbound.order_id else None
    data = _raw(inbound)
    if order is None or data.get("transcript"):
        return order  # a repeated callback changes nothing
    if not transcript:
        if TRANSCRIPTION_FAILED not in order.review_reasons:
            order.review_reasons = [*order.review_reasons, TRANSCRIPTION_FAILED]
            lifecycle.record(order, "transcription_failed", by=None, now=now, reason=TRANSCRIPTION_FAILED)
        return order
    data["transcript"] = transcript
    inbound.raw = json.dumps(data).encode("utf-8")
    reading = extract.read_text(transcript, sms_from=data.get("from"))
    inbound.parsed = reading.parsed
    read = reading.order
    _apply(order, read, now=now)
    order.notes = _notes(data)
    reasons = [r for r in order.review_reasons if r != NO_TRANSCRIPT]
    for reason in [CHECK_TRANSCRIPT, *read.review_reasons]:
        if reason not in reasons:
            reasons.append(reason)
    order.review_reasons = reasons
    lifecycle.record(order, "transcribed", by=None, now=now,
                     reason=f"Transcript added; {len(read.lines)} line(s) read from it.")
    return order


def _apply(order: Order, reading: OrderInput, *, now: datetime) -> None:
    """Fill what the order does not have yet; never overwrite what staff may have typed."""
    if not order.lines:
        for i, line in enumerate(reading.lines):
            order.lines.append(OrderLine(
                position=i, part_number=line.part_number or None,
                part_number_norm=normalise_part_number(line.part_number) if line.part_number else None,
                description=line.description or None, quantity=line.quantity))
    for name in ("plate", "vin", "fulfilment", "customer_reference"):
        if not getattr(order, name) and getattr(reading, name):
            setattr(order, name, getattr(reading, name))
    if reading.urgent:
        order.urgent = True
    if reading.confidence is not None:
        order.confidence = reading.confidence
    order.updated_at = now

