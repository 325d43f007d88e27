"""The evidence beside the fields: the stored text cut at the parser's spans, escaped piece by piece, and
only for values that still equal what was read. Messages go through the real parser and pipeline."""
from __future__ import annotations

import base64
import html as htmllib
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.models import InboundMessage, Order
from app.web.queue.evidence import Piece, Shown, for_page, split

from . import login

EMAIL = """From: Ola <ola@verksted.example>
To: oslo@partdesk.example
Subject: Bestilling <script>window.__pwned=1</script>
Message-ID: <ev-1@verksted.example>
Content-Type: text/plain; charset=utf-8

Hei,

Vi trenger:
2 stk bremseklosser foran 0 986 494 123
1 stk oljefilter HU 719/7 x

Bilen er EL 12345. <script>window.__pwned=2</script> <img src=x onerror="window.__pwned=3">
Vi henter selv. Det haster!

Mvh Ola
""".replace("\n", "\r\n").encode()


# --- split: the text cut at the spans ---

def test_no_spans_is_the_whole_text():
    assert split("Hei", []) == [Piece("Hei")]
    assert split("", [(0, 1, "plate")]) == [Piece("")]


def test_overlapping_spans_cut_where_each_starts_and_ends():
    assert split("abcdefgh", [(0, 4, "line-0"), (2, 6, "line-0-part_number"), (2, 6, "plate")]) == [
        Piece("ab", ("line-0",)), Piece("cd", ("line-0", "line-0-part_number", "plate")),
        Piece("ef", ("line-0-part_number", "plate")), Piece("gh")]


def test_a_span_inside_another_and_the_same_span_twice():
    assert split("abcdef", [(0, 6, "line-0"), (2, 3, "line-0-quantity"), (2, 3, "line-0-quantity")]) == [
        Piece("ab", ("line-0",)), Piece("c", ("line-0", "line-0-quantity")), Piece("def", ("line-0",))]


def test_spans_at_both_edges_and_touching():
    assert split("EL 12345 ok", [(0, 2, "plate"), (2, 8, "vin"), (10, 11, "urgent")]) == [
        Piece("EL", ("plate",)), Piece(" 12345", ("vin",)), Piece(" o"), Piece("k", ("urgent",))]
    assert split("abc", [(0, 3, "plate")]) == [Piece("abc", ("plate",))]


@pytest.mark.parametrize("bad", [(-1, 2), (2, 99), (4, 99), (3, 1), (2, 2), ("0", 2), (0, 2.0), (True, 2), (None, 1)])
def test_spans_out_of_range_or_malformed_from_an_older_parse_are_ignored(bad):
    assert split("abcd", [(*bad, "plate"), (1, 2, "vin")]) == [Piece("a"), Piece("b", ("vin",)), Piece("cd")]


@given(st.text(max_size=40), st.lists(st.tuples(st.integers(-5, 45), st.integers(-5, 45),
                                                st.sampled_from(["plate", "line-0", "line-1"])), max_size=12))
def test_the_pieces_give_the_text_back_and_each_key_covers_exactly_its_spans(text, marks):
    pieces = split(text, marks)
    assert "".join(p.text for p in pieces) == text
    at = 0
    for piece in pieces:
        for i in range(at, at + len(piece.text)):
            covering = {k for s, e, k in marks if 0 <= s < e <= len(text) and s <= i < e}
            assert set(piece.keys) == covering
        at += len(piece.text)


# --- for_page: which fields and lines still point at their words ---

PARSED = {
    "text": "Bestilling\n2 stk OC90 oljefilter\nEL 12345",
    "lines": [{"part_number": "OC90", "description": "oljefilter", "quantity": 2},
              {"part_number": "HU 7", "description": None, "quantity": 1}],
    "plate": "EL 12345", "urgent": False, "fulfilment": None, "customer_reference": None, "vin": None,
    "evidence": {"plate": [[33, 41]],
                 "lines": [{"part_number": [[17, 21]], "quantity": [[11, 16]], "description": [[22, 32]],
                            "evidence": [[11, 16], [17, 21], [22, 32]]},
                           {"part_number": [["liste.csv", 1, 0]], "quantity": [["liste.csv", 1, 2]],
                            "evidence": [["liste.csv", 1, 0], ["liste.csv", 1, 2]]}]},
}


def message(parsed) -> InboundMessage:
    return InboundMessage(channel="email", dedup_key="x", raw=b"", parsed=parsed)


def lit(ev, key: str) -> list[str]:
    return [p.text for p in ev.pieces if key in p.keys]


def test_every_field_and_line_that_equals_what_was_read_points_at_its_words():
    ev = for_page(message(PARSED), Shown(plate="EL 12345", lines=(("OC90", "oljefilter", 2), ("HU 7", None, 1))))
    assert lit(ev, "plate") == ["EL 12345"]
    assert lit(ev, "line-0") == ["2 stk", "OC90", "oljefilter"]
    assert lit(ev, "line-0-part_number") == ["OC90"]
    assert ev.line(0).key == "line-0" and ev.line(0).parts == {
        "part_number": "line-0-part_number", "quantity": "line-0-quantity", "description": "line-0-description"}
    # a line from an attachment names the file, the row and the columns as a spreadsheet numbers them
    assert ev.line(1).key == "line-1" and ev.line(1).rows == [("liste.csv", 2, ["A", "C"])]
    assert ev.files == {"liste.csv": "line-1"}
    assert not ev.line(0).changed and not ev.fields["plate"].changed


def test_an_edited_line_or_field_has_no_evidence_and_says_so():
    ev = for_page(message(PARSED), Shown(plate="EL 99999", lines=(("OC90", "oljefilter", 3), ("HU 7", None, 1))))
    assert ev.line(0).key is None and ev.line(0).changed
    assert ev.fields["plate"].key is None and ev.fields["plate"].changed
    assert lit(ev, "line-0") == [] and lit(ev, "plate") == []
    assert ev.line(1).key == "line-1" and not ev.line(1).changed
    # the description and part number count too, not only the quantity
    for edited in (("OC91", "oljefilter", 2), ("OC90", "luftfilter", 2)):
        assert for_page(message(PARSED), Shown(lines=(edited,))).line(0).changed


def test_a_line_moved_up_by_a_removal_keeps_its_evidence_and_a_new_line_has_none():
    ev = for_page(message(PARSED), Shown(lines=(("HU 7", None, 1), ("DF4455", "bremseskiver", 1), (None, None, 1))))
    assert ev.line(0).key == "line-1"
    assert ev.line(1).key is None and ev.line(1).changed
    assert ev.line(2).key is None and not ev.line(2).changed  # an empty row of the form says nothing


def test_a_parse_without_evidence_or_with_broken_evidence_shows_less_and_never_fails():
    assert for_page(None, Shown()) is None
    assert for_page(message(None), Shown()) is None
    assert for_page(message({"lines": [], "plate": "EL 12345"}), Shown(plate="EL 12345")) is None  # an older parse
    assert for_page(message({"text": 5, "evidence": {}}), Shown()) is None
    broken = {"text": "abc", "plate": "x", "lines": [None, {"part_number": "A"}, "B"],
              "evidence": {"plate": "x", "vin": [[1]], "urgent": [[0, 99]],
                           "lines": [None, {"evidence": [[1], ["f", "a", 1], [0, 1, 2]]}, 7]}}
    ev = for_page(message(broken), Shown(plate="x", urgent=True,
                                         lines=((None, None, 1), ("A", None, 1), ("B", None, 1))))
    assert [p.text for p in ev.pieces] == ["abc"] and ev.pieces[0].keys == ()
    assert "urgent" not in ev.fields and "vin" not in ev.fields  # nothing inside the text to point at
    assert ev.line(1).key is None and ev.line(2).key is None


# --- the pages ---

def _now():
    return datetime.now(UTC)


@pytest.fixture
def email_order(make):
    from app.intake import pipeline
    from app.intake.store import store_raw

    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    message_id, _ = store_raw(EMAIL, channel="email", branch_id=branch.id, now=_now())
    pipeline.process_one(message_id, now=_now())
    db.session.commit()
    order = db.session.query(Order).filter(Order.inbound_message_id == message_id).one()
    assert order.status == "needs_review"  # the sender is no known workshop
    return order


def marked(html: str, key: str) -> list[str]:
    """The escaped text of the pieces of the sender's text that carry `key`."""
    return [htmllib.unescape(t) for keys, t in re.findall(r'<span class="ev" data-ev="([^"]*)">([^<]*)</span>', html)
            if key in keys.split()]


def test_the_order_page_marks_the_words_each_field_and_line_was_read_from(client, email_order):
    login(client, "kari")
    page = client.get(f"/orders/{email_order.reference}").get_data(as_text=True)
    assert marked(page, "plate") == ["EL 12345"]
    assert marked(page, "line-0") == ["2 stk", "bremseklosser", "foran", "0 986 494 123"]
    assert marked(page, "line-1-part_number") == ["HU 719/7 x"]
    assert marked(page, "fulfilment") == ["henter selv"]
    assert marked(page, "urgent") == ["haster"]
    assert re.search(r'<dd tabindex="0" data-ev-for="plate">EL 12345', page)
    assert '<span class="urgent" tabindex="0" data-ev-for="urgent">URGENT</span>' in page
    assert re.search(r'<tr tabindex="0" data-ev-for="line-0">', page)
    assert "evidence.js" in page
    # the hostile text is there, as text: nothing from the message became markup
    text = page[page.index('<pre class="message-body evidence-text">'):]
    text = text[:text.index("</pre>")]
    assert "&lt;script&gt;window.__pwned=2&lt;/script&gt;" in text and "<script" not in text and "<img" not in text
    assert "Bestilling &lt;script&gt;" in text


def test_the_review_page_keys_its_fields_and_lines_and_stops_at_an_edited_line(client, email_order):
    login(client, "kari")
    page = client.get(f"/orders/{email_order.reference}/review").get_data(as_text=True)
    assert re.search(r'<div class="field" data-ev-for="plate">', page)
    assert re.search(r'<div class="field radios" [^>]*data-ev-for="fulfilment">', page)
    assert '<div class="field checkbox" data-ev-for="urgent">' in page
    assert len(re.findall(r'<tr class="line-row" data-ev-for="line-\d">', page)) == 2
    assert 'data-ev-for="line-0-part_number"' in page
    assert page.count("ev-stale-note") == 5  # plate, urgent, fulfilment and two lines may go stale as the clerk types
    # the clerk changes the first line's quantity (and adds a line without JS): that line has no evidence now
    data = _form_data(page)
    data.update({"lines-0-quantity": "3", "add_line": "Add line"})
    page = client.post(f"/orders/{email_order.reference}/review", data=data).get_data(as_text=True)
    rows = re.findall(r'<tr class="line-row"([^>]*)>', page)
    assert rows == ["", ' data-ev-for="line-1"', ""]
    assert page.count("Changed since the message was read") == 1
    assert marked(page, "line-0") == [] and marked(page, "line-1") == ["1 stk", "oljefilter", "HU 719/7 x"]


def test_an_order_edited_in_review_shows_only_the_evidence_still_true(client, email_order, make):
    make.workshop(email_order.branch, number="20001", name="Verksted AS")
    login(client, "kari")
    data = _form_data(client.get(f"/orders/{email_order.reference}/review").get_data(as_text=True))
    data.update({"workshop": "20001", "lines-1-description": "oljefilter motor", "plate": "EL 12346"})
    assert client.post(f"/orders/{email_order.reference}/review", data=data).status_code == 302
    page = client.get(f"/orders/{email_order.reference}").get_data(as_text=True)
    assert marked(page, "line-0") == ["2 stk", "bremseklosser", "foran", "0 986 494 123"]
    assert marked(page, "line-1") == [] and marked(page, "plate") == []
    assert page.count("Changed since the message was read") == 2  # the plate and the second line
    assert '<th scope="col">Read from</th>' in page


def test_a_phone_order_shows_no_evidence(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = make.order(branch, channel="phone", plate="EL 12345", review_reasons=["check"])
    login(client, "kari")
    for path in (f"/orders/{order.reference}", f"/orders/{order.reference}/review"):
        page = client.get(path).get_data(as_text=True)
        assert "data-ev" not in page and "evidence.js" not in page and "What the order was read from" not in page
        assert "Keyed in by staff" in page


def test_spans_from_an_older_parse_past_the_text_are_ignored_on_the_page(client, email_order):
    parsed = dict(email_order.inbound_message.parsed)
    parsed["evidence"] = {**parsed["evidence"], "plate": [[5000, 5008], [-3, 2]]}
    email_order.inbound_message.parsed = parsed
    db.session.commit()
    login(client, "kari")
    for path in (f"/orders/{email_order.reference}", f"/orders/{email_order.reference}/review"):
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert marked(page, "plate") == [] and marked(page, "line-0")
        assert 'data-ev-for="plate"' not in page  # a field with no words to light is not offered as one


def csv_email() -> bytes:
    table = "Varenr;Beskrivelse;Antall\r\nHU 6013 z;Oljefilter;4\r\nC 27 024;Luftfilter;2\r\n"
    return ("From: post@asker.example\r\nTo: oslo@partdesk.example\r\nSubject: Bestilling\r\n"
            "Message-ID: <ev-csv@asker.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHei! Vedlagt liste. Kan dere levere i morgen?\r\n"
            "--b1\r\nContent-Type: text/csv; charset=utf-8\r\n"
            "Content-Disposition: attachment; filename=\"liste <b>1</b>.csv\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(table.encode()).decode() + "\r\n--b1--\r\n"
            ).encode()


def test_lines_from_an_attachment_name_the_file_row_and_columns(client, make):
    from app.intake import pipeline
    from app.intake.store import store_raw

    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    message_id, _ = store_raw(csv_email(), channel="email", branch_id=branch.id, now=_now())
    pipeline.process_one(message_id, now=_now())
    db.session.commit()
    order = db.session.query(Order).filter(Order.inbound_message_id == message_id).one()
    login(client, "kari")
    for path in (f"/orders/{order.reference}", f"/orders/{order.reference}/review"):
        page = client.get(path).get_data(as_text=True)
        name = '<span class="ev-file">liste &lt;b&gt;1&lt;/b&gt;.csv</span>'
        assert f"Read from {name}, row 2, columns A, B, C" in page  # the first row under the header
        assert f"Read from {name}, row 3, columns A, B, C" in page
        # the attachment in the list lights up with the lines read from it
        assert re.search(r'<li class="ev" data-ev="line-0 line-1"><a [^>]*>liste &lt;b&gt;1&lt;/b&gt;.csv</a>', page)
        assert "<b>1</b>" not in page


def _form_data(html: str) -> dict:
    """What a browser sends back from the review form as rendered."""
    form = html[html.index('id="order-form"'):html.index("</form>", html.index('id="order-form"'))]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) == "submit"):
            continue
        if kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag:
            continue
        data[name.group(1)] = htmllib.unescape(value.group(1)) if value else ""
    return data
