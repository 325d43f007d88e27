"""The call flow: put the caller through to staff when there is room, else offer a menu.

Each function takes the plain values of one Twilio webhook, changes rows in the session (the route
commits) and returns the TwiML to answer with.
"""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from app.database import is_sqlite
from app.extensions import db
from app.models import Branch, Call
from app.orders import capacity
from app.orders.workshops import find_by_phone, normalise_phone
from app.phone.security import public_url
from app.phone.speech import say

DIAL_TIMEOUT = 25  # seconds the staff phones ring before the caller gets the menu
GATHER_TIMEOUT = 8
MAX_RECORDING = 120
ENDED = {"completed", "busy", "failed", "no-answer", "canceled"}


def branch_for_number(number: str | None) -> Branch | None:
    e164 = normalise_phone(number)
    if not e164:
        return None
    return db.session.scalars(select(Branch).where(Branch.phone_number == e164)).first()


def staff_numbers(branch: Branch) -> list[str]:
    numbers = (normalise_phone(n) for n in (branch.staff_numbers or "").replace(";", ",").split(","))
    return [n for n in numbers if n]


def wait_minutes(branch: Branch, now: datetime) -> int:
    """Minutes until a new order would be taken, from the place it would get in line."""
    position = capacity.held_count(branch.id) + capacity.open_count(branch.id) + 1
    estimate = capacity.estimate_for_position(branch, position, now)
    return max(1, math.ceil((estimate - now).total_seconds() / 60))


def call_for(call_sid: str | None, *, lock: bool = False) -> Call | None:
    if not call_sid:
        return None
    stmt = select(Call).where(Call.call_sid == call_sid)
    if lock and not is_sqlite(db.session):
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).first()


def incoming(*, call_sid: str, to: str | None, from_: str | None, now: datetime) -> VoiceResponse:
    """A call to a branch number. Records (or, on a retried webhook, reuses) the Call row."""
    response = VoiceResponse()
    branch = branch_for_number(to)
    if branch is None:
        say(response, "en", "unknown_number")
        response.hangup()
        return response
    workshop = find_by_phone(from_)
    call = call_for(call_sid)
    if call is None:
        call = Call(call_sid=call_sid, branch_id=branch.id, workshop_id=workshop.id if workshop else None,
                    from_number=(normalise_phone(from_) or from_ or "")[:32] or None, started_at=now)
        db.session.add(call)
    reason = capacity.blocking_reason(branch, now)
    numbers = staff_numbers(branch)
    if reason is None and numbers:
        call.status = "ringing"  # the screen pop shows "calling now" while this lasts
        dial = response.dial(action=public_url("/twilio/voice/dialed"), timeout=DIAL_TIMEOUT)
        for number in numbers:
            dial.number(number)
        return response
    call.status = "menu"
    if branch.paused:
        say(response, branch.language, "paused")
    elif reason is not None:
        say(response, branch.language, "over_capacity")
    else:
        say(response, branch.language, "no_answer")
    if reason is not None:
        say(response, branch.language, "wait", minutes=wait_minutes(branch, now))
    offer_menu(response, branch)
    return response


def offer_menu(response: VoiceResponse, branch: Branch) -> VoiceResponse:
    """The three choices, asked twice; no key pressed after the second time -> goodbye."""
    for _ in range(2):
        gather = response.gather(num_digits=1, action=public_url("/twilio/voice/menu"), method="POST",
                                 timeout=GATHER_TIMEOUT)
        if branch.backup_phone:
            say(gather, branch.language, "press_backup", backup=branch.backup_name or branch.backup_phone)
        say(gather, branch.language, "press_voicemail")
        say(gather, branch.language, "press_hint")
    say(response, branch.language, "goodbye")
    response.hangup()
    return response


def dialed(*, call_sid: str, dial_status: str | None, to: str | None, now: datetime) -> VoiceResponse:
    """Staff phones have stopped ringing: after a conversation, hang up; unanswered, offer the menu."""
    response = VoiceResponse()
    call = call_for(call_sid)
    branch = db.session.get(Branch, call.branch_id) if call else branch_for_number(to)
    if dial_status == "completed" or branch is None:
        if call:
            call.status, call.ended_at = "ended", call.ended_at or now
        response.hangup()
        return response
    if call:
        call.status = "menu"
    say(response, branch.language, "no_answer")
    return offer_menu(response, branch)


def menu_choice(*, call_sid: str, digits: str | None, to: str | None, now: datetime) -> VoiceResponse:
    response = VoiceResponse()
    call = call_for(call_sid)
    branch = db.session.get(Branch, call.branch_id) if call else branch_for_number(to)
    if branch is None:
        say(response, "en", "unknown_number")
        response.hangup()
        return response
    lang = branch.language
    choice = (digits or "").strip()[:1]
    if choice == "1" and branch.backup_phone:
        if call:
            call.status, call.ended_at = "forwarded", now
        say(response, lang, "connecting_backup", backup=branch.backup_name or branch.backup_phone)
        response.dial(branch.backup_phone)
        return response
    if choice == "2":
        if call:
            call.status = "voicemail"
        say(response, lang, "record_prompt")
        recording_url = public_url("/twilio/voice/recording")
        response.record(action=recording_url, method="POST", max_length=MAX_RECORDING, play_beep=True,
                        finish_on_key="#", timeout=10, transcribe=True,
                        transcribe_callback=public_url("/twilio/voice/transcription"),
                        recording_status_callback=recording_url, recording_status_callback_method="POST")
        # Twilio goes on here only when nothing was recorded
        say(response, lang, "nothing_recorded")
        response.hangup()
        return response
    if choice == "3":
        if branch.inbound_email:
            say(response, lang, "hint", email=branch.inbound_email)
        else:
            say(response, lang, "hint_no_email")
        response.hangup()
        return response
    say(response, lang, "no_backup" if choice == "1" else "invalid")
    return offer_menu(response, branch)


def status_changed(*, call_sid: str, call_status: str | None, now: datetime) -> None:
    """Twilio's status callback: a call that has ended no longer pops up on screens."""
    call = call_for(call_sid)
    if call is None or call_status not in ENDED:
        return
    call.status = "ended"
    call.ended_at = call.ended_at or now


def goodbye(lang: str | None, key: str) -> VoiceResponse:
    response = VoiceResponse()
    say(response, lang, key)
    response.hangup()
    return response
