"""Oversized messages and attachments are stored with a reason and shown, not parsed; zip and XLSX bombs
are refused with a clear review reason, the message still stored."""
from __future__ import annotations

import io
import zipfile

import pytest

from app.reading import attachments as attachments_mod
from app.intake import pipeline
from app.reading.parse import parse_bytes
from app.models import Order
from tests.conftest import login
from tests.hostile.conftest import NOW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mail(attachment: bytes = b"", filename: str = "liste.csv", ctype: str = "text/csv", body_pad: int = 0,
         mid: str = "m1") -> bytes:
    import base64

    parts = (f"From: Ola <post@verksted.test>\r\nTo: osl@partdesk.test\r\nSubject: Bestilling\r\n"
             f"Message-ID: <{mid}@verksted.test>\r\nMIME-Version: 1.0\r\n"
             f"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
             f"Bestilling i vedlegget.\r\n{'x' * body_pad}\r\n").encode()
    if attachment:
        parts += (f"--b\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
                  f"Content-Disposition: attachment; filename=\"{filename}\"\r\n\r\n").encode()
        parts += base64.encodebytes(attachment)
    return parts + b"--b--\r\n"


@pytest.fixture
def known(make, branch):
    return make.workshop(branch, emails=["post@verksted.test"])


def test_a_message_over_the_limit_is_stored_with_its_headers_and_the_reason(app, db, intake, known):
    app.config["MAX_MESSAGE_BYTES"] = 50_000
    raw = mail(body_pad=80_000)
    message, outcome, created = intake(raw)
    assert created and outcome == "skipped"  # not parsed
    assert message.status == "failed"
    assert bytes(message.raw) == raw[:raw.index(b"\r\n\r\n") + 4]  # the headers, exactly
    assert f"{len(raw)} bytes, over the limit of 50000" in message.error
    assert message.subject == "Bestilling" and "post@verksted.test" in message.sender  # labelled for a person
    assert intake(raw)[2] is False  # delivered again: found, not stored twice


def test_a_message_at_the_limit_is_read_normally(app, intake, known):
    raw = mail(attachment=b"Varenr;Antall\r\n0 986 494 123;2\r\n")
    app.config["MAX_MESSAGE_BYTES"] = len(raw)
    message, outcome, _ = intake(raw)
    assert outcome == "order" and bytes(message.raw) == raw


def review_page_shows(client, order: Order, *texts: str) -> None:
    login(client, "kari")
    for path in (f"/orders/{order.reference}", f"/orders/{order.reference}/review"):
        html = client.get(path).get_data(as_text=True)
        for text in texts:
            assert text in html, f"{path} does not show {text!r}"


def test_an_oversized_attachment_is_kept_shown_and_not_parsed(db, client, intake, known, staff, monkeypatch):
    monkeypatch.setattr(attachments_mod, "MAX_ATTACHMENT_BYTES", 10_000)
    # the lowered limit lives in this process: parse here, not in the worker's child process
    monkeypatch.setattr(pipeline, "parse", lambda raw, channel, catalogue=None: parse_bytes(raw, channel,
                                                                                          catalogue=catalogue))
    big = b"Varenr;Antall\r\n" + b"0 986 494 123;2\r\n" * 2000
    message, outcome, _ = intake(mail(attachment=big))
    assert outcome == "order"
    order = db.session.get(Order, message.order_id)
    assert order.status == "needs_review" and not order.lines  # nothing was parsed from it
    reason = next(r for r in order.review_reasons if "liste.csv" in r)
    assert f"{len(big)} bytes is over the 10000 byte limit" in reason
    review_page_shows(client, order, "liste.csv", "over the 10000 byte limit")


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def xlsx_bomb() -> bytes:
    """A spreadsheet-shaped zip whose sheet XML unpacks past the XLSX limit (41 MiB of one byte)."""
    sheet = b"<worksheet><sheetData>" + b" " * (attachments_mod.MAX_XLSX_UNCOMPRESSED + 1024 * 1024)
    return zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": sheet})


def ratio_bomb() -> bytes:
    """Under the total limit, but one member compressed far past any real spreadsheet (a nested bomb's shape)."""
    return zipped({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * 20_000_000})


@pytest.mark.parametrize("bomb, says", [(xlsx_bomb, "may be a zip bomb"), (ratio_bomb, "suspiciously well")],
                         ids=["unpacks-past-limit", "huge-ratio"])
def test_zip_bombs_are_refused_with_a_clear_reason_and_the_message_kept(db, client, intake, known, staff, bomb, says):
    data = bomb()
    assert len(data) < 200_000
    raw = mail(attachment=data, filename="bestilling.xlsx", ctype=XLSX, mid=bomb.__name__)
    message, outcome, _ = intake(raw)
    assert bytes(message.raw) == raw and message.status == "processed"
    assert outcome == "order"
    order = db.session.get(Order, message.order_id)
    assert order.status == "needs_review"
    reason = next(r for r in order.review_reasons if "bestilling.xlsx" in r)
    assert says in reason
    review_page_shows(client, order, "bestilling.xlsx", says)


def test_a_bomb_is_refused_before_it_is_opened(monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the bomb was opened"))
    att = attachments_mod.Attachment("x.xlsx", XLSX, 0, data=xlsx_bomb())
    att.size = len(att.data)
    assert not attachments_mod.read_attachment(att).parsed and "zip bomb" in att.note


def test_a_pipeline_round_with_bombs_and_giants_loses_nothing(app, db, intake, known):
    app.config["MAX_MESSAGE_BYTES"] = 200_000
    raws = [mail(attachment=xlsx_bomb(), filename="a.xlsx", ctype=XLSX, mid="r1"),
            mail(body_pad=300_000, mid="r2"), mail(attachment=b"PK\x03\x04broken", filename="b.xlsx", ctype=XLSX,
                                                    mid="r3")]
    ids = [intake(raw)[0].id for raw in raws]
    assert pipeline.process_pending(now=NOW) == {}  # all handled already: none left stored
    from app.models import InboundMessage

    db.session.expire_all()
    statuses = [db.session.get(InboundMessage, i).status for i in ids]
    assert statuses == ["processed", "failed", "processed"]
