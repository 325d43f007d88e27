"""A mail is decoded once on its way to the queue: the store reads its headers (for the dedup key),
the worker's child process reads it whole, and nothing else parses it again, neither the worker (the
acknowledgement's loop rules use the headers the reading kept) nor the pages (they show what was
stored with the reading). Only a download reads the stored raw again, to serve the part's bytes.

Before: 1 header parse to store, 1 whole parse in the child and 1 header parse in the worker to
process, and 2 whole parses for each view of the order page (its text, then its attachments)."""
from __future__ import annotations

from datetime import UTC, datetime
from email.parser import BytesParser

import pytest

import app.reading.parse as parse_module
from app.intake import pipeline, store
from app.models import InboundMessage, Order
from tests.conftest import login
from tests.intake.slow_parsers import counting_parse

ORDER = (b"From: Per <per@bilverksted.example>\r\nTo: oslo@partdesk.example\r\nSubject: Bestilling\r\n"
         b"Message-ID: <order1@bilverksted.example>\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
         b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         b"Hei, vi trenger 2 stk 0 986 494 123 bremseklosser til AB12345.\r\nMvh Per\r\n"
         b"--b1\r\nContent-Type: text/csv; name=liste.csv\r\nContent-Disposition: attachment; filename=liste.csv\r\n\r\n"
         b"part;qty\r\nW 713/16;1\r\n--b1--\r\n")
QUESTION = (b"From: Per <per@bilverksted.example>\r\nTo: oslo@partdesk.example\r\nSubject: Pris?\r\n"
            b"Message-ID: <q1@bilverksted.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Hei, hva koster bremseskiver til en Golf 2015?\r\n")


@pytest.fixture
def parses(monkeypatch, tmp_path):
    """(parent, child): the MIME parses made in this process and in the worker's child process."""
    log = tmp_path / "child-parses.log"
    log.touch()
    monkeypatch.setenv("PARTDESK_PARSE_LOG", str(log))
    monkeypatch.setattr(parse_module, "CHILD_PARSER", counting_parse)  # a fresh child, counting
    parent: list[str] = []
    real = BytesParser.parsebytes

    def counted(self, text, headersonly=False):
        parent.append("headers" if headersonly else "whole")
        return real(self, text, headersonly)

    monkeypatch.setattr(BytesParser, "parsebytes", counted)

    def taken() -> tuple[list[str], list[str]]:
        child = log.read_text().split()
        log.write_text("")
        seen = list(parent)
        parent.clear()
        return seen, child

    return taken


def test_an_order_mail_is_parsed_once_and_its_pages_decode_nothing(client, db, make, parses):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.workshop(branch, emails=["per@bilverksted.example"])
    now = datetime.now(UTC)
    parses()
    message_id, _ = store.store_raw(ORDER, channel="email", branch_id=branch.id, now=now)
    assert parses() == (["headers"], [])  # the dedup key, Message-ID and labels
    assert pipeline.process_one(message_id, now=now) == "order"
    assert parses() == ([], ["whole"])  # read once, in the child; the ack's loop rules need no second look
    order = db.session.query(Order).filter_by(inbound_message_id=message_id).one()
    message = db.session.get(InboundMessage, message_id)
    assert message.parsed["shown"]["parts"] == [{"filename": "liste.csv", "content_type": "text/csv", "size": 20}]
    assert message.parsed["ack"].startswith("queued")
    login(client, "kari")
    parses()
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert "til AB12345." in page and "liste.csv" in page
    assert parses() == ([], [])
    download = client.get(f"/orders/{order.reference}/attachments/0")
    assert download.data == b"part;qty\r\nW 713/16;1"
    assert parses() == (["whole"], [])  # the bytes come from the stored raw, by the same listing


def test_a_message_for_the_review_inbox_is_shown_without_decoding(client, db, make, parses):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    now = datetime.now(UTC)
    message_id, _ = store.store_raw(QUESTION, channel="email", branch_id=branch.id, now=now)
    assert pipeline.process_one(message_id, now=now) == "other"
    parses()
    login(client, "kari")
    page = client.get(f"/inbox/{message_id}").get_data(as_text=True)
    assert "hva koster bremseskiver" in page
    assert parses() == ([], [])


def test_a_message_stored_before_the_reading_kept_what_the_page_shows_is_decoded_as_before(client, db, make):
    """An older reading has no "shown": the page decodes the stored raw, with the same text and listing."""
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.workshop(branch, emails=["per@bilverksted.example"])
    now = datetime.now(UTC)
    message_id, _ = store.store_raw(ORDER, channel="email", branch_id=branch.id, now=now)
    pipeline.process_one(message_id, now=now)
    message = db.session.get(InboundMessage, message_id)
    order = db.session.query(Order).filter_by(inbound_message_id=message_id).one()
    login(client, "kari")
    new = _message_card(client.get(f"/orders/{order.reference}").get_data(as_text=True))
    message.parsed = {k: v for k, v in message.parsed.items() if k != "shown"}
    db.session.commit()
    old = _message_card(client.get(f"/orders/{order.reference}").get_data(as_text=True))
    assert "til AB12345." in new and "liste.csv" in new and old == new


def _message_card(page: str) -> str:
    start = page.index('<section class="card message"')
    return page[start:page.index("</section>", start)]
