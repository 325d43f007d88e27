"""CPython's own malformed test messages (vendored in cpython_email_data/) through the real intake:
store_raw, then process_one on the real database. None may crash, be lost, or vanish unread."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.reading.parse import parse_bytes
from app.models import Order

DATA = Path(__file__).parent / "cpython_email_data"
MESSAGES = sorted(DATA.glob("msg_*.txt"))
OUTCOMES = {"order", "follow_up", "cancellation", "other", "auto_reply"}


def test_the_corpus_is_vendored():
    assert len(MESSAGES) >= 48, "tests/hostile/cpython_email_data lost its messages"
    assert "PSF" in (DATA / "README.md").read_text()


def check_intake(db, message, outcome, raw: bytes) -> None:
    """The contract for any inbound bytes: stored whole, processed, and either routed or sent to review."""
    assert bytes(message.raw) == raw, "the stored bytes differ from what arrived"
    assert message.status == "processed", f"{outcome}: {message.error}"
    assert outcome in OUTCOMES and message.kind == outcome
    assert isinstance(message.parsed, dict) and message.parsed.get("kind") is not None
    unreadable = any("could not be read" in r for r in parse_bytes(raw).review_reasons)
    if outcome == "order":
        order = db.session.get(Order, message.order_id)
        assert order is not None and order.inbound_message_id == message.id
        if order.status == "needs_review":
            assert order.review_reasons, "an order held for review must say why"
        assert not unreadable or order.status == "needs_review"
    elif unreadable:
        assert outcome == "other" and message.parsed["review_reasons"], "an unreadable message must carry its reason"


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.stem)
def test_each_cpython_message_is_stored_processed_and_never_lost(db, make, branch, intake, path):
    # a known sender, so an order from it exercises the acknowledgement path as well as review
    make.workshop(branch, name="Python Verksted", emails=["barry@python.org"])
    raw = path.read_bytes()
    message, outcome, created = intake(raw)
    assert created
    check_intake(db, message, outcome, raw)


def test_a_message_with_nothing_readable_goes_to_review_with_its_reason(db, intake):
    raw = (DATA / "msg_18.txt").read_bytes()  # a header block the parser cannot make sense of
    message, outcome, _ = intake(raw)
    assert outcome == "other"
    assert any("could not be read" in r for r in message.parsed["review_reasons"])
