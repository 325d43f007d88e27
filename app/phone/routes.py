"""Twilio webhooks: calls, voicemail, SMS and delivery reports. CSRF-exempt; every request signed."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, request
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from app.extensions import csrf, db
from app.models import Branch
from app.notify import sender
from app.orders.unit_of_work import run
from app.phone import callflow, sms, voicemail
from app.phone.security import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("phone", __name__)
csrf.exempt(bp)


def utcnow() -> datetime:
    return datetime.now(UTC)


def twiml(document) -> Response:
    return Response(str(document), mimetype="text/xml")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _once_more_on_conflict(work):
    """Run work in a unit of work and commit it; if a simultaneous request inserted the same row first,
    run it again in a new one (it then finds that row)."""
    try:
        return run(lambda uow: work())
    except IntegrityError:
        return run(lambda uow: work())


@bp.post("/voice")
@twilio_signed
def voice():
    form = request.form
    document = _once_more_on_conflict(lambda: callflow.incoming(
        call_sid=form.get("CallSid", ""), to=form.get("To"), from_=form.get("From"), now=utcnow()))
    return twiml(document)


@bp.post("/voice/dialed")
@twilio_signed
def voice_dialed():
    form = request.form
    document = run(lambda uow: callflow.dialed(call_sid=form.get("CallSid", ""), dial_status=form.get("DialCallStatus"),
                                               to=form.get("To"), now=utcnow()))
    return twiml(document)


@bp.post("/voice/menu")
@twilio_signed
def voice_menu():
    form = request.form
    document = run(lambda uow: callflow.menu_choice(call_sid=form.get("CallSid", ""), digits=form.get("Digits"),
                                                    to=form.get("To"), now=utcnow()))
    return twiml(document)


@bp.post("/voice/recording")
@twilio_signed
def voice_recording():
    """Both the Record verb's action and its recordingStatusCallback come here; either makes the order."""
    form = request.form
    is_status_callback = "RecordingStatus" in form
    if is_status_callback and form.get("RecordingStatus") != "completed":
        return Response("", status=204)
    call_sid = form.get("CallSid")
    order = _once_more_on_conflict(lambda: voicemail.record(
        call_sid=call_sid, recording_sid=form.get("RecordingSid"), recording_url=form.get("RecordingUrl"),
        duration=_int(form.get("RecordingDuration")), from_=form.get("From"), to=form.get("To"), now=utcnow()))
    if is_status_callback:
        return Response("", status=204)
    call = callflow.call_for(call_sid)
    lang = db.session.get(Branch, call.branch_id).language if call else None
    return twiml(callflow.goodbye(lang, "recorded" if order is not None else "nothing_recorded"))


@bp.post("/voice/transcription")
@twilio_signed
def voice_transcription():
    form = request.form
    _once_more_on_conflict(lambda: voicemail.add_transcript(
        call_sid=form.get("CallSid"), recording_sid=form.get("RecordingSid"), recording_url=form.get("RecordingUrl"),
        transcript=form.get("TranscriptionText"), completed=form.get("TranscriptionStatus") == "completed",
        from_=form.get("From"), to=form.get("To"), now=utcnow()))
    return Response("", status=204)


@bp.post("/voice/status")
@twilio_signed
def voice_status():
    form = request.form
    run(lambda uow: callflow.status_changed(call_sid=form.get("CallSid", ""), call_status=form.get("CallStatus"),
                                            now=utcnow()))
    return Response("", status=204)


@bp.post("/sms")
@twilio_signed
def sms_received():
    """Store the raw SMS and commit; then read it and answer. A repeated MessageSid makes nothing new."""
    form = request.form
    message_sid = form.get("MessageSid") or form.get("SmsSid")
    if not message_sid:
        abort(400)
    now = utcnow()
    _once_more_on_conflict(lambda: sms.store(message_sid=message_sid, from_=form.get("From"), to=form.get("To"),
                                             body=form.get("Body", ""), now=now))
    try:
        reply = run(lambda uow: sms.process(sms.find(message_sid, lock=True), now=now))
    except Exception as exc:  # the raw SMS is kept; it shows as failed for staff instead of vanishing
        log.exception("SMS %s from %s could not be processed", message_sid, form.get("From"))
        run(lambda uow, exc=exc: sms.mark_failed(sms.find(message_sid, lock=True), exc))
        reply = None
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return twiml(response)


@bp.post("/message-status")
@twilio_signed
def message_status():
    form = request.form
    run(lambda uow: sender.message_status(provider_id=form.get("MessageSid"), status=form.get("MessageStatus"),
                                          error_code=form.get("ErrorCode")))
    return Response("", status=204)
