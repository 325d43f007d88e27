"""SMS orders: stored first, read, checked against capacity and answered in the sender's language."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.reading.scoring import hard_reasons
from sqlalchemy import func, select

from app.models import AuditEvent, InboundMessage, Order, OutboxMessage
from app.notify import messages
from app.orders import service
from app.phone import routes as phone_routes
from tests.phone.conftest import BACKUP, BRANCH_NUMBER

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
SMS_SAMPLES = sorted(SAMPLES.glob("*.sms.txt"))


@pytest.fixture(autouse=True)
def clock(monkeypatch, now):
    monkeypatch.setattr(phone_routes, "utcnow", lambda: now)


def sms(twilio, body, sender="+4790000001", sid="SM100", to=BRANCH_NUMBER):
    response = twilio.post("/twilio/sms", {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC1", "From": sender,
                                           "To": to, "Body": body, "NumMedia": "0"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [m.text for m in ET.fromstring(response.get_data()).iter("Message")]


def squash(value):
    return re.sub(r"[\s.\-/_]+", "", value or "").upper()


def read_sample(path: Path) -> tuple[str, str, dict]:
    head, body = path.read_text("utf-8").split("\n\n", 1)
    gold = json.loads(path.with_name(path.name.replace(".sms.txt", ".gold.json")).read_text("utf-8"))
    return head.split(":", 1)[1].strip(), body.strip(), gold


@pytest.mark.parametrize("path", SMS_SAMPLES, ids=lambda p: p.name)
def test_sample_sms_becomes_an_order_with_a_reply_in_its_language(twilio, phone_branch, make, db, path):
    pytest.importorskip("app.reading.parse")
    sender, body, gold = read_sample(path)
    branch = phone_branch(language="no")
    workshop = make.workshop(branch, phones=[sender])
    [reply] = sms(twilio, body, sender=sender)
    [order] = db.session.scalars(select(Order)).all()
    assert order.channel == "sms" and order.workshop_id == workshop.id
    if gold["must_review"]:
        assert order.status == "needs_review"
    else:  # clear: accepted, or in review only because its confidence is under the calibrated threshold
        assert order.status == "new" or not hard_reasons(order.review_reasons), order.review_reasons
    assert {(squash(line.part_number) or None, line.quantity) for line in order.lines} == \
        {(squash(line["part_number"]) or None, line["quantity"]) for line in gold["lines"]}
    assert order.language == gold["language"]
    key = "review" if order.review_reasons else "received"
    assert reply == messages.text(gold["language"], key, branch=branch.name, ref=order.reference,
                                  lines=messages.lines_summary(order.lines, gold["language"]))
    inbound = db.session.get(InboundMessage, order.inbound_message_id)
    assert inbound.dedup_key == "sms:SM100" and inbound.status == "processed"
    assert body in inbound.raw.decode("utf-8")


def test_a_repeated_webhook_creates_nothing_new(twilio, phone_branch, make, db):
    branch = phone_branch()
    make.workshop(branch, phones=["+4790000001"])
    first = sms(twilio, "2 stk oljefilter W 713/16")
    again = sms(twilio, "2 stk oljefilter W 713/16")
    assert first == again
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_unknown_sender_goes_to_review(twilio, phone_branch, db):
    phone_branch(language="sv")
    [reply] = sms(twilio, "1 oljefilter W 713/16", sender="+46701234567")
    [order] = db.session.scalars(select(Order)).all()
    assert order.status == "needs_review" and order.workshop_id is None
    assert any("+46701234567" in r for r in order.review_reasons)
    assert order.reference in reply


def test_over_capacity_the_reply_says_it_is_held(twilio, phone_branch, make, db):
    branch = phone_branch(language="en", open_limit=0, timezone="Europe/London")
    make.workshop(branch, phones=["+4790000001"])
    [reply] = sms(twilio, "1 oil filter W 713/16")
    [order] = db.session.scalars(select(Order)).all()
    assert order.status in ("held", "needs_review") and order.reference in reply
    if order.status == "held":
        assert messages.local_time(order.estimate_at, "Europe/London") in reply


def test_over_capacity_with_redirect_policy_names_the_backup(twilio, phone_branch, make, db, monkeypatch):
    branch = phone_branch(language="no", open_limit=0, overflow_policy="redirect")
    make.workshop(branch, phones=["+4790000001"])
    monkeypatch.setattr("app.phone.extract.read_text", lambda body, sms_from: _clear_reading())
    [reply] = sms(twilio, "2 stk oljefilter W 713/16")
    [order] = db.session.scalars(select(Order)).all()
    assert order.status == "redirected"
    assert BACKUP[0] in reply and BACKUP[1] in reply
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # the reply is the notice


def _clear_reading():
    from app.phone.extract import Reading

    return Reading(language="no", parsed={"kind": "order", "language": "no", "confidence": 0.95,
                                          "lines": [{"part_number": "W 713/16", "description": "oljefilter",
                                                     "quantity": 2}]})


def test_stop_and_start_are_recorded_and_answered(twilio, phone_branch, db):
    phone_branch(language="da")
    assert sms(twilio, "STOP", sender="+4531225877", sid="SM1") == [messages.text("da", "stop")]
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.detail) == ("sms_opt_out", "+4531225877")
    assert sms(twilio, "start", sender="+4531225877", sid="SM2") == [messages.text("da", "start")]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_help_answers_with_how_to_order(twilio, phone_branch, db):
    branch = phone_branch(language="fi")
    assert sms(twilio, "HELP") == [messages.text("fi", "help", branch=branch.name)]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_raw_sms_is_kept_when_processing_fails(twilio, phone_branch, db, monkeypatch):
    phone_branch()

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(service, "create_order", broken)
    assert sms(twilio, "2 stk oljefilter W 713/16") == []
    inbound = db.session.scalars(select(InboundMessage)).one()
    assert inbound.status == "failed" and "database hiccup" in inbound.error
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_follow_up_flags_the_open_order(twilio, phone_branch, make, db, monkeypatch):
    branch = phone_branch(language="no")
    workshop = make.workshop(branch, phones=["+4790000001"])
    order = make.order(branch, workshop_id=workshop.id)
    from app.phone.extract import Reading

    monkeypatch.setattr("app.phone.extract.read_text", lambda body, sms_from: Reading(kind="follow_up", language="no"))
    [reply] = sms(twilio, f"Hvor blir det av {order.reference}?")
    db.session.refresh(order)
    assert order.flagged.startswith("follow-up by SMS")
    assert reply == messages.text("no", "flagged", branch=branch.name, ref=order.reference)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_an_sms_left_stored_by_a_crash_is_processed_later_and_answered_through_the_outbox(phone_branch, make, db, now):
    from datetime import timedelta

    from app.phone import sms as sms_module

    branch = phone_branch()
    make.workshop(branch, name="Bilverksted AS", phones=["+4790000001"])
    # the webhook stored and committed the raw SMS, then the process died before reading it
    inbound = sms_module.store(message_sid="SM-crash", from_="+4790000001", to=BRANCH_NUMBER,
                               body="Hei, 2 stk bremseklosser 0 986 494 123 til EL 12345", now=now)
    db.session.commit()
    assert sms_module.recover_stale(now=now + timedelta(seconds=30)) == 0  # the webhook may still be at it
    assert sms_module.recover_stale(now=now + timedelta(minutes=5)) == 1
    db.session.expire_all()
    inbound = db.session.get(InboundMessage, inbound.id)
    order = db.session.get(Order, inbound.order_id)
    assert inbound.status == "processed" and order.channel == "sms"
    assert [(ln.part_number, ln.quantity) for ln in order.lines] == [("0 986 494 123", 2)]
    reply = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms_reply")).one()
    assert reply.recipient == "+4790000001" and order.reference in reply.body
    assert sms_module.recover_stale(now=now + timedelta(minutes=10)) == 0  # once only


def test_the_outbox_worker_reads_a_stale_sms_and_sends_its_reply_in_the_same_round(app, runner, phone_branch, make, db):
    """`flask outbox send` reaches the phone channel only through the round_started signal create_app connects."""
    from datetime import UTC, datetime, timedelta

    from app.phone import sms as sms_module
    from tests.notify.conftest import ACCOUNT, FROM, FakeTwilioHttp

    fake = FakeTwilioHttp()
    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN="test-auth-token", TWILIO_FROM_NUMBER=FROM,
                      PUBLIC_BASE_URL="https://public.example", TWILIO_HTTP_CLIENT=fake)
    branch = phone_branch()
    make.workshop(branch, name="Bilverksted AS", phones=["+4790000001"])
    # the command reads the real clock: stored ten minutes ago, then the web process died
    inbound = sms_module.store(message_sid="SM-crash", from_="+4790000001", to=BRANCH_NUMBER,
                               body="Hei, 2 stk bremseklosser 0 986 494 123 til EL 12345",
                               now=datetime.now(UTC) - timedelta(minutes=10))
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "processed 1 SMS left unread by a crashed web process" in result.output
    assert "sent 1" in result.output
    db.session.expire_all()
    assert db.session.get(InboundMessage, inbound.id).status == "processed"
    [sent] = fake.sent
    assert sent["To"] == "+4790000001"
    again = runner.invoke(args=["outbox", "send"])
    assert "SMS left unread" not in again.output and len(fake.sent) == 1
