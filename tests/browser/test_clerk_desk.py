"""The clerk's desk in real Chromium (issue 14): correcting a claimed order, a phone form that Enter never
saves half-finished, and a caller not in the workshop list served anyway. Screenshots in test-artifacts/."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.models import Order
from app.orders import service
from tests.browser.conftest import console_problems, log_in, screenshot, wait_for_focus

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _desk(make):
    branch = make.branch("OSL", name="Oslo Alnabru")
    kari = make.staff(branch, login="kari", name="Kari")
    workshop = make.workshop(branch, number="20001", name="Bilservice Nord AS", phones=["+47 22 33 44 55"])
    return branch, kari, workshop


def test_a_clerk_edits_a_line_of_a_claimed_order_and_the_history_shows_before_and_after(page, live_url, make, db):
    branch, kari, workshop = _desk(make)
    order = make.order(branch, now=NOW, workshop_id=workshop.id,
                       lines=(("GDB1956", "Bremseklosser", 2), ("OC 90", "Oljefilter", 1)))
    service.claim(order, kari, now=NOW)
    db.session.commit()
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/{order.reference}")
    with page.expect_navigation():
        page.click("#edit-order")
    assert page.url == f"{live_url}/orders/{order.reference}/edit"
    assert page.input_value("#workshop") == "Bilservice Nord AS (20001)"
    page.fill("#lines-0-quantity", "4")
    page.fill("#lines-1-description", "Oljefilter HU 719")
    screenshot(page, "edit-1-form")
    with page.expect_navigation():
        page.click("#save")
    assert page.url == f"{live_url}/orders/{order.reference}"
    history = page.locator("ol.history li").last
    expect(history).to_contain_text("edited")
    expect(history).to_contain_text("line 1: 2 × GDB1956 Bremseklosser → 4 × GDB1956 Bremseklosser")
    expect(history).to_contain_text("line 2: 1 × OC 90 Oljefilter → 1 × OC 90 Oljefilter HU 719")
    expect(page.locator("table.order-lines")).to_contain_text("Oljefilter HU 719")
    screenshot(page, "edit-2-history")
    assert problems == [] and page.errors == []
    db.session.rollback()
    saved = db.session.get(Order, order.id)
    assert (saved.status, saved.holder_id, [ln.quantity for ln in saved.lines]) == ("claimed", kari.id, [4, 1])


def test_enter_in_a_field_never_saves_and_in_a_lines_last_field_adds_a_line(page, live_url, make, db):
    _desk(make)
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/new")
    wait_for_focus(page, "workshop")
    page.fill("#contact_name", "Ola")
    page.press("#contact_name", "Enter")
    page.press("#plate", "Enter")
    page.press("#lines-0-part_number", "Enter")  # moves along the line
    assert page.evaluate("document.activeElement.id") == "lines-0-description"
    page.keyboard.type("Bremseklosser")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "lines-0-quantity"
    page.keyboard.press("Enter")  # the line's last field: a new line, with the focus on its part number
    assert page.locator("tr.line-row").count() == 2
    assert page.evaluate("document.activeElement.name") == "lines-1-part_number"
    page.keyboard.type("OC 90")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.locator("tr.line-row").count() == 3
    assert page.url == f"{live_url}/orders/new"
    assert db.session.scalars(select(Order)).first() is None

    # Save is in view however long the order, even scrolled to the top
    for _ in range(8):
        page.keyboard.press("Enter")
    page.evaluate("window.scrollTo(0, 0)")
    save = page.locator("#save")
    assert page.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    box = save.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]
    screenshot(page, "enter-1-many-lines")

    # Save without a workshop or phone: the page comes back with the focus on the first field in error
    with page.expect_navigation():
        page.focus("#save")
        page.keyboard.press("Enter")
    assert page.url == f"{live_url}/orders/new"
    wait_for_focus(page, "workshop")
    assert "Pick the workshop, or give a contact phone" in page.inner_text(".workshop-picker")
    page.fill("#workshop", "")
    page.fill("#contact_phone", "12")  # not a phone: the error moves to that field
    with page.expect_navigation():
        page.click("#save")
    wait_for_focus(page, "contact_phone")
    assert page.input_value("#contact_name") == "Ola"
    assert [p for p in problems if "status of 422" not in p] == [] and page.errors == []  # the refusals are 422s
    db.session.rollback()
    assert db.session.scalars(select(Order)).first() is None


def test_without_script_enter_in_a_field_saves_nothing(browser, live_url, make, db):
    _desk(make)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/new")
    page.fill("#workshop", "20001")
    page.fill("#lines-0-part_number", "GDB1956")
    page.press("#lines-0-part_number", "Enter")
    page.press("#plate", "Enter")
    page.wait_for_timeout(500)  # a submission would have navigated by now
    assert page.url == f"{live_url}/orders/new"
    assert db.session.scalars(select(Order)).first() is None
    with page.expect_navigation():
        page.click("#save")
    assert re.search(r"/orders/OSL-000001/created$", page.url)
    context.close()


def test_an_unknown_caller_gets_a_new_workshop_and_the_order_is_taken(page, live_url, make, db):
    _desk(make)
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/new")
    wait_for_focus(page, "workshop")
    page.keyboard.type("Nytt Verksted Drammen")
    option = page.locator("#workshop-suggestions li.new-option")
    expect(option).to_have_text("No match: take “Nytt Verksted Drammen” as a new workshop…")
    page.keyboard.press("Enter")  # picks "new workshop": the part opens with the name, the focus on its phone
    expect(page.locator("#new-workshop")).to_have_attribute("open", "")
    assert page.input_value("#new_workshop_name") == "Nytt Verksted Drammen"
    wait_for_focus(page, "new_workshop_phone")
    page.keyboard.type("32 11 22 33")
    page.fill("#new_workshop_org", "923 456 789")
    page.fill("#lines-0-part_number", "GDB1956")
    page.fill("#lines-0-description", "Bremseklosser")
    screenshot(page, "new-workshop-1-form")
    with page.expect_navigation():
        page.click("#save")
    assert re.search(r"/orders/OSL-000001/created$", page.url)
    screenshot(page, "new-workshop-2-taken")
    assert problems == [] and page.errors == []
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert (order.workshop.name, order.workshop.provisional) == ("Nytt Verksted Drammen", True)
    assert [p.e164 for p in order.workshop.phones] == ["+4732112233"]
    assert [(ln.part_number, ln.description) for ln in order.lines] == [("GDB1956", "Bremseklosser")]


def test_a_screen_popped_unknown_caller_has_their_number_in_the_new_workshop(page, live_url, make, db):
    _desk(make)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/new?phone=%2B4732112233")  # the screen pop's link for an unknown number
    wait_for_focus(page, "workshop")
    assert page.input_value("#contact_phone") == "+4732112233"
    page.keyboard.type("Nytt Verksted")
    page.wait_for_selector("#workshop-suggestions li.new-option")
    page.keyboard.press("Enter")
    assert page.input_value("#new_workshop_phone") == "+4732112233"
    wait_for_focus(page, "new_workshop_name")  # the phone is there: the name is what to check
    assert page.errors == []
