"""Voicemail orders: made once, only from a real recording, completed by the transcript."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import InboundMessage, Order, OutboxMessage
from app.phone import routes as phone_routes
from app.phone.speech import lexicon
from app.phone.voicemail import CHECK_TRANSCRIPT, NO_TRANSCRIPT, TRANSCRIPTION_FAILED
from tests.conftest import login
from tests.phone.conftest import BRANCH_NUMBER, says

CALLER = "+4790000001"
REC_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE100"


@pytest.fixture(autouse=True)
def clock(monkeypatch, now):
    monkeypatch.setattr(phone_routes, "utcnow", lambda: now)


@pytest.fixture
def in_menu(twilio, phone_branch, make):
    branch = phone_branch(language="no", open_limit=0)
    workshop = make.workshop(branch, name="Bilverksted AS", number="10023", phones=[CALLER])
    params = {"CallSid": "CA100", "From": CALLER, "To": BRANCH_NUMBER}
    twilio.xml("/twilio/voice", params)
    twilio.xml("/twilio/voice/menu", {**params, "Digits": "2"})
    return branch, workshop, params


def recording(params, duration="35", url=REC_URL, sid="RE100"):
    data = {**params, "RecordingSid": sid, "RecordingDuration": duration, "Digits": "hangup"}
    if url:
        data["RecordingUrl"] = url
    return data


def status_callback(duration="35", sid="RE100"):
    # Twilio's recordingStatusCallback carries no From/To: the call row says whose it is
    return {"AccountSid": "AC1", "CallSid": "CA100", "RecordingSid": sid, "RecordingUrl": REC_URL,
            "RecordingStatus": "completed", "RecordingDuration": duration, "RecordingChannels": "1"}


def transcription(text="Hei, det er Bilverksted. 2 stk oljefilter W 713/16 og 1 luftfilter C 24 005. Vi henter.",
                  status="completed", sid="RE100"):
    return {"AccountSid": "AC1", "CallSid": "CA100", "RecordingSid": sid, "RecordingUrl": REC_URL,
            "TranscriptionSid": "TR1", "TranscriptionStatus": status, "TranscriptionText": text,
            "From": CALLER, "To": BRANCH_NUMBER}


def orders(db):
    return db.session.scalars(select(Order)).all()


def test_a_recording_becomes_one_order_for_review(twilio, in_menu, db):
    branch, workshop, params = in_menu
    root = twilio.xml("/twilio/voice/recording", recording(params))
    assert says(root) == [("nb-NO", lexicon()["no"]["recorded"])]
    [order] = orders(db)
    assert order.channel == "voicemail" and order.workshop_id == workshop.id
    assert order.status == "held"  # over capacity: recorded and held with an estimate
    assert order.estimate_at is not None
    assert order.review_reasons == [NO_TRANSCRIPT]
    assert REC_URL in order.notes
    inbound = db.session.get(InboundMessage, order.inbound_message_id)
    assert inbound.channel == "voicemail" and inbound.dedup_key == "voicemail:RE100"
    expected = {"recording_url": REC_URL, "transcript": None, "duration": 35, "from": CALLER}
    assert json.loads(inbound.raw).items() >= expected.items()


def test_both_recording_callbacks_make_one_order(twilio, in_menu, db):
    _, _, params = in_menu
    assert twilio.post("/twilio/voice/recording", status_callback()).status_code == 204
    twilio.xml("/twilio/voice/recording", recording(params))
    twilio.post("/twilio/voice/recording", status_callback())
    assert len(orders(db)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


@pytest.mark.parametrize("duration,url", [("0", REC_URL), ("35", None), (None, REC_URL)])
def test_an_empty_recording_leaves_nothing_in_the_queue(twilio, in_menu, db, duration, url):
    _, _, params = in_menu
    data = recording(params, duration=duration, url=url)
    if duration is None:
        del data["RecordingDuration"]
    root = twilio.xml("/twilio/voice/recording", data)
    assert says(root) == [("nb-NO", lexicon()["no"]["nothing_recorded"])]
    twilio.post("/twilio/voice/status", {**params, "CallStatus": "completed"})
    assert orders(db) == []
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_transcript_without_a_recording_callback_is_not_enough_when_it_failed(twilio, in_menu, db):
    twilio.post("/twilio/voice/transcription", transcription(text="", status="failed"))
    assert orders(db) == []


def test_transcript_fills_the_existing_order(twilio, in_menu, db):
    pytest.importorskip("app.reading.parse")
    _, _, params = in_menu
    twilio.xml("/twilio/voice/recording", recording(params))
    assert twilio.post("/twilio/voice/transcription", transcription()).status_code == 204
    twilio.post("/twilio/voice/transcription", transcription())  # Twilio retried
    [order] = orders(db)
    assert NO_TRANSCRIPT not in order.review_reasons and CHECK_TRANSCRIPT in order.review_reasons
    assert "Transcript: Hei, det er Bilverksted" in order.notes and REC_URL in order.notes
    got = {(line.part_number.replace(" ", ""), line.quantity) for line in order.lines}
    assert got == {("W713/16", 2), ("C24005", 1)}
    assert order.fulfilment == "pickup"
    assert [e.action for e in order.events].count("transcribed") == 1
    inbound = db.session.get(InboundMessage, order.inbound_message_id)
    assert json.loads(inbound.raw)["transcript"].startswith("Hei, det er")


def test_transcript_arriving_first_makes_the_order_and_the_recording_joins_it(twilio, in_menu, db):
    _, _, params = in_menu
    twilio.post("/twilio/voice/transcription", transcription())
    twilio.xml("/twilio/voice/recording", recording(params))
    [order] = orders(db)
    assert "Transcript:" in order.notes and "35 s" in order.notes
    assert NO_TRANSCRIPT not in order.review_reasons


def test_failed_transcription_is_a_review_reason_not_a_failure(twilio, in_menu, db):
    _, _, params = in_menu
    twilio.xml("/twilio/voice/recording", recording(params))
    twilio.post("/twilio/voice/transcription", transcription(text="", status="failed"))
    [order] = orders(db)
    assert order.review_reasons == [NO_TRANSCRIPT, TRANSCRIPTION_FAILED]


def test_unknown_caller_is_a_review_reason(twilio, phone_branch, db):
    phone_branch(language="en")  # room, but nobody answered
    params = {"CallSid": "CA100", "From": "+4798888888", "To": BRANCH_NUMBER}
    twilio.xml("/twilio/voice", params)
    twilio.xml("/twilio/voice/dialed", {**params, "DialCallStatus": "no-answer"})
    twilio.xml("/twilio/voice/menu", {**params, "Digits": "2"})
    twilio.xml("/twilio/voice/recording", recording(params))
    [order] = orders(db)
    assert order.status == "needs_review" and order.workshop_id is None
    assert any("+4798888888" in reason for reason in order.review_reasons)
    assert order.contact_phone == "+4798888888"


def test_voicemail_order_is_in_the_queue_with_its_recording(twilio, in_menu, make, db, client):
    branch, _, params = in_menu
    twilio.xml("/twilio/voice/recording", recording(params))
    [order] = orders(db)
    make.staff(branch, login="kari")
    login(client, "kari")
    assert order.reference in client.get("/").get_data(as_text=True)
    assert REC_URL in client.get(f"/orders/{order.reference}").get_data(as_text=True)


def test_held_voicemail_tells_the_workshop_once(twilio, in_menu, db):
    _, _, params = in_menu
    twilio.xml("/twilio/voice/recording", recording(params))
    twilio.post("/twilio/voice/recording", status_callback())
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.kind == "held" and message.channel == "sms" and message.recipient == CALLER
