"""In a real Chromium: pointing at or tabbing to a field of an email order outlines the words of the
sender's text it was read from, on the order page and on the review page; a hostile text stays text.
Screenshots: test-artifacts/evidence-order.png and evidence-review.png."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.conftest import console_problems, log_in, screenshot
from tests.browser.test_workflow import tab_to
from tests.browser.test_xss import assert_clean
from tests.web.test_evidence import EMAIL

pytestmark = pytest.mark.browser

LINE_1 = ["2 stk", "bremseklosser", "foran", "0 986 494 123"]
LINE_2 = ["1 stk", "oljefilter", "HU 719/7 x"]


@pytest.fixture
def email_order(app, db, make):
    from app.intake import pipeline
    from app.intake.store import store_raw
    from app.models import Order

    branch = make.branch("OSL", name="Oslo Alnabru")
    make.staff(branch, login="kari", name="Kari")
    now = datetime.now(UTC)
    message_id, _ = store_raw(EMAIL, channel="email", branch_id=branch.id, now=now)
    pipeline.process_one(message_id, now=now)
    db.session.commit()
    return db.session.query(Order).filter(Order.inbound_message_id == message_id).one().reference


def lit(page, state: str = "ev-on") -> list[str]:
    return page.eval_on_selector_all(f".evidence-text .{state}", "els => els.map(e => e.textContent)")


def test_the_words_of_a_field_light_up_on_the_order_and_review_pages(page, live_url, email_order):
    problems = console_problems(page)
    log_in(page, live_url, "kari")

    page.goto(f"{live_url}/orders/{email_order}")
    assert lit(page) == [] and lit(page, "ev-near") == []
    # by keyboard: Tab to the first line row
    tab_to(page, "tr[data-ev-for='line-0']")
    assert lit(page) == LINE_1
    # by mouse: the plate, then the part number of line 2 (its own words strongly, the rest of its line softly)
    page.hover("dd[data-ev-for='plate']")
    assert lit(page) == ["EL 12345"]
    style = page.eval_on_selector(".evidence-text .ev-on", """e => { const s = getComputedStyle(e);
        return [s.outlineStyle, s.outlineWidth, s.textDecorationLine, s.textDecorationStyle]; }""")
    assert style == ["solid", "2px", "underline", "solid"]  # a shape, not a colour alone
    page.hover("td[data-ev-for='line-1-part_number']")
    assert lit(page) == ["HU 719/7 x"] and lit(page, "ev-near") == ["1 stk", "oljefilter"]
    # the pointer leaves: back to what has the focus
    page.mouse.move(5, 890)
    assert lit(page) == LINE_1
    assert "<script>window.__pwned=2</script>" in page.inner_text(".evidence-text")
    assert_clean(page, "order page")
    screenshot(page, "evidence-order")
    # (the order page prints as its pick list, tests/browser/test_print.py; the review page prints the message)

    page.goto(f"{live_url}/orders/{email_order}/review")
    tab_to(page, "#lines-1-part_number")
    assert lit(page) == ["HU 719/7 x"] and lit(page, "ev-near") == ["1 stk", "oljefilter"]
    page.hover("#plate")
    assert lit(page) == ["EL 12345"]
    page.hover("#lines-0-quantity")
    assert lit(page) == ["2 stk"] and lit(page, "ev-near") == LINE_1[1:]
    page.mouse.move(5, 890)
    assert lit(page) == ["HU 719/7 x"]
    # the clerk edits the plate: it no longer points at the message's words, and says so
    page.focus("#plate")
    assert lit(page) == ["EL 12345"] and not page.is_visible("[data-ev-for='plate'] .ev-stale-note")
    page.keyboard.press("End")
    page.keyboard.type("9")
    assert lit(page) == []
    assert page.is_visible("[data-ev-for='plate'] .ev-stale-note")
    page.keyboard.press("Backspace")
    assert lit(page) == ["EL 12345"] and not page.is_visible("[data-ev-for='plate'] .ev-stale-note")
    # so does a box ticked off: the urgency it was read from is no longer what the order says
    page.focus("#urgent")
    assert lit(page) == ["haster"]
    page.keyboard.press("Space")
    assert lit(page) == [] and page.is_visible("[data-ev-for='urgent'] .ev-stale-note")
    page.keyboard.press("Space")
    assert lit(page) == ["haster"]
    # a line added here (cloned from the last row) is no line of the message
    page.click(".add-line")
    assert page.evaluate("document.activeElement.id") == "lines-2-part_number"
    assert lit(page) == [] and page.locator("tr.line-row").nth(2).get_attribute("data-ev-for") is None
    assert page.locator("tr.line-row").nth(2).locator(".ev-note").count() == 0
    page.click("tr.line-row:nth-child(3) .remove-line")
    page.focus("#lines-1-part_number")  # back to a line of the message for the picture
    assert lit(page) == ["HU 719/7 x"] and page.locator("tr.line-row").count() == 2
    # printed, the whole text is on paper and the outline stays (backgrounds may not print)
    page.emulate_media(media="print")
    assert page.eval_on_selector(".evidence-text", "e => getComputedStyle(e).maxHeight") == "none"
    assert lit(page) == ["HU 719/7 x"]
    assert page.eval_on_selector(".evidence-text .ev-on", "e => getComputedStyle(e).outlineStyle") == "solid"
    page.emulate_media(media="screen")
    assert "Bestilling <script>window.__pwned=1</script>" in page.inner_text(".evidence-text")
    assert_clean(page, "review page")
    screenshot(page, "evidence-review")
    assert problems == []  # no script error, no Content-Security-Policy violation


def test_a_line_from_an_attachment_lights_up_the_file_it_was_read_from(page, live_url, app, db, make):
    from app.intake import pipeline
    from app.intake.store import store_raw
    from app.models import Order
    from tests.web.test_evidence import csv_email

    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    now = datetime.now(UTC)
    message_id, _ = store_raw(csv_email(), channel="email", branch_id=branch.id, now=now)
    pipeline.process_one(message_id, now=now)
    db.session.commit()
    reference = db.session.query(Order).filter(Order.inbound_message_id == message_id).one().reference
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/{reference}")
    attachment = page.locator(".attachments li")
    assert "ev-on" not in (attachment.get_attribute("class") or "")
    tab_to(page, "tr[data-ev-for='line-1']")
    assert "ev-on" in attachment.get_attribute("class")
    assert "Read from liste <b>1</b>.csv, row 3, columns A, B, C" in page.inner_text("tr[data-ev-for='line-1']")
    assert attachment.inner_text().startswith("liste <b>1</b>.csv")
    assert_clean(page, "order page")
    screenshot(page, "evidence-attachment")
