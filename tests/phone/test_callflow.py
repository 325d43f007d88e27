"""The call flow under and over capacity, in every branch language, and each menu choice."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Call
from app.phone import routes as phone_routes
from app.phone.speech import lexicon
from tests.phone.conftest import BACKUP, BRANCH_NUMBER, says, verbs

LANGUAGES = [("no", "nb-NO"), ("sv", "sv-SE"), ("da", "da-DK"), ("fi", "fi-FI"), ("de", "de-DE"), ("en", "en-GB")]
CALLER = "+4790000001"


@pytest.fixture(autouse=True)
def clock(monkeypatch, now):
    monkeypatch.setattr(phone_routes, "utcnow", lambda: now)


def call(sid="CA100", caller=CALLER, to=BRANCH_NUMBER):
    return {"CallSid": sid, "From": caller, "To": to, "CallStatus": "ringing", "Direction": "inbound"}


def words(lang, key, **values):
    return lexicon()[lang][key].format(**values)


@pytest.mark.parametrize("lang,code", LANGUAGES)
def test_under_capacity_rings_staff_and_pops_up(twilio, phone_branch, make, db, lang, code):
    branch = phone_branch(language=lang)
    workshop = make.workshop(branch, name="Bilverksted AS", number="10023", phones=[CALLER])
    root = twilio.xml("/twilio/voice", call())
    assert verbs(root) == ["Dial"]
    dial = root.find("Dial")
    assert [n.text for n in dial.iter("Number")] == ["+4791000001", "+4791000002"]
    assert dial.get("action") == "http://localhost/twilio/voice/dialed"
    row = db.session.scalars(select(Call)).one()
    assert (row.status, row.branch_id, row.workshop_id, row.from_number) == ("ringing", branch.id, workshop.id, CALLER)


@pytest.mark.parametrize("lang,code", LANGUAGES)
def test_over_capacity_says_so_with_the_wait_and_offers_the_menu(twilio, phone_branch, db, lang, code):
    phone_branch(language=lang, open_limit=0, minutes_per_order=6)
    root = twilio.xml("/twilio/voice", call())
    assert verbs(root) == ["Say", "Say", "Gather", "Gather", "Say", "Hangup"]
    spoken = says(root)
    assert {language for language, _ in spoken} == {code}
    assert spoken[0][1] == words(lang, "over_capacity")
    # one staff member, 6 min per order, first in line: 6 minutes
    assert spoken[1][1] == words(lang, "wait", minutes=6)
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action") == "http://localhost/twilio/voice/menu"
    options = [s.text for s in gather.iter("Say")]
    assert options == [words(lang, "press_backup", backup=BACKUP[0]), words(lang, "press_voicemail"),
                       words(lang, "press_hint")]
    assert spoken[-1][1] == words(lang, "goodbye")  # no key pressed twice: goodbye
    assert db.session.scalars(select(Call)).one().status == "menu"


def test_paused_branch_says_it_is_paused(twilio, phone_branch):
    phone_branch(language="sv", paused=True)
    spoken = says(twilio.xml("/twilio/voice", call()))
    assert spoken[0] == ("sv-SE", words("sv", "paused"))


def test_without_a_backup_supplier_there_is_no_option_one(twilio, phone_branch):
    phone_branch(language="en", open_limit=0, backup_name=None, backup_phone=None)
    root = twilio.xml("/twilio/voice", call())
    options = [s.text for s in root.find("Gather").iter("Say")]
    assert options == [words("en", "press_voicemail"), words("en", "press_hint")]


def test_unknown_number_called_hangs_up(twilio, phone_branch):
    phone_branch()
    root = twilio.xml("/twilio/voice", call(to="+4722111111"))
    assert verbs(root) == ["Say", "Hangup"]


def test_repeated_voice_webhook_reuses_the_call(twilio, phone_branch, db):
    phone_branch()
    twilio.xml("/twilio/voice", call())
    twilio.xml("/twilio/voice", call())
    assert len(db.session.scalars(select(Call)).all()) == 1


@pytest.mark.parametrize("lang,code", LANGUAGES)
def test_press_1_forwards_to_the_backup_supplier(twilio, phone_branch, db, lang, code):
    phone_branch(language=lang, open_limit=0)
    twilio.xml("/twilio/voice", call())
    root = twilio.xml("/twilio/voice/menu", {**call(), "Digits": "1"})
    assert verbs(root) == ["Say", "Dial"]
    assert says(root) == [(code, words(lang, "connecting_backup", backup=BACKUP[0]))]
    assert root.find("Dial").text == BACKUP[1]
    assert db.session.scalars(select(Call)).one().status == "forwarded"


@pytest.mark.parametrize("lang,code", LANGUAGES)
def test_press_2_records_a_voicemail_with_transcription(twilio, phone_branch, db, lang, code):
    phone_branch(language=lang, open_limit=0)
    twilio.xml("/twilio/voice", call())
    root = twilio.xml("/twilio/voice/menu", {**call(), "Digits": "2"})
    assert verbs(root) == ["Say", "Record", "Say", "Hangup"]
    assert says(root)[0] == (code, words(lang, "record_prompt"))
    record = root.find("Record")
    assert record.get("transcribe") == "true"
    assert record.get("maxLength") == "120"
    assert record.get("transcribeCallback") == "http://localhost/twilio/voice/transcription"
    assert record.get("action") == "http://localhost/twilio/voice/recording"
    assert record.get("recordingStatusCallback") == "http://localhost/twilio/voice/recording"
    assert says(root)[1] == (code, words(lang, "nothing_recorded"))
    assert db.session.scalars(select(Call)).one().status == "voicemail"


@pytest.mark.parametrize("lang,code", LANGUAGES)
def test_press_3_explains_email_and_sms(twilio, phone_branch, lang, code):
    phone_branch(language=lang, open_limit=0)
    twilio.xml("/twilio/voice", call())
    root = twilio.xml("/twilio/voice/menu", {**call(), "Digits": "3"})
    assert verbs(root) == ["Say", "Hangup"]
    assert says(root) == [(code, words(lang, "hint", email="osl@parts.example"))]


def test_an_invalid_key_repeats_the_menu(twilio, phone_branch):
    phone_branch(language="de", open_limit=0)
    twilio.xml("/twilio/voice", call())
    root = twilio.xml("/twilio/voice/menu", {**call(), "Digits": "7"})
    assert verbs(root) == ["Say", "Gather", "Gather", "Say", "Hangup"]
    assert says(root)[0] == ("de-DE", words("de", "invalid"))


def test_menu_urls_use_the_public_base_url(app, twilio, phone_branch):
    app.config["PUBLIC_BASE_URL"] = "https://public.example"
    phone_branch(open_limit=0)
    signed = "https://public.example/twilio/voice"
    response = twilio.post("/twilio/voice", call(), signed_url=signed)
    assert response.status_code == 200
    assert 'action="https://public.example/twilio/voice/menu"' in response.get_data(as_text=True)


def test_unanswered_staff_phones_offer_the_menu(twilio, phone_branch, db):
    phone_branch(language="fi")
    twilio.xml("/twilio/voice", call())
    root = twilio.xml("/twilio/voice/dialed", {**call(), "DialCallStatus": "no-answer"})
    assert verbs(root) == ["Say", "Gather", "Gather", "Say", "Hangup"]
    assert says(root)[0] == ("fi-FI", words("fi", "no_answer"))
    assert db.session.scalars(select(Call)).one().status == "menu"


def test_answered_call_ends_and_status_callback_closes_it(twilio, phone_branch, db, now):
    phone_branch()
    twilio.xml("/twilio/voice", call())
    assert verbs(twilio.xml("/twilio/voice/dialed", {**call(), "DialCallStatus": "completed"})) == ["Hangup"]
    row = db.session.scalars(select(Call)).one()
    assert (row.status, row.ended_at) == ("ended", now)


def test_status_callback_ends_a_ringing_call(twilio, phone_branch, db, now):
    phone_branch()
    twilio.xml("/twilio/voice", call())
    assert twilio.post("/twilio/voice/status", {**call(), "CallStatus": "completed"}).status_code == 204
    row = db.session.scalars(select(Call)).one()
    assert (row.status, row.ended_at) == ("ended", now)
