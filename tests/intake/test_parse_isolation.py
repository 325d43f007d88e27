"""Each message is parsed in a child process with a time limit. A message whose parse runs past the
limit, or kills the process reading it, is marked failed with the reason for the review inbox, and
the messages behind it are processed; a stop abandons the parse at once and leaves it stored.

Before this, a 200,000-character subject took 41 s to parse inside the worker (and a 5 MB one
minutes), holding up every message behind it: the slow parser here spins in the same regular
expression, and the message carries such a subject too."""
from __future__ import annotations

import threading
import time

import pytest

import app.reading.parse as parse_module
from app.intake import pipeline
from app.models import InboundMessage, Order
from tests.intake.mail import email
from tests.intake.slow_parsers import misbehaving_parse
from tests.intake.test_pipeline import branch, run, store, workshop  # noqa: F401 (fixtures)

POISON_SUBJECT = "x" * 200_000


@pytest.fixture
def misbehaving(monkeypatch):
    # raising=False: on code without the child process this sets nothing used, and the tests fail on behaviour
    monkeypatch.setattr(parse_module, "CHILD_PARSER", misbehaving_parse, raising=False)


def _status(db, message_id):
    db.session.expire_all()
    return db.session.get(InboundMessage, message_id)


def test_a_parse_past_the_time_limit_fails_that_message_and_the_rest_are_processed(app, db, workshop, store,
                                                                                    misbehaving, monkeypatch):
    monkeypatch.setitem(app.config, "PARSE_TIME_LIMIT", 2)
    first = store(email(body="Vi trenger 1 stk oljefilter 0 451 103 318."))
    poison = store(email(subject=POISON_SUBJECT, headers={"X-Test-Slow": "yes"}))
    behind = [store(email()) for _ in range(2)]
    started = time.monotonic()
    counts = pipeline.process_pending(10)
    took = time.monotonic() - started
    assert counts == {"order": 3, "failed": 1}
    message = _status(db, poison)
    assert message.status == "failed" and message.order_id is None
    assert message.error.startswith("Reading the message took longer than 2 s and was stopped")
    for message_id in (first, *behind):
        assert _status(db, message_id).status == "processed"
        assert db.session.query(Order).filter_by(inbound_message_id=message_id).count() == 1
    assert took < 15, f"the batch took {took:.1f} s with a limit of 2 s per message"


def test_a_parse_that_kills_its_process_fails_that_message_and_the_next_is_parsed(db, workshop, store, misbehaving):
    crash = store(email(headers={"X-Test-Crash": "yes"}))
    behind = store(email())
    assert pipeline.process_pending(10) == {"failed": 1, "order": 1}
    message = _status(db, crash)
    assert message.status == "failed"
    assert message.error.startswith("The process reading the message died (it was killed by SIGKILL")
    assert _status(db, behind).status == "processed"


def test_a_failed_parse_can_be_tried_again_by_staff(db, workshop, store, misbehaving, monkeypatch):
    crash = store(email(headers={"X-Test-Crash": "yes"}))
    assert pipeline.process_pending(10) == {"failed": 1}
    monkeypatch.setattr(parse_module, "CHILD_PARSER", parse_module.parse_bytes)  # say, after a fix
    assert pipeline.retry_failed([crash]) == 1
    db.session.commit()
    assert pipeline.process_pending(10) == {"order": 1}


def test_a_stop_abandons_the_parse_at_once_and_leaves_the_message_stored(app, db, workshop, store, misbehaving,
                                                                          monkeypatch):
    poison = store(email(subject=POISON_SUBJECT, headers={"X-Test-Slow": "yes"}))
    after = store(email())
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    counts = pipeline.process_pending(10, stop=stop)
    took = time.monotonic() - started
    assert took < 3, f"process_pending went on {took - 1:.1f} s after the stop"
    assert counts == {"interrupted": 2}
    assert _status(db, poison).status == "stored" and _status(db, after).status == "stored"
    monkeypatch.setitem(app.config, "PARSE_TIME_LIMIT", 5)  # a loaded machine starts the child slowly
    assert pipeline.process_pending(10) == {"failed": 1, "order": 1}  # the next round takes them up


def test_catalogue_look_ups_are_answered_from_the_workers_database(db, workshop, store):
    from app.models import CatalogueItem

    db.session.add(CatalogueItem(number="0 986 494 123", number_norm="0986494123", brand="Bosch",
                                 description="Bremseklosser foran", ean="4006381333931"))
    db.session.commit()  # the child has no database: the look-up must come back to this session
    message_id = store(email(body="Hei\n\nVi trenger 2 stk 4006381333931.\n\nMvh Ola"))
    outcome, message = run(db, message_id)
    assert outcome == "order"
    # an EAN is replaced by the catalogue's part number: only the catalogue knows it
    assert [line["part_number"] for line in message.parsed["lines"]] == ["0 986 494 123"]
