"""A member of staff takes a phone order and works it, keyboard only, while a manager's dashboard
updates by itself. Screenshots of each step are saved to test-artifacts/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_for_focus

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_phone_order_to_ready_by_keyboard(browser, page, live_url, make, monkeypatch):
    from app.web.dashboard import routes as dashboard_routes

    monkeypatch.setattr(dashboard_routes, "POLL_SECONDS", 1)
    branch = make.branch("OSL", name="Oslo Alnabru", staff_hold_limit=3)
    make.staff(branch, login="kari", name="Kari")
    make.staff(branch, login="maria", name="Maria", role="manager")
    make.workshop(branch, name="Bilverksted AS", number="10023", phones=["+47 22 33 44 55"])

    manager = browser.new_context().new_page()
    manager.goto(f"{live_url}/login")
    manager.fill("#login", "maria")
    manager.fill("#password", "secret-pass-1")
    manager.press("#password", "Enter")
    manager.goto(f"{live_url}/manager/?branch=OSL")
    assert manager.inner_text("#open-total") == "0"

    # log in: the login field has the focus
    page.goto(f"{live_url}/login")
    page.bring_to_front()
    wait_for_focus(page, "login")
    page.keyboard.type("kari")
    page.keyboard.press("Tab")
    page.keyboard.type("secret-pass-1")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/")

    # to the order form through the menu; the workshop field has the focus
    tab_to(page, "nav a[accesskey='n']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/orders/new")
    wait_for_focus(page, "workshop")
    page.keyboard.type("Bilverk")
    page.wait_for_selector("#workshop-suggestions li")
    page.keyboard.press("Enter")
    assert page.input_value("#workshop") == "Bilverksted AS (10023)"

    lines = [("0 986 494 123", "Bremseklosser foran", "2"), ("HU 719/7 x", "Oljefilter", "1"),
             ("BKR6E", "Tennplugger", "4")]
    tab_to(page, "input.part-number")
    for i, (part, description, quantity) in enumerate(lines):
        if i:
            tab_to(page, ".add-line")
            page.keyboard.press("Enter")  # adds a row and moves to its part number
        assert page.evaluate("document.activeElement.classList.contains('part-number')")
        page.keyboard.type(part)
        page.keyboard.press("Tab")
        page.keyboard.type(description)
        page.keyboard.press("Tab")
        page.keyboard.press("Control+a")
        page.keyboard.type(quantity)
    tab_to(page, "#urgent")
    page.keyboard.press("Space")
    tab_to(page, "#plate")
    page.keyboard.type("EL 12345")
    screenshot(page, "workflow-1-form")
    tab_to(page, "#save")  # Enter in a field never saves; on the Save button it does
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/orders/OSL-\d{6}/created$"))
    reference = page.inner_text("#reference").strip()
    assert reference == "OSL-000001"
    screenshot(page, "workflow-2-reference")

    # the manager's dashboard changes without a reload
    manager.evaluate("window.notReloaded = true")
    expect(manager.locator("#open-total")).to_have_text("1", timeout=8000)
    assert manager.evaluate("window.notReloaded") is True
    assert manager.inner_text("#urgent-waiting") == "1"

    # open it, claim it, mark it ready
    tab_to(page, "a[accesskey='o']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_url}/orders/{reference}"
    body = page.inner_text("body")
    for part, description, quantity in lines:
        assert part in body and description in body
    tab_to(page, "button[value='claim'], form[action$='/do/claim'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You hold" in page.inner_text("body")
    screenshot(page, "workflow-3-claimed")
    tab_to(page, "form[action$='/do/ready'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"{reference} is ready" in page.inner_text("body")
    screenshot(page, "workflow-4-ready")

    expect(manager.locator("#open-total")).to_have_text("1")
    screenshot(manager, "workflow-5-dashboard")
    assert not page.errors and not manager.context.pages[0].is_closed()
